// The organisation's API keys (owners and managers): the keys in use, a form making one (its
// text shown once, with "Copy"), and "Revoke" per key after a confirmation.
import { api } from "../api.js";
import { announce, confirmDialog, fill, h } from "/static/common/js/dom.js";
import { wide } from "../desk.js";
import { checkboxes, field, secretShown, showErrors } from "../forms.js";
import { dateTime, t } from "../i18n.js";
import { canManage } from "../roles.js";
import { pageStart, table } from "./common.js";

// The contract's scopes, in its order (Additions, API keys).
export const SCOPES = ["stores:read", "stores:write", "campaigns:read", "campaigns:write", "results:read", "webhooks:write"];
const PREFIX = "key";
// The error summary's heading, by the id it has always had.
const TITLE = `${PREFIX}-error-summary-title`;

export default {
  path: "#/api-keys",
  title: t("keys.title"),
  roles: ["brand"],
  allows: canManage,
  nav: t("nav.apiKeys"),
  async render(main) {
    const page = pageStart(main, t("keys.heading"));
    const list = h("div");
    const shown = h("div");
    main.append(h("p", t("keys.intro")), shown, makeForm(shown, () => refresh()),
      h("section", { "aria-labelledby": "keys-list-heading" },
        h("h2", { id: "keys-list-heading" }, t("keys.list")), list));

    async function refresh() {
      try {
        const answer = await api("/api-keys");
        fill(list, answer.items.length ? keysTable(answer.items, refresh, page) : h("p", t("keys.empty")));
      } catch (problem) {
        page.fail(problem);
      }
    }
    await refresh();
  },
};

function keysTable(keys, refresh, page) {
  return wide(table(t("keys.caption", { count: keys.length }), [
    [t("keys.name"), (k) => k.name],
    [t("keys.prefix"), (k) => h("code", k.prefix)],
    [t("keys.scopes"), (k) => k.scopes.join(", ")],
    [t("keys.lastUsed"), (k) => (k.last_used_at ? dateTime(k.last_used_at) : t("forms.never"))],
    [t("keys.expires"), (k) => (k.expires_at ? dateTime(k.expires_at) : t("forms.never"))],
    [t("keys.created"), (k) => dateTime(k.created_at)],
    [t("keys.actions"), (k) => h("button.danger", { type: "button", onclick: () => revoke(k, refresh, page) },
      t("keys.revoke"), h("span.visually-hidden", ` ${k.name}`))],
  ], keys));
}

async function revoke(key, refresh, page) {
  const sure = await confirmDialog({
    title: t("keys.revokeTitle", { name: key.name }),
    text: t("keys.revokeText"),
    confirm: t("keys.revokeConfirm"),
    cancel: t("app.cancel"),
  });
  if (!sure) return;
  try {
    await api(`/api-keys/${encodeURIComponent(key.id)}`, { method: "DELETE" });
    announce(t("keys.revoked", { name: key.name }));
  } catch (problem) {
    page.fail(problem);
  }
  await refresh();
}

/** A date input's "2027-01-31" → the end of that day where the reader is, with its offset. */
function endOfDay(value) {
  return value ? new Date(`${value}T23:59:59`).toISOString() : null;
}

/** "Make a key": Name, Scopes, Expires → POST /api-keys, the key shown once in `shown`. */
function makeForm(shown, made) {
  const name = h("input", { type: "text", autocomplete: "off", maxlength: 100 });
  const expires = h("input", { type: "date" });
  const scopes = checkboxes(PREFIX, "scopes", t("keys.scopes"), SCOPES, t("keys.scopesHint"));
  const summary = h("div");
  const submit = h("button.primary", { type: "submit" }, t("keys.submit"));
  const form = h("form.card", { novalidate: true, "aria-labelledby": "keys-form-heading" },
    h("h2", { id: "keys-form-heading" }, t("keys.create")),
    summary,
    field(PREFIX, "name", t("keys.name"), name, t("keys.nameHint")),
    scopes.element,
    field(PREFIX, "expires_at", t("keys.expires"), expires, t("keys.expiresHint")),
    submit);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { name: name.value.trim(), scopes: scopes.chosen(), expires_at: endOfDay(expires.value) };
    const errors = {};
    if (!body.name) errors.name = [t("forms.required")];
    if (!body.scopes.length) errors.scopes = [t("forms.chooseOne")];
    if (Object.keys(errors).length) {
      showErrors(form, summary, { errors, titleId: TITLE });
      return;
    }
    submit.disabled = true;
    try {
      const answer = await api("/api-keys", { method: "POST", body });
      showErrors(form, summary);
      form.reset();
      fill(shown, secretShown(`${PREFIX}-new`, t("keys.newKey"), t("keys.key"), answer.key, t("keys.shownOnce")));
      announce(t("keys.made", { name: answer.name }));
      shown.querySelector("input").focus();
      await made();
    } catch (error) {
      showErrors(form, summary, { error, titleId: TITLE });
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
