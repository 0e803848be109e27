// The audit sample: machine approvals for a second look, and how often people agree.
import { api } from "../api.js";
import { announce, fill, h, uid } from "/static/common/js/dom.js";
import { checkSentence } from "/static/common/js/evidence.js";
import { number, percent, t } from "../i18n.js";

function rateTable(caption, label, rows, name) {
  if (!rows.length) return null;
  return h("table",
    h("caption", caption),
    h("thead", h("tr", [label, t("audit.reviewed"), t("audit.agreed"), t("audit.rate")].map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", rows.map((row) => h("tr",
      h("th", { scope: "row" }, name(row)),
      h("td.num", number(row.reviewed)),
      h("td.num", number(row.agreed)),
      h("td.num", h("meter", { min: "0", max: "1", value: String(row.rate ?? 0), "aria-hidden": "true" }), " ", row.rate == null ? "–" : percent(row.rate))))));
}

function auditItem(item, reasons, onDone) {
  const reasonId = uid();
  const commentId = uid();
  const error = h("div.error", { role: "alert" });
  const reason = h("select", { id: reasonId },
    h("option", { value: "" }, t("review.chooseReason")),
    reasons.map((r) => h("option", { value: r.code }, r.title)));
  const comment = h("input", { id: commentId, type: "text" });
  async function send(agree) {
    const body = { agree };
    if (!agree && reason.value) body.reason_code = reason.value;
    if (comment.value.trim()) body.comment = comment.value.trim();
    try {
      await api(`/review/audits/${item.id}`, { method: "POST", body });
      announce(t("audit.saved"));
      onDone();
    } catch (problem) {
      fill(error, problem.message);
    }
  }
  const failed = (item.checks || []).filter((c) => !c.passed);
  const photo = item.photos?.[0];
  return h("li.card",
    h("h3", `${item.store.name} · ${item.campaign.name}`),
    photo ? h("img.audit-photo", { src: photo.thumbnail_url || photo.review_url || photo.url, alt: t("review.photoAlt", { index: 1, total: item.photos.length, store: item.store.name }) }) : null,
    failed.length ? h("ul", failed.map((c) => h("li", checkSentence(c)))) : null,
    h("div.buttons",
      h("button.primary", { type: "button", onclick: () => send(true) }, t("audit.agree")),
      h("button.danger", { type: "button", onclick: () => send(false) }, t("audit.disagree"))),
    h("div.field", h("label", { for: reasonId }, t("review.reason")), reason),
    h("div.field", h("label", { for: commentId }, t("review.comment")), comment),
    error);
}

/** The audit tab inside the review page. */
export async function renderAudits(main) {
  const list = h("ul.cards", { "aria-label": t("audit.heading") });
  const figures = h("section", { "aria-labelledby": "agreement-heading" });
  main.append(h("h2", t("audit.heading")), h("p.muted", t("audit.intro")), list, figures);
  async function load() {
    const [audits, reasons, agreement] = await Promise.all([
      api("/review/audits"), api("/review/reasons"), api("/review/agreement"),
    ]);
    fill(list, audits.items.length
      ? audits.items.map((item) => auditItem(item, reasons.items, () => load().catch(show)))
      : h("li", t("audit.empty")));
    const overall = agreement.overall;
    fill(figures,
      h("h2", { id: "agreement-heading" }, t("audit.agreement")),
      overall.reviewed
        ? h("p", t("audit.overall", { rate: percent(overall.rate ?? 0), reviewed: number(overall.reviewed) }))
        : h("p", t("audit.noData")),
      rateTable(t("audit.byCheck"), t("audit.check"), agreement.by_check, (row) => row.check.replaceAll("_", " ")),
      rateTable(t("audit.byCampaign"), t("audit.campaign"), agreement.by_campaign, (row) => row.name));
  }
  const show = (error) => main.append(h("p.error", { role: "alert" }, error.message));
  await load().catch(show);
}
