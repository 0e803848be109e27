// Sign in with email and password; a brand or admin account is sent to the console.
import { fill, h } from "/static/common/js/dom.js";
import { busy, errorLine, field } from "../form.js";
import { t } from "../i18n.js";
import { forget, signIn } from "../session.js";

export default {
  path: "#/signin",
  public: true,
  title: () => t("signin.title"),
  render(main, { navigate }) {
    const email = field(t("signin.email"), { type: "email", name: "email", autocomplete: "username", required: true, inputmode: "email" });
    const password = field(t("signin.password"), { type: "password", name: "password", autocomplete: "current-password", required: true });
    const error = errorLine();
    const submit = h("button.primary.wide", { type: "submit" }, t("signin.submit"));
    const form = h("form.stack", { novalidate: true }, email.element, password.element, error, submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      busy(submit, t("signin.busy"), error, async () => {
        const profile = await signIn(email.control.value.trim(), password.control.value);
        if (profile.role !== "worker") {
          forget();
          throw new Error(t("signin.notWorker"));
        }
        navigate("#/home");
      });
    });
    fill(main,
      h("h1", t("signin.title")),
      h("p.muted", t("signin.intro")),
      form,
      h("p", h("a", { href: "#/forgot" }, t("signin.forgot"))),
      h("p", h("a", { href: "#/signup" }, t("signin.new"))),
    );
  },
};
