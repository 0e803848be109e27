// The brand's campaigns (the campaign desk grows from here).
import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { t } from "../i18n.js";
import { pageStart, table } from "./common.js";

export default {
  path: "#/campaigns",
  title: t("campaigns.title"),
  roles: ["brand"],
  nav: t("nav.campaigns"),
  async render(main) {
    const page = pageStart(main, t("campaigns.heading"));
    const list = h("div");
    main.append(list);
    try {
      const answer = await api("/campaigns");
      fill(list, answer.items.length
        ? table(t("campaigns.heading"), [[t("campaigns.name"), (c) => c.name], [t("campaigns.status"), (c) => c.status]], answer.items)
        : h("p", t("campaigns.empty")));
    } catch (problem) {
      page.fail(problem);
    }
  },
};
