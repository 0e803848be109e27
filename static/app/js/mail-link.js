// The pages the account mails link to: /reset-password?token=T (choose a new password) and
// /verify-email?token=T (confirm the address). The token is read from the address, then
// removed from it (history), so it stays out of the history and of any later Referer.
import { fill, h } from "/static/common/js/dom.js";
import { api } from "./api.js";
import { busy, errorLine, field, statusLine } from "./form.js";
import { language, t } from "./i18n.js";

const main = document.getElementById("main");
const token = new URLSearchParams(window.location.search).get("token");
window.history.replaceState(null, "", window.location.pathname);
document.documentElement.lang = language();

// Workers go on in the app; a brand's people sign in to the console.
const openApp = () => [
  h("p", h("a.button.primary.wide", { href: "/app/" }, t("reset.open"))),
  h("p", h("a", { href: "/#/signin" }, t("reset.console"))),
];

function resetPassword() {
  document.title = t("app.title", { page: t("reset.title") });
  const password = field(t("reset.password"),
    { type: "password", name: "password", autocomplete: "new-password", required: true, minlength: 10 },
    t("signup.passwordHint"));
  const error = errorLine();
  const submit = h("button.primary.wide", { type: "submit" }, t("reset.submit"));
  const form = h("form.stack", { novalidate: true }, password.element, error, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, t("reset.submit"), error, async () => {
      await api("/auth/password-reset/confirm", { method: "POST", body: { token, password: password.control.value } });
      fill(main, h("h1", t("reset.title")), h("p.message", { role: "status" }, t("reset.done")), openApp());
    });
  });
  fill(main, h("h1", t("reset.title")), form);
}

async function verifyEmail() {
  document.title = t("app.title", { page: t("verify.title") });
  const said = statusLine();
  const error = errorLine();
  fill(main, h("h1", t("verify.title")), h("p", t("verify.busy")), said, error);
  try {
    await api("/auth/verify-email", { method: "POST", body: { token } });
    fill(main, h("h1", t("verify.title")), h("p.message", { role: "status" }, t("verify.done")), openApp());
  } catch (problem) {
    fill(main, h("h1", t("verify.title")), error, openApp());
    fill(error, problem.message);
  }
}

if (!token) {
  fill(main, h("h1", t(document.body.dataset.page === "verify-email" ? "verify.title" : "reset.title")),
    h("p.error", { role: "alert" }, t("reset.noToken")), openApp());
} else if (document.body.dataset.page === "verify-email") {
  verifyEmail();
} else {
  resetPassword();
}
