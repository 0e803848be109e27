// A recurring campaign's rounds on its page: where the rounds stand, a "Round" select that
// filters the results (the address carries ?round=N), and the table "Out of stock by round".
import { api } from "../api.js";
import { fill, h } from "/static/common/js/dom.js";
import { wide } from "../desk.js";
import { dateTime, t } from "../i18n.js";
import { table } from "./common.js";

/** The rounds section, or null for a campaign of one round that never repeated. */
export function roundsSection(campaign, { path, round, navigate }) {
  const state = campaign.rounds;
  if (!state || (!campaign.schedule && state.current <= 1)) return null;
  const id = "rounds-round";
  const select = h("select", { id, name: "round" },
    h("option", { value: "" }, t("rounds.allRounds")),
    Array.from({ length: state.current }, (_, i) => h("option", { value: String(i + 1) }, t("rounds.roundN", { round: i + 1 }))));
  select.value = round || "";
  select.addEventListener("change", () => {
    const chosen = select.value ? `?round=${encodeURIComponent(select.value)}` : "";
    navigate(`#/campaign/${encodeURIComponent(campaign.id)}${chosen}`);
  });
  const trend = h("div", h("p.muted", t("app.loading")));
  const section = h("section", { "aria-labelledby": "rounds-heading" },
    h("h2", { id: "rounds-heading" }, t("rounds.heading")),
    campaign.schedule
      ? h("p", t("rounds.every", { round: state.current, days: campaign.schedule.every_days }),
        state.next_opens_at ? ` ${t("rounds.nextOpens", { when: dateTime(state.next_opens_at) })}` : "")
      : null,
    // In words, with a marker that is not colour alone.
    state.hold ? h("p.message.warning", { role: "status" }, "⚠ ", t("rounds.held", { detail: state.hold.detail })) : null,
    h("div.field", h("label", { for: id }, t("rounds.round")), select),
    trend);
  api(`${path}/results/out-of-stock-trend`)
    .then((found) => fill(trend, trendTable(found)))
    .catch((problem) => fill(trend, h("p.message.error", { role: "alert" }, problem.message)));
  return section;
}

function trendTable(found) {
  const cell = (entry) => {
    if (!entry || entry.out_of_stock === null) return h("span.muted", t("rounds.notVisited"));
    return entry.out_of_stock.length ? entry.out_of_stock.join(", ") : t("rounds.noneOut");
  };
  return wide(table(t("rounds.trendHeading"), [
    [t("rounds.store"), (item) => item.store.name],
    ...found.rounds.map((n) => [t("rounds.roundN", { round: n }), (item) => cell(item.rounds.find((r) => r.round === n))]),
  ], found.items));
}
