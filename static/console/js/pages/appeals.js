// Appeals: the rejection as it was, who decided, the worker's message; a different admin decides.
import { api, idempotencyKey } from "../api.js";
import { announce, fill, h, uid } from "/static/common/js/dom.js";
import { dateTime, t } from "../i18n.js";
import { pageStart } from "./common.js";
import { reviewChanged } from "./review.js";

const STATUSES = ["open", "approved", "rejected"];

/** Who rejected, in words: you, the admin by name, the deadline or the machine. */
export function decider(appeal, me) {
  const actor = appeal.rejection?.actor;
  const admin = appeal.rejection?.decided_by;
  if (actor === "admin" && (admin?.id ?? appeal.rejected_by) === me?.id) return t("appeals.you");
  if (actor === "admin") return admin?.display_name || t("appeals.admin");
  if (actor === "deadline") return t("appeals.deadlineActor");
  return t("appeals.machine");
}

/** How a decided appeal ended and who decided it ("Approved by Bea Admin at …"). */
export function outcome(appeal) {
  const time = dateTime(appeal.decided_at);
  const name = appeal.decided_by_admin?.display_name;
  if (!name) return t("appeals.byDeadline", { time });
  return t(appeal.status === "approved" ? "appeals.approvedBy" : "appeals.rejectedBy", { name, time });
}

function decisionControls(appeal, reasons, reload) {
  const reasonId = uid();
  const commentId = uid();
  const error = h("div.error", { role: "alert" });
  const reason = h("select", { id: reasonId },
    h("option", { value: "" }, t("review.chooseReason")),
    reasons.map((r) => h("option", { value: r.code }, r.title)));
  const comment = h("textarea", { id: commentId, rows: "2" });
  async function decide(decision) {
    const body = { decision };
    if (decision === "reject") body.reason_code = reason.value || null;
    if (comment.value.trim()) body.comment = comment.value.trim();
    try {
      await api(`/appeals/${appeal.id}/decision`, { method: "POST", body, headers: { "Idempotency-Key": idempotencyKey() } });
      announce(decision === "approve" ? t("appeals.granted") : t("appeals.denied"));
      reviewChanged();
      reload();
    } catch (problem) {
      fill(error, problem.message);
    }
  }
  return [
    h("div.buttons",
      h("button.primary", { type: "button", onclick: () => decide("approve") }, t("appeals.grant")),
      h("button.danger", { type: "button", onclick: () => decide("reject") }, t("appeals.deny"))),
    h("div.field", h("label", { for: reasonId }, t("review.reason")), reason),
    h("div.field", h("label", { for: commentId }, t("review.comment")), comment),
    error,
  ];
}

function appealCard(appeal, reasons, me, reload) {
  const rejection = appeal.rejection || {};
  const headingId = uid("appeal");
  return h("li.card", { "aria-labelledby": headingId },
    h("h2", { id: headingId }, t("appeals.item", { id: appeal.submission_id })),
    appeal.status === "open"
      ? h("p.muted", t("appeals.deadline", { time: dateTime(appeal.deadline_at) }))
      : h("p.outcome", outcome(appeal)),
    h("h3", t("appeals.rejection")),
    h("p", t("appeals.reasons", { reasons: (rejection.reasons || []).join(", ") || t("app.none") })),
    h("p", t("appeals.decidedBy", { actor: decider(appeal, me), time: dateTime(rejection.decided_at) })),
    rejection.comment ? h("p", t("appeals.comment", { comment: rejection.comment })) : null,
    h("h3", t("appeals.message")),
    h("blockquote", appeal.message),
    appeal.status === "open" ? decisionControls(appeal, reasons, reload) : null);
}

export default {
  path: "#/appeals",
  title: t("appeals.title"),
  roles: ["admin"],
  nav: t("nav.appeals"),
  count: (waiting) => waiting.appeals.open, // beside its link in the navigation
  async render(main, { user, query }) {
    const status = STATUSES.includes(query.get("status")) ? query.get("status") : "open";
    const page = pageStart(main, t("appeals.heading"));
    const list = h("ul.cards");
    main.append(
      h("nav.tabs", { "aria-label": t("appeals.statuses") }, STATUSES.map((s) =>
        h("a", { href: s === "open" ? "#/appeals" : `#/appeals?status=${s}`, "aria-current": s === status ? "page" : null }, t(`appeals.status.${s}`)))),
      list);
    async function load() {
      const [appeals, reasons] = await Promise.all([api("/appeals", { query: { status } }), api("/review/reasons")]);
      fill(list, appeals.items.length
        ? appeals.items.map((a) => appealCard(a, reasons.items, user, () => load().catch(page.fail)))
        : h("li", t(`appeals.empty.${status}`)));
    }
    await load().catch(page.fail);
  },
};
