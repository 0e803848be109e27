// Pay said the same way on every screen: the reward, pay per hour with the trip there, the
// distance and the time it takes; and how the brand treats workers (its scorecard).
import { h } from "/static/common/js/dom.js";
import { api } from "./api.js";
import { distance, money, percent, t } from "./i18n.js";

const scorecards = new Map(); // brand id → promise of its scorecard, for this visit

/** The lines of a mission's pay: reward, hourly rate with travel, distance, minutes. */
export function payLines(mission) {
  const travel = mission.estimate?.travel_minutes;
  return h("ul.pay",
    h("li", t("pay.reward", { money: money(mission.reward) })),
    mission.bonus?.amount_minor ? h("li", t("pay.bonus", { money: money(mission.bonus) })) : null,
    mission.effective_hourly_rate
      ? h("li", t("pay.rate", { money: money(mission.effective_hourly_rate) }))
      : null,
    mission.distance_m != null ? h("li", t("pay.distance", { distance: distance(mission.distance_m) })) : null,
    h("li", t("pay.minutes", { minutes: mission.est_minutes })),
    travel ? h("li", t("pay.travel", { minutes: travel })) : null,
  );
}

function duration(seconds) {
  if (seconds < 3600) return t("score.minutes", { minutes: Math.max(1, Math.round(seconds / 60)) });
  if (seconds < 3 * 86400) return t("score.hours", { hours: Math.round(seconds / 3600) });
  return t("score.days", { days: Math.round(seconds / 86400) });
}

/** A brand's scorecard in one sentence: how fast it decides, how often it rejects. */
export function scoreSentence(card) {
  const parts = [];
  if (card.time_to_decision?.median_seconds != null) {
    parts.push(t("score.decides", { time: duration(card.time_to_decision.median_seconds) }));
  }
  if (card.rejection?.decided) {
    parts.push(t("score.rejects", { share: percent(card.rejection.rate ?? 0), count: card.rejection.decided }));
  }
  if (card.appeal_reversal?.decided) {
    parts.push(t("score.reverses", { share: percent(card.appeal_reversal.share ?? 0) }));
  }
  const heading = t("score.heading", { brand: card.brand?.name ?? "" });
  return `${heading}: ${parts.length ? parts.join(" · ") : t("score.none")}`;
}

function scorecard(brand) {
  if (!scorecards.has(brand.id)) {
    const path = (brand.scorecard_url || `/brands/${encodeURIComponent(brand.id)}/scorecard`).replace(/^.*\/api\/v1/, "");
    scorecards.set(brand.id, api(path).catch((error) => {
      scorecards.delete(brand.id);
      throw error;
    }));
  }
  return scorecards.get(brand.id);
}

/** A line that fills in with the mission's brand scorecard once read. */
export function scoreLine(mission) {
  const line = h("p.score");
  if (!mission.brand) return line;
  scorecard(mission.brand)
    .then((card) => { line.textContent = scoreSentence(card); })
    .catch((error) => console.warn(error));
  return line;
}
