// A claim: how long it still holds, "Check in" at the store (told how far away when outside
// the geofence), then on to the task; or "Release" to give the mission back.
import { announce, confirmDialog, fill, h } from "/static/common/js/dom.js";
import { api } from "../api.js";
import { submissionOf } from "../claims.js";
import { busy, errorLine, statusLine } from "../form.js";
import { dateTime, distance, t } from "../i18n.js";
import { locate } from "../position.js";
import { word } from "../words.js";

const CHECKED_IN = "fairfield.checkedIn"; // assignment ids checked in on this tab
const TICK_MS = 30_000;

function checkedIn() {
  return new Set(JSON.parse(window.sessionStorage.getItem(CHECKED_IN) || "[]"));
}

function remember(assignmentId) {
  const ids = checkedIn().add(assignmentId);
  window.sessionStorage.setItem(CHECKED_IN, JSON.stringify([...ids]));
}

/** What a check-in answer (or a refusal naming the distance) says, in words. */
export function checkInSentence(answer) {
  if (answer.inside_geofence) return t("assignment.inside", { distance: distance(answer.distance_m) });
  return t("assignment.outside", {
    distance: distance(answer.distance_m),
    fence: distance(answer.geofence_m),
    accuracy: distance(answer.accuracy_m),
  });
}

/** How long a claim still holds, to the minute ("1 h 5 min left"), from `now`. */
export function holdLeft(expiresAt, now = new Date()) {
  const minutes = Math.floor((new Date(expiresAt) - now) / 60000);
  if (minutes < 0) return t("assignment.timeUp");
  if (minutes < 60) return t("assignment.leftMinutes", { minutes });
  return t("assignment.leftHours", { hours: Math.floor(minutes / 60), minutes: minutes % 60 });
}

function taskLink(assignmentId) {
  return h("a.button.primary.wide", { href: `#/task/${encodeURIComponent(assignmentId)}` }, t("assignment.start"));
}

export default {
  path: "#/assignment/:id",
  title: () => t("assignment.title"),
  async render(main, { id, navigate }) {
    const error = errorLine();
    fill(main, h("h1", t("assignment.title")), h("p.muted", t("app.loading")), error);
    let assignment;
    try {
      assignment = await api(`/assignments/${encodeURIComponent(id)}`);
    } catch (problem) {
      fill(main, h("h1", t("assignment.title")), error);
      fill(error, problem.status === 404 ? t("assignment.gone") : problem.message);
      return;
    }
    const store = assignment.store;
    const heading = h("h1", store.name);
    if (assignment.status !== "active") {
      const made = assignment.status === "submitted" ? await submissionOf(id).catch(() => null) : null;
      fill(main, heading, h("p", t("assignment.notActive", { status: word("assignment.status", assignment.status) })),
        made ? h("p", h("a.button.primary.wide", { href: `#/submission/${encodeURIComponent(made.id)}` }, t("assignment.submission"))) : null,
        h("p", h("a", { href: "#/home" }, t("app.home"))));
      return;
    }
    const left = h("p.big", { role: "timer", "aria-live": "off" });
    const tick = () => { left.textContent = holdLeft(assignment.expires_at); };
    tick();
    const timer = window.setInterval(tick, TICK_MS);
    const said = statusLine();
    const next = h("div");
    const checkIn = h("button.primary.wide", { type: "button" }, t("assignment.checkIn"));
    const release = h("button.wide", { type: "button" }, t("assignment.release"));
    if (checkedIn().has(id)) fill(next, taskLink(id));

    checkIn.addEventListener("click", () =>
      busy(checkIn, t("assignment.checking"), error, async () => {
        fill(said);
        const here = await locate();
        const answer = await api(`/assignments/${encodeURIComponent(id)}/check-in`, {
          method: "POST",
          body: { latitude: here.latitude, longitude: here.longitude, accuracy_m: here.accuracy_m },
        });
        const sentence = checkInSentence(answer);
        fill(said, sentence);
        said.classList.toggle("bad", !answer.inside_geofence);
        if (answer.inside_geofence) {
          remember(id);
          fill(next, taskLink(id));
        }
        announce(sentence);
      }));
    release.addEventListener("click", async () => {
      const sure = await confirmDialog({
        title: t("assignment.releaseTitle"),
        text: t("assignment.releaseText"),
        confirm: t("assignment.release"),
        cancel: t("app.cancel"),
      });
      if (!sure) return;
      await busy(release, t("assignment.release"), error, async () => {
        await api(`/assignments/${encodeURIComponent(id)}/release`, { method: "POST" });
        announce(t("assignment.released"));
        navigate("#/find");
      });
    });

    fill(main,
      heading,
      store.address ? h("p", store.address) : null,
      left,
      h("p.muted", t("assignment.expiresAt", { time: dateTime(assignment.expires_at) })),
      h("p", h("a", { href: `#/mission/${encodeURIComponent(assignment.mission_id)}` }, t("assignment.task"))),
      error,
      said,
      h("div.actions", next, checkIn, release),
    );
    return () => window.clearInterval(timer);
  },
};
