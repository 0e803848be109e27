// Create a worker account, then sign in with it and go looking for missions.
import { announce, fill, h } from "/static/common/js/dom.js";
import { api } from "../api.js";
import { busy, errorLine, field } from "../form.js";
import { t } from "../i18n.js";
import { signIn } from "../session.js";

export default {
  path: "#/signup",
  public: true,
  title: () => t("signup.title"),
  render(main, { navigate }) {
    const name = field(t("signup.name"), { name: "display_name", autocomplete: "name", required: true });
    const email = field(t("signup.email"), { type: "email", name: "email", autocomplete: "email", required: true, inputmode: "email" });
    const password = field(t("signup.password"),
      { type: "password", name: "password", autocomplete: "new-password", required: true, minlength: 10 },
      t("signup.passwordHint"));
    const error = errorLine();
    const submit = h("button.primary.wide", { type: "submit" }, t("signup.submit"));
    const form = h("form.stack", { novalidate: true }, name.element, email.element, password.element, error, submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      busy(submit, t("signup.busy"), error, async () => {
        const address = email.control.value.trim();
        await api("/auth/register", {
          method: "POST",
          body: {
            email: address,
            password: password.control.value,
            role: "worker",
            display_name: name.control.value.trim(),
          },
        });
        await signIn(address, password.control.value);
        announce(t("signup.done", { email: address }));
        navigate("#/find");
      });
    });
    fill(main, h("h1", t("signup.title")), form, h("p", h("a", { href: "#/signin" }, t("signup.have"))));
  },
};
