// The page an invitation's mail opens: /invite?token=T. It reads the invitation (organisation,
// address, role), takes the token out of the address bar (kept in memory only, so it is in no
// history entry and no later Referer), and lets the person join with their name and a
// password; the access token is then kept as the console's session keeps it and the console
// opens, signed in.
import { api, setToken } from "./api.js";
import { fill, h, uid } from "/static/common/js/dom.js";
import { problemFields, showErrors } from "./forms.js";
import { t } from "./i18n.js";
import { roleName } from "./roles.js";

const PASSWORD_MIN = 10;
const main = document.getElementById("main");
const token = new URLSearchParams(window.location.search).get("token");
window.history.replaceState(null, "", window.location.pathname);

function title(page) {
  document.title = t("app.title", { page });
}

function signInLink() {
  return h("p", h("a", { href: "/#/signin" }, t("invite.signIn")));
}

function invalid() {
  title(t("invite.invalid"));
  fill(main, h("h1", t("invite.invalid")), h("p", t("invite.invalidText")), signInLink());
  main.focus();
}

function field(name, label, attributes, hint = null) {
  const id = uid(`invite-${name}`);
  const hintId = hint ? `${id}-hint` : null;
  return h("div.field", { dataset: { field: name } },
    h("label", { for: id }, label),
    hint ? h("p.muted.small", { id: hintId }, hint) : null,
    h("p.field-error"),
    h("input", { id, name, "aria-describedby": hintId, ...attributes }));
}

function joinForm(invite) {
  const organisation = invite.organisation.name;
  const summary = h("div");
  const join = t("invite.join", { name: organisation });
  const button = h("button.primary", { type: "submit" }, join);
  const form = h("form.card.narrow", { id: "invite-form", novalidate: true },
    field("email", t("team.email"), { type: "email", autocomplete: "username", value: invite.email, readonly: true }),
    field("display_name", t("invite.name"), { type: "text", autocomplete: "name", required: true, maxlength: 100 }),
    field("password", t("invite.password"),
      { type: "password", autocomplete: "new-password", required: true, minlength: PASSWORD_MIN },
      t("invite.passwordHint")),
    button);
  const errors = (found, detail = null) =>
    showErrors(form, summary, { errors: found, detail });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { display_name: form.display_name.value.trim(), password: form.password.value };
    const found = {};
    if (!body.display_name) found.display_name = [t("invite.nameMissing")];
    if (body.password.length < PASSWORD_MIN) found.password = [t("invite.passwordShort")];
    errors(found);
    if (Object.keys(found).length) return;
    button.disabled = true;
    button.textContent = t("invite.joining");
    try {
      const answer = await api(`/invites/${encodeURIComponent(token)}/accept`, { method: "POST", body });
      setToken(answer.access_token);
      window.location.assign("/#/");
      return;
    } catch (problem) {
      if (problem.code === "invite_invalid") {
        invalid();
        return;
      }
      if (problem.code === "account_exists") {
        errors({}, t("invite.accountExists"));
        summary.firstChild.append(signInLink());
      } else {
        const fields = problemFields(problem.problem);
        errors(fields, Object.keys(fields).length ? null : problem.message);
      }
    }
    button.disabled = false;
    button.textContent = join;
  });

  title(t("invite.title"));
  fill(main,
    h("h1", t("invite.heading", { name: organisation })),
    summary,
    h("p", t("invite.intro", { role: roleName(invite.role).toLowerCase(), email: invite.email })),
    form);
  form.display_name.focus();
}

async function open() {
  if (!token) {
    invalid();
    return;
  }
  title(t("invite.title"));
  fill(main, h("h1", t("invite.headingPlain")), h("p.muted", { role: "status" }, t("invite.loading")));
  try {
    joinForm(await api(`/invites/${encodeURIComponent(token)}`));
  } catch (problem) {
    if (problem.status === 404) {
      invalid();
      return;
    }
    fill(main, h("h1", t("invite.headingPlain")), h("p.error", { role: "alert" }, problem.message), signInLink());
  }
}

open();
