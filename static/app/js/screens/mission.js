// One mission before claiming: the store, the pay, the whole task, how long a claim holds;
// "Claim" sends the worker's position so the claim allows for the trip there.
import { announce, fill, h } from "/static/common/js/dom.js";
import { api, idempotencyKey } from "../api.js";
import { busy, errorLine } from "../form.js";
import { dateTime, t } from "../i18n.js";
import { payLines, scoreLine } from "../pay.js";
import { lastPoint, locate } from "../position.js";
import { labelOf } from "../questions.js";

function fact(term, ...value) {
  return [h("dt", term), h("dd", ...value)];
}

function taskFacts(task) {
  const facts = [];
  if (task.products?.length) {
    facts.push(...fact(t("mission.count"), h("ul", task.products.map((p) => h("li", `${p.name} (${p.sku})`)))));
  }
  if (task.counting?.definition) facts.push(...fact(t("mission.counting"), task.counting.definition));
  if (task.questions?.length) {
    facts.push(...fact(t("mission.questions"), h("ul", task.questions.map((q) => h("li", labelOf(q))))));
  }
  facts.push(...fact(t("mission.photos"), t("mission.photoCount", { count: task.photos_required })));
  if (task.photo_instructions) facts.push(...fact(t("mission.photoInstructions"), task.photo_instructions));
  if (task.instructions) facts.push(...fact(t("mission.instructions"), task.instructions));
  return facts;
}

function windowText(window) {
  return t("mission.windowText", {
    total: window.total_minutes,
    travel: window.travel_minutes,
    store: window.in_store_minutes,
    buffer: window.buffer_minutes,
  });
}

// The position a claim sends: the phone's own, never a point picked on the map.
async function claimPosition() {
  try {
    const here = await locate({ timeout: 10000 });
    return { latitude: here.latitude, longitude: here.longitude };
  } catch {
    const known = lastPoint();
    return known && !known.picked ? { latitude: known.latitude, longitude: known.longitude } : {};
  }
}

export default {
  path: "#/mission/:id",
  title: () => t("mission.title"),
  async render(main, { id, navigate }) {
    const error = errorLine();
    fill(main, h("h1", t("mission.title")), h("p.muted", t("app.loading")), error);
    const point = lastPoint();
    let mission;
    try {
      mission = await api(`/missions/${encodeURIComponent(id)}`, {
        query: point ? { latitude: point.latitude, longitude: point.longitude } : {},
      });
    } catch (problem) {
      fill(error, problem.message);
      main.querySelector("p.muted")?.remove();
      return;
    }
    const claim = h("button.primary.wide", { type: "button" }, t("mission.claim"));
    const key = idempotencyKey(); // one claim per visit to this screen, however often tapped
    claim.addEventListener("click", () =>
      busy(claim, t("mission.claiming"), error, async () => {
        const held = await api(`/missions/${encodeURIComponent(id)}/claim`, {
          method: "POST",
          body: await claimPosition(),
          headers: { "Idempotency-Key": key },
        });
        announce(t("mission.claimed"));
        navigate(`#/assignment/${encodeURIComponent(held.assignment_id)}`);
      }));
    fill(main,
      h("h1", mission.store.name),
      h("dl.facts",
        ...fact(t("mission.address"), mission.store.address || ""),
        ...fact(t("mission.pay"), payLines(mission), scoreLine(mission)),
        ...taskFacts(mission.task),
        ...fact(t("mission.window"), windowText(mission.claim_window),
          h("br"), t("mission.endsAt", { time: dateTime(mission.ends_at) })),
      ),
      error,
      mission.status === "open" ? h("div.actions.dock", claim) : h("p.error", t("mission.notOpen")),
    );
  },
};
