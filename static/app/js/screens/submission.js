// A submission: where it stands, every check with its evidence in words, the decision and its
// reasons; after a rejection, "Appeal" with a message.
import { announce, fill, h } from "/static/common/js/dom.js";
import { checkSentence, orderedChecks } from "/static/common/js/evidence.js";
import { api } from "../api.js";
import { busy, errorLine, field, statusLine } from "../form.js";
import { dateTime, money, t } from "../i18n.js";
import { word } from "../words.js";

// Still being checked: the screen reads the submission again until it is decided, so the
// worker who opens it straight after sending sees the decision arrive.
const UNDECIDED = new Set(["uploading", "received", "validating"]);
const POLL_MS = 3000;

/** A reason code in words (an unknown one as its code, spaced). */
export function reasonText(code) {
  return word("reason", code);
}

function checksList(checks) {
  if (!checks?.length) return h("p", t("submission.noChecks"));
  return h("ul.checks", orderedChecks(checks).map((check) =>
    h(`li${check.passed ? "" : ".failed"}`,
      h("strong", `${check.passed ? "✓" : "✗"} ${check.passed ? t("submission.passed") : t("submission.failed")}: `),
      checkSentence(check))));
}

function decisionPart(decision) {
  if (!decision) return null;
  return h("section",
    h("h2", t("submission.decision")),
    h("p", h("strong", word("submission.status", decision.status)), " · ", t("submission.decidedAt", { time: dateTime(decision.decided_at) })),
    decision.reasons?.length ? h("ul", decision.reasons.map((code) => h("li", t("submission.reason", { reason: reasonText(code) })))) : null,
    decision.comment ? h("p", t("submission.comment", { comment: decision.comment })) : null,
  );
}

function appealForm(id, redraw) {
  const message = field(t("submission.message"), { tag: "textarea", name: "message", required: true, maxlength: 2000 }, t("submission.messageHint"));
  const error = errorLine();
  const submit = h("button.primary.wide", { type: "submit" }, t("submission.appeal"));
  const form = h("form.stack", { novalidate: true }, message.element, error, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, t("submission.appeal"), error, async () => {
      await api(`/submissions/${encodeURIComponent(id)}/appeal`, { method: "POST", body: { message: message.control.value.trim() } });
      announce(t("submission.appealed"));
      await redraw(t("submission.appealed"));
    });
  });
  return h("section", h("h2", t("submission.appealHeading")), form);
}

export default {
  path: "#/submission/:id",
  title: () => t("submission.title"),
  async render(main, { id }) {
    const error = errorLine();
    let timer = null;
    let left = false;
    const draw = async (note = "") => {
      let submission;
      try {
        submission = await api(`/submissions/${encodeURIComponent(id)}`);
      } catch (problem) {
        fill(main, h("h1", t("submission.title")), error);
        fill(error, problem.message);
        return;
      }
      const said = statusLine();
      fill(said, note);
      fill(main,
        h("h1", t("submission.title")),
        h("p.big", word("submission.status", submission.status)),
        h("p.muted", word("submission.outcome", submission.outcome), " · ", dateTime(submission.received_at)),
        submission.payout ? h("p", t("submission.payout", { money: money(submission.payout.amount) })) : null,
        said,
        decisionPart(submission.decision),
        submission.status === "rejected" ? appealForm(id, draw) : null,
        h("h2", t("submission.checks")),
        checksList(submission.checks),
      );
      if (UNDECIDED.has(submission.status) && !left) timer = window.setTimeout(() => draw(note), POLL_MS);
    };
    fill(main, h("h1", t("submission.title")), h("p.muted", t("app.loading")));
    await draw();
    return () => {
      left = true;
      window.clearTimeout(timer);
    };
  },
};
