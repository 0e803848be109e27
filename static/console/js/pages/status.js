import { fill, h } from "/static/common/js/dom.js";
import { t } from "../i18n.js";

// Shows a value in words *and* colour, so state never relies on colour alone.
function show(element, value) {
  element.textContent = value;
  element.className = value === "ok" ? "ok" : "bad";
}

async function getJSON(path) {
  // /readyz answers 503 with a JSON body when something is down: read it either way.
  const response = await fetch(path, { headers: { Accept: "application/json" }, cache: "no-store" });
  return response.json();
}

export default {
  path: "#/status",
  title: t("status.title"),
  roles: [],
  nav: t("nav.status"),
  async render(main) {
    const api = h("dd", { id: "api-status" }, t("status.checking"));
    const database = h("dd", { id: "database-status" }, t("status.checking"));
    const broker = h("dd", { id: "broker-status" }, t("status.checking"));
    const list = h("dl.status", { id: "status", "aria-live": "polite", "aria-busy": "true" },
      h("dt", t("status.api")), api, h("dt", t("status.database")), database,
      h("dt", t("status.broker")), broker);
    fill(main,
      h("p", h("a", { href: "#/" }, `← ${t("app.back")}`)),
      h("h1", t("status.heading")), h("p.muted", t("status.intro")), list,
      h("h2", t("status.developers")),
      h("ul",
        h("li", h("a", { href: "/docs" }, t("app.docs"))),
        h("li", h("a", { href: "/openapi.json" }, t("status.openapi")), " (", h("code", "/openapi.json"), ")"),
        h("li", h("a", { href: "/healthz" }, t("status.liveness")), " (", h("code", "/healthz"), ")"),
        h("li", h("a", { href: "/readyz" }, t("status.readiness")), " (", h("code", "/readyz"), ")"),
      ),
    );
    const checks = [
      getJSON("/healthz").then(
        (body) => show(api, body?.status || t("status.unknown")),
        () => show(api, t("status.unreachable")),
      ),
      getJSON("/readyz").then(
        (body) => {
          show(database, body?.checks?.database || t("status.unknown"));
          show(broker, body?.checks?.broker || t("status.unknown"));
        },
        () => { show(database, t("status.unknown")); show(broker, t("status.unknown")); },
      ),
    ];
    await Promise.all(checks);
    list.setAttribute("aria-busy", "false");
  },
};
