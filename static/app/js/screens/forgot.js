// Ask for a password reset link by email; the answer is the same whether the account exists.
import { fill, h } from "/static/common/js/dom.js";
import { api } from "../api.js";
import { busy, errorLine, field, statusLine } from "../form.js";
import { t } from "../i18n.js";

export default {
  path: "#/forgot",
  public: true,
  title: () => t("forgot.title"),
  render(main) {
    const email = field(t("forgot.email"), { type: "email", name: "email", autocomplete: "email", required: true, inputmode: "email" });
    const error = errorLine();
    const done = statusLine();
    const submit = h("button.primary.wide", { type: "submit" }, t("forgot.submit"));
    const form = h("form.stack", { novalidate: true }, email.element, error, done, submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      fill(done);
      busy(submit, t("forgot.submit"), error, async () => {
        const address = email.control.value.trim();
        await api("/auth/password-reset", { method: "POST", body: { email: address } });
        fill(done, t("forgot.sent", { email: address }));
      });
    });
    fill(main, h("h1", t("forgot.title")), h("p", t("forgot.intro")), form,
      h("p", h("a", { href: "#/signin" }, t("forgot.back"))));
  },
};
