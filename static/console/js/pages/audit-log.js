// The organisation's audit log (owners only): who did what, when, newest first, in words; one
// action at a time if the owner filters; "Load more" follows the API's cursor.
import { api } from "../api.js";
import { announce, fill, h, uid } from "/static/common/js/dom.js";
import { wide } from "../desk.js";
import { dateTime, money, t } from "../i18n.js";
import { pageStart, table } from "./common.js";
import { isOwner, roleName } from "../roles.js";

// The actions the API records (GET /organisation/audit-log?action=), in the filter's order.
export const ACTIONS = [
  "member.invited", "member.joined", "member.removed", "member.role_changed",
  "campaign.created", "campaign.updated", "campaign.published", "campaign.cancelled",
  "results.exported", "api_key.created", "api_key.revoked", "webhook.created", "webhook.deleted",
  "balance.topped_up",
];
const PAGE = 50;

export default {
  path: "#/audit-log",
  title: t("auditLog.title"),
  roles: ["brand"],
  allows: isOwner,
  nav: t("nav.auditLog"),
  async render(main) {
    const page = pageStart(main, t("auditLog.heading"));
    const filterId = uid("audit-action");
    const filter = h("select", { id: filterId, name: "action" },
      h("option", { value: "" }, t("auditLog.all")),
      ACTIONS.map((action) => h("option", { value: action }, t(`auditLog.action.${action}`))));
    const box = h("div", h("p.muted", t("app.loading")));
    main.append(h("p.muted", t("auditLog.intro")),
      h("div.field.narrow", h("label", { for: filterId }, t("auditLog.filter")), filter), box);

    let people = new Map();
    let campaigns = new Map();
    let ticket = 0;
    async function show(cursor, shown) {
      const mine = ++ticket;
      try {
        const answer = await api("/organisation/audit-log", { query: { limit: PAGE, cursor, action: filter.value } });
        if (mine !== ticket) return; // the filter changed meanwhile
        const entries = [...shown, ...answer.items];
        const more = answer.next_cursor
          ? h("button", { type: "button", onclick: () => show(answer.next_cursor, entries) }, t("auditLog.more"))
          : null;
        fill(box, entries.length ? logTable(entries, { people, campaigns }) : h("p", t("auditLog.empty")), more);
        if (cursor) announce(t("auditLog.caption", { count: entries.length }));
      } catch (problem) {
        page.fail(problem);
      }
    }
    filter.addEventListener("change", () => show(null, []));
    try {
      const [organisation, named] = await Promise.all([api("/organisation"), campaignNames()]);
      people = new Map(organisation.members.map((m) => [m.user_id, m]));
      campaigns = named;
    } catch (problem) {
      page.fail(problem);
      return;
    }
    await show(null, []);
  },
};

/** The brand's campaigns' names by id (an audit line names a campaign by its id). */
async function campaignNames() {
  const names = new Map();
  let cursor = null;
  do {
    const answer = await api("/campaigns", { query: { limit: 200, cursor } });
    for (const campaign of answer.items) names.set(campaign.id, campaign.name);
    cursor = answer.next_cursor;
  } while (cursor);
  return names;
}

function logTable(entries, { people: members, campaigns }) {
  // A removed member is named by the line that removed them (newer, so loaded before
  // their own acts).
  const people = new Map(members);
  for (const entry of entries) {
    if (entry.action === "member.removed" && entry.detail?.email && !people.has(entry.target_id)) {
      people.set(entry.target_id, { email: entry.detail.email, former: true });
    }
  }
  return wide(table(t("auditLog.caption", { count: entries.length }), [
    [t("auditLog.when"), (e) => h("time", { datetime: e.at }, dateTime(e.at))],
    [t("auditLog.who"), (e) => who(e.actor_id, people)],
    [t("auditLog.action"), (e) => t(`auditLog.action.${e.action}`)],
    [t("auditLog.what"), (e) => what(e, people, campaigns)],
  ], entries));
}

function who(userId, people) {
  if (!userId) return t("auditLog.nobody");
  const member = people.get(userId);
  if (!member) return t("auditLog.someone");
  if (member.former) return t("auditLog.former", { email: member.email });
  return member.display_name ? `${member.display_name} (${member.email})` : member.email;
}

function person(userId, people) {
  const member = people.get(userId);
  return member ? member.email : t("auditLog.someone");
}

/** What the act was done to, in words, from the line's detail. */
function what(entry, people, campaigns) {
  const detail = entry.detail || {};
  const role = (value) => (value ? roleName(value).toLowerCase() : "");
  switch (entry.action) {
    case "member.invited":
      return t("auditLog.what.invited", { email: detail.email, role: role(detail.role) });
    case "member.joined":
      return t("auditLog.what.joined", { who: person(entry.target_id, people), role: role(detail.role) });
    case "member.removed":
      return t("auditLog.what.removed", { email: detail.email, role: role(detail.role) });
    case "member.role_changed":
      return t("auditLog.what.roleChanged", { who: person(entry.target_id, people), from: role(detail.from), to: role(detail.to) });
    case "campaign.created":
    case "campaign.updated":
    case "campaign.published":
    case "campaign.cancelled":
      return campaignLink(entry, campaigns.get(entry.target_id) || detail.name);
    case "results.exported":
      return h("a", { href: `#/campaign/${encodeURIComponent(entry.target_id)}` },
        t("auditLog.what.exported", { format: String(detail.format || "").toUpperCase() }));
    case "api_key.created":
    case "api_key.revoked":
      return t("auditLog.what.key", { name: detail.name, prefix: detail.prefix });
    case "webhook.created":
      return t("auditLog.what.webhook", { url: detail.url });
    case "balance.topped_up":
      return detail.amount ? t("auditLog.what.toppedUp", { amount: money(detail.amount) }) : "";
    default:
      return t("auditLog.what.unknown", { type: entry.target_type, id: entry.target_id });
  }
}

function campaignLink(entry, name) {
  const detail = entry.detail || {};
  const campaign = name ? t("auditLog.what.campaign", { name }) : t("auditLog.what.aCampaign");
  const fields = Array.isArray(detail.fields) && detail.fields.length ? detail.fields.join(", ") : null;
  const text = fields ? t("auditLog.what.campaignFields", { campaign, fields }) : campaign;
  return h("a", { href: `#/campaign/${encodeURIComponent(entry.target_id)}` }, text);
}
