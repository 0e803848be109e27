// The brand's stores (import and map come with the campaign desk).
import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { t } from "../i18n.js";
import { pageStart, table } from "./common.js";

export default {
  path: "#/stores",
  title: t("stores.title"),
  roles: ["brand"],
  nav: t("nav.stores"),
  async render(main) {
    const page = pageStart(main, t("stores.heading"));
    const list = h("div");
    main.append(list);
    try {
      const answer = await api("/stores");
      fill(list, answer.items.length
        ? table(t("stores.heading"), [[t("stores.name"), (s) => s.name], [t("stores.address"), (s) => s.address]], answer.items)
        : h("p", t("stores.empty")));
    } catch (problem) {
      page.fail(problem);
    }
  },
};
