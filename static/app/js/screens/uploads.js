// The work queued on this phone: each submission's state in words, each photo's progress, and
// for what did not go up the reason, with "Try again" and "Delete from this phone".
import { confirmDialog, fill, h } from "/static/common/js/dom.js";
import { dateTime, percent, t } from "../i18n.js";
import { discard, retry, subscribe } from "../queue.js";
import "../../strings/task.js";
import "../../strings/questions.js";

function reasonLine(item) {
  if (!item.reason) return null;
  const key = `uploads.reason.${item.reason.code}`;
  const known = ["offline", "network", "server", "signed_out"].includes(item.reason.code);
  return h("p.reason", known ? t(key) : item.reason.message || item.reason.code);
}

/** Whether the server refused some answers (422 naming answers.<question>): the task's form
 * opens again to correct them. */
export function refusedAnswers(item) {
  const errors = item?.state === "failed" ? item.reason?.errors : null;
  return Boolean(errors) && Object.keys(errors).some((field) => field.startsWith("answers."));
}

/** One queued submission: its state, the reason, and a progress bar per photo. */
export function queueItem(item, { heading = "h3" } = {}) {
  const title = item.outcome === "store_closed" ? "uploads.closedItem" : "uploads.item";
  const photos = item.photos.map((photo, index) => {
    const share = photo.size ? Math.min(1, photo.sent / photo.size) : 0;
    const label = t("uploads.photo", { n: index + 1, percent: percent(share) });
    return h("li",
      h("span", label),
      h("progress", { max: photo.size || 1, value: photo.sent, "aria-label": label }),
    );
  });
  const actions = [];
  if (item.state === "failed" || item.state === "waiting") {
    actions.push(h("button.small", { type: "button", onclick: () => retry(item.id) }, t("uploads.retry")));
  }
  if (item.state === "failed") {
    actions.push(h("button.small.danger", { type: "button", onclick: () => confirmDiscard(item.id) }, t("uploads.discard")));
  }
  return h("article.upload", { dataset: { state: item.state } },
    h(heading, t(title, { date: dateTime(item.createdAt) })),
    h("p.state", t(`uploads.state.${item.state}`)),
    reasonLine(item),
    h("ol.progress", photos),
    refusedAnswers(item)
      ? h("p", h("a", { href: `#/task/${encodeURIComponent(item.assignmentId)}` }, t("uploads.correct")))
      : null,
    item.state === "done" && item.submissionId
      ? h("p", h("a", { href: `#/submission/${encodeURIComponent(item.submissionId)}` }, t("uploads.follow")))
      : null,
    actions.length ? h("div.actions", actions) : null,
  );
}

async function confirmDiscard(id) {
  const sure = await confirmDialog({
    title: t("uploads.discardTitle"),
    text: t("uploads.discardText"),
    confirm: t("uploads.discard"),
    cancel: t("app.cancel"),
  });
  if (sure) await discard(id);
}

export default {
  path: "#/uploads",
  title: () => t("uploads.title"),
  render(main) {
    const list = h("div");
    fill(main, h("h1", t("uploads.title")), list);
    return subscribe((items) => {
      const newest = [...items].reverse();
      fill(list, newest.length
        ? h("ul.uploads", { "aria-label": t("uploads.list") }, newest.map((item) => h("li", queueItem(item, { heading: "h2" }))))
        : h("p", t("uploads.empty")));
    });
  },
};
