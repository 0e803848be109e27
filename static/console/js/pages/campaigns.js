// The brand's campaigns, newest first: status, missions done, spend; "New campaign" opens the
// builder, a name opens the campaign's page.
import { api } from "../api.js";
import { fill, h } from "/static/common/js/dom.js";
import { dateTime, money, number, t } from "../i18n.js";
import { wide } from "../desk.js";
import { pageStart, table } from "./common.js";

const DONE = ["completed", "store_closed"];

function done(campaign) {
  const missions = Object.values(campaign.missions || {}).reduce((a, b) => a + b, 0);
  const finished = DONE.reduce((sum, status) => sum + (campaign.missions?.[status] || 0), 0);
  return t("campaigns.progress", { done: number(finished), total: number(missions) });
}

export default {
  path: "#/campaigns",
  title: t("campaigns.title"),
  roles: ["brand"],
  nav: t("nav.campaigns"),
  async render(main, { navigate }) {
    const page = pageStart(main, t("campaigns.heading"));
    const list = h("div", h("p.muted", t("app.loading")));
    main.append(
      h("div.toolbar", h("button.primary", { type: "button", onclick: () => navigate("#/builder") }, t("campaigns.new"))),
      list);
    try {
      const campaigns = [];
      let cursor = null;
      do {
        const answer = await api("/campaigns", { query: { limit: 200, cursor } });
        campaigns.push(...answer.items);
        cursor = answer.next_cursor;
      } while (cursor);
      fill(list, campaigns.length
        ? wide(table(t("campaigns.heading"), [
          [t("campaigns.name"), (c) => h("a", { href: `#/campaign/${encodeURIComponent(c.id)}` }, c.name)],
          [t("campaigns.status"), (c) => t(`campaigns.state.${c.status}`)],
          [t("campaigns.missions"), done],
          [t("campaigns.reward"), (c) => money(c.reward)],
          [t("campaigns.spent"), (c) => t("campaigns.spentOf", { spent: money(c.spend.spent), funded: money(c.spend.funded) })],
          [t("campaigns.window"), (c) => t("campaigns.windowText", { from: dateTime(c.starts_at), to: dateTime(c.ends_at) })],
        ], campaigns))
        : h("p", t("campaigns.empty")));
    } catch (problem) {
      page.fail(problem);
    }
  },
};
