// Small forms of the console's settings pages (API keys, webhooks): labelled fields, groups of
// checkboxes, the GOV.UK error summary linking to each field in error, and a secret shown once
// with a "Copy" button.
import { announce, fill, h, uid } from "/static/common/js/dom.js";
import { t } from "../i18n.js";

/** A labelled control with an optional hint and its error slot; `prefix` keeps ids apart. */
export function field(prefix, name, label, control, hint = null) {
  control.id = `${prefix}-${name}`;
  control.name = name;
  const hintId = hint ? `${control.id}-hint` : null;
  const errorId = `${control.id}-error`;
  control.setAttribute("aria-describedby", [hintId, errorId].filter(Boolean).join(" "));
  return h("div.field", { dataset: { field: name } },
    h("label", { for: control.id }, label),
    hint ? h("p.muted.small", { id: hintId }, hint) : null,
    h("p.field-error", { id: errorId }),
    control);
}

/** A fieldset of checkboxes, one per value, each labelled by the value itself (the contract's
 * names: "results:read", "submission.approved"). Its first box is where errors link to. */
export function checkboxes(prefix, name, legend, values, hint = null) {
  const hintId = hint ? `${prefix}-${name}-hint` : null;
  const errorId = `${prefix}-${name}-error`;
  const boxes = values.map((value, i) => {
    const id = i === 0 ? `${prefix}-${name}` : uid(`${prefix}-${name}`);
    return h("div.check",
      h("input", { type: "checkbox", id, name, value }),
      h("label", { for: id }, value));
  });
  const group = h("fieldset.field", { dataset: { field: name }, "aria-describedby": [hintId, errorId].filter(Boolean).join(" ") },
    h("legend", legend),
    hint ? h("p.muted.small", { id: hintId }, hint) : null,
    h("p.field-error", { id: errorId }),
    boxes);
  return {
    element: group,
    chosen: () => [...group.querySelectorAll("input:checked")].map((box) => box.value),
  };
}

/** An API field name ("scopes.0", "url") → the form field that holds it. */
function owner(key) {
  return key.split(".")[0];
}

function byField(form, errors) {
  const found = new Map();
  for (const [key, messages] of Object.entries(errors || {})) {
    const name = owner(key);
    found.set(name, [...(found.get(name) || []), ...messages]);
  }
  const order = [...form.querySelectorAll("[data-field]")].map((element) => element.dataset.field);
  const rank = (name) => (order.includes(name) ? order.indexOf(name) : order.length);
  return [...found].sort(([a], [b]) => rank(a) - rank(b));
}

function labelOf(form, name) {
  const container = form.querySelector(`[data-field="${name}"]`);
  const label = container?.querySelector("legend, label");
  return label ? label.textContent : name;
}

function markFields(form, prefix, messages) {
  for (const container of form.querySelectorAll("[data-field]")) {
    const name = container.dataset.field;
    const slot = container.querySelector(".field-error");
    const control = form.querySelector(`#${prefix}-${name}`);
    const text = messages.get(name);
    container.classList.toggle("invalid", Boolean(text));
    if (slot) fill(slot, text ? [h("span.visually-hidden", `${t("forms.error")}: `), text.join(" ")] : null);
    if (control && control.type !== "checkbox") {
      if (text) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    }
  }
}

/** Show `errors` ({field: [message]}) or an ApiError in `slot` as the GOV.UK error summary
 * (focused, each item a link moving focus to its field) and beside each field; nothing clears
 * both. */
export function showErrors(form, prefix, slot, { errors = {}, error = null } = {}) {
  const problem = error?.problem || null;
  const all = { ...errors, ...(problem?.errors || {}) };
  const fields = byField(form, all);
  markFields(form, prefix, new Map(fields));
  if (!fields.length && !error) {
    fill(slot);
    return;
  }
  const detail = problem?.detail && problem.code !== "validation_error" ? problem.detail : null;
  const fallback = !fields.length && !detail && error ? error.message : null;
  const items = fields.map(([name, messages]) => {
    const target = form.querySelector(`#${prefix}-${name}`);
    const text = `${labelOf(form, name)}: ${messages.join(" ")}`;
    if (!target) return h("li", text);
    return h("li", h("a", {
      href: `#${target.id}`,
      onclick: (event) => {
        event.preventDefault(); // not a route change: this console's addresses are its routes
        target.scrollIntoView({ block: "center" });
        target.focus();
      },
    }, text));
  });
  const titleId = `${prefix}-error-summary-title`;
  const summary = h("div.error-summary", { tabindex: -1, role: "alert", "aria-labelledby": titleId },
    h("h2", { id: titleId }, t("forms.problem")),
    detail || fallback ? h("p", detail || fallback) : null,
    items.length ? h("ul", items) : null);
  fill(slot, summary);
  summary.focus();
}

/** A region named `heading` showing `secret` once, read-only, with a "Copy" button and the
 * words that it will not be shown again. */
export function secretShown(prefix, heading, label, secret, words) {
  const headingId = `${prefix}-secret-heading`;
  const input = h("input.secret", { type: "text", readonly: true, value: secret, spellcheck: "false", autocomplete: "off" });
  const said = h("p", { role: "status" });
  const copy = h("button", {
    type: "button",
    onclick: async () => {
      fill(said, (await copied(input)) ? t("forms.copied") : t("forms.copyByHand"));
      announce(said.textContent);
    },
  }, t("forms.copy"));
  return h("section.card.secret-shown", { "aria-labelledby": headingId },
    h("h2", { id: headingId }, heading),
    h("p", words),
    field(prefix, "secret", label, input),
    copy, said);
}

async function copied(input) {
  try {
    await navigator.clipboard.writeText(input.value);
    return true;
  } catch {
    // No clipboard permission (an embedded browser, say): leave the text selected instead.
    input.focus();
    input.select();
    return false;
  }
}
