// The organisation's webhooks (owners and managers): the subscriptions with their status in
// words, a form adding one (its signing secret shown once), "Delete" after a confirmation, and
// per subscription its delivery log at #/webhooks/<id> (webhook-log.js).
import { api } from "../api.js";
import { announce, confirmDialog, fill, h } from "/static/common/js/dom.js";
import { wide } from "../desk.js";
import { checkboxes, field, secretShown, showErrors } from "../forms.js";
import { dateTime, t } from "../i18n.js";
import { canManage } from "../roles.js";
import { pageStart, table } from "./common.js";
import { deliveryLog } from "./webhook-log.js";

// The contract's events (Additions, Webhooks).
export const EVENTS = ["submission.approved", "mission.reopened", "campaign.completed", "campaign.budget_low"];
const PREFIX = "hook";
// The error summary's heading, by the id it has always had.
const TITLE = `${PREFIX}-error-summary-title`;

export default {
  path: "#/webhooks",
  title: t("hooks.title"),
  roles: ["brand"],
  allows: canManage,
  nav: t("nav.webhooks"),
  async render(main, { rest }) {
    if (rest[0]) return deliveryLog(main, rest[0]);
    const page = pageStart(main, t("hooks.heading"));
    const list = h("div");
    const shown = h("div");
    main.append(h("p", t("hooks.intro")), shown, addForm(shown, () => refresh()),
      h("section", { "aria-labelledby": "hooks-list-heading" },
        h("h2", { id: "hooks-list-heading" }, t("hooks.list")), list));

    async function refresh() {
      try {
        const answer = await api("/webhooks");
        fill(list, answer.items.length ? hooksTable(answer.items, refresh, page) : h("p", t("hooks.empty")));
      } catch (problem) {
        page.fail(problem);
      }
    }
    await refresh();
    return undefined;
  },
};

/** "Active" or "Disabled" in words, with a sign beside them (colour is not the only signal). */
function status(hook) {
  if (!hook.disabled) return h("span.ok", `✓ ${t("hooks.active")}`);
  return h("span.bad", { title: t("hooks.disabledSince", { when: dateTime(hook.disabled_at) }) },
    `✕ ${t("hooks.disabled")}`);
}

function hooksTable(hooks, refresh, page) {
  return wide(table(t("hooks.caption", { count: hooks.length }), [
    [t("hooks.url"), (w) => w.url],
    [t("hooks.events"), (w) => w.events.join(", ")],
    [t("hooks.status"), status],
    [t("hooks.created"), (w) => dateTime(w.created_at)],
    [t("hooks.actions"), (w) => h("span.actions",
      h("a", { href: `#/webhooks/${encodeURIComponent(w.id)}` }, t("hooks.deliveries")), " ",
      h("button.danger", { type: "button", onclick: () => remove(w, refresh, page) },
        t("hooks.delete"), h("span.visually-hidden", ` ${w.url}`)))],
  ], hooks));
}

async function remove(hook, refresh, page) {
  const sure = await confirmDialog({
    title: t("hooks.deleteTitle", { url: hook.url }),
    text: t("hooks.deleteText"),
    confirm: t("hooks.deleteConfirm"),
    cancel: t("app.cancel"),
  });
  if (!sure) return;
  try {
    await api(`/webhooks/${encodeURIComponent(hook.id)}`, { method: "DELETE" });
    announce(t("hooks.deleted", { url: hook.url }));
  } catch (problem) {
    page.fail(problem);
  }
  await refresh();
}

/** "Add a webhook": URL and Events → POST /webhooks, the signing secret shown once in `shown`;
 * an unsafe URL (422 `unsafe_url`) is said at the URL field through the error summary. */
function addForm(shown, added) {
  const url = h("input", { type: "url", autocomplete: "off", inputmode: "url", spellcheck: "false" });
  const events = checkboxes(PREFIX, "events", t("hooks.events"), EVENTS, t("hooks.eventsHint"));
  const summary = h("div");
  const submit = h("button.primary", { type: "submit" }, t("hooks.submit"));
  const form = h("form.card", { novalidate: true, "aria-labelledby": "hooks-form-heading" },
    h("h2", { id: "hooks-form-heading" }, t("hooks.create")),
    summary,
    field(PREFIX, "url", t("hooks.url"), url, t("hooks.urlHint")),
    events.element,
    submit);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { url: url.value.trim(), events: events.chosen() };
    const errors = {};
    if (!body.url) errors.url = [t("forms.required")];
    if (!body.events.length) errors.events = [t("forms.chooseOne")];
    if (Object.keys(errors).length) {
      showErrors(form, summary, { errors, titleId: TITLE });
      return;
    }
    submit.disabled = true;
    try {
      const answer = await api("/webhooks", { method: "POST", body });
      showErrors(form, summary);
      form.reset();
      fill(shown, secretShown(`${PREFIX}-new`, t("hooks.secretHeading"), t("hooks.secret"), answer.secret, t("hooks.shownOnce")));
      announce(t("hooks.made"));
      shown.querySelector("input").focus();
      await added();
    } catch (error) {
      showErrors(form, summary, { error, titleId: TITLE });
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
