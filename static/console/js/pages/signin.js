import { fill, h, uid } from "/static/common/js/dom.js";
import { t } from "../i18n.js";
import { forget, signIn } from "../session.js";

export default {
  path: "#/signin",
  title: t("signin.title"),
  roles: [],
  render(main, { navigate }) {
    const emailId = uid();
    const passwordId = uid();
    const error = h("div.error", { role: "alert", id: uid("error") });
    const button = h("button.primary", { type: "submit" }, t("signin.submit"));
    const form = h("form.card.narrow", { novalidate: true },
      h("div.field", h("label", { for: emailId }, t("signin.email")),
        h("input", { id: emailId, name: "email", type: "email", autocomplete: "username", required: true })),
      h("div.field", h("label", { for: passwordId }, t("signin.password")),
        h("input", { id: passwordId, name: "password", type: "password", autocomplete: "current-password", required: true })),
      error,
      button,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      fill(error);
      button.disabled = true;
      button.textContent = t("signin.busy");
      try {
        const profile = await signIn(form.email.value.trim(), form.password.value);
        if (profile.role === "worker") {
          forget();
          fill(error, t("signin.workers"));
          return;
        }
        navigate("#/");
      } catch (problem) {
        fill(error, problem.message);
        form.email.focus();
      } finally {
        button.disabled = false;
        button.textContent = t("signin.submit");
      }
    });
    fill(main, h("h1", t("signin.heading")), h("p.muted", t("signin.intro")), form,
      h("p", h("a", { href: "#/status" }, t("nav.status"))));
    form.email.focus();
  },
};
