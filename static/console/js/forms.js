// The console's forms, one way for every page: labelled fields, groups of checkboxes, a secret
// shown once with a "Copy" button, and errors as the GOV.UK Design System shows them: a summary
// at the top (focused, role alert) with a link per field in error that moves focus to its
// control, and the same message beside the field. A field is an element [data-field=name]
// holding its label (or legend), its control and a .field-error.
import { announce, fill, h, uid } from "/static/common/js/dom.js";
import { t } from "./i18n.js";

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

/** An API problem's field ("scopes.0", "url") → the form field that holds it. */
function firstPart(key) {
  return key.split(".")[0];
}

/** An API problem's field errors ({"field.sub": [message]}) under the form's field names
 * ({field: [message]}); `owner` maps an API name to a field's name. */
export function problemFields(problem, owner = firstPart) {
  const found = {};
  for (const [key, messages] of Object.entries(problem?.errors || {})) {
    const name = owner(key);
    found[name] = [...(found[name] || []), ...messages];
  }
  return found;
}

/** The control a field's errors link to: the element with id `<ids>-<name>` when the form's
 * ids say so (a field's container may hold other controls first), else its first control. */
function controlOf(form, name, ids) {
  if (ids) return form.querySelector(`#${CSS.escape(`${ids}-${name}`)}`);
  const container = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
  return container?.querySelector("input, select, textarea") || null;
}

/** Whether the control holds the value in error: a button (where to go to add something) does
 * not, nor the first box of a group of checkboxes (the group does, and says so). */
function holdsValue(control, container) {
  if (control.tagName === "BUTTON") return false;
  return !(control.type === "checkbox" && container.tagName === "FIELDSET");
}

function labelOf(form, name) {
  const container = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
  const label = container?.querySelector("legend, label");
  // A field with no label of its own (a list) names itself in data-label.
  const text = container?.dataset.label || (label ? label.textContent : name);
  // "Options" alone does not say which question: "Question 3, Options".
  const question = container?.closest("fieldset.question")?.querySelector("legend");
  return question ? `${question.textContent}, ${text}` : text;
}

/** Mark each field of `form` named in `errors` ({field: [message]}): the message beside it after
 * a visually hidden "Error: ", aria-invalid on its control; clear the others. */
export function markFields(form, errors, { ids = null } = {}) {
  for (const container of form.querySelectorAll("[data-field]")) {
    const name = container.dataset.field;
    const messages = errors[name];
    const control = controlOf(form, name, ids);
    container.classList.toggle("invalid", Boolean(messages));
    const slot = container.querySelector(".field-error");
    if (slot) fill(slot, messages ? [h("span.visually-hidden", `${t("forms.error")}: `), messages.join(" ")] : null);
    if (!control || !holdsValue(control, container)) continue;
    if (messages) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
  }
}

/** The fields in error, each with its messages, in the form's order (unknown names last). */
function inOrder(form, errors) {
  const order = [...form.querySelectorAll("[data-field]")].map((element) => element.dataset.field);
  const rank = (name) => (order.includes(name) ? order.indexOf(name) : order.length);
  return Object.entries(errors).sort(([a], [b]) => rank(a) - rank(b));
}

/** The sentence about the whole form an ApiError carries: its detail when it says more than
 * "see the errors", else its message when no field is named. */
function sentenceOf(error, named) {
  const problem = error?.problem || null;
  const detail = problem?.detail && problem.code !== "validation_error" ? problem.detail : null;
  return detail || (!named && error ? error.message : null);
}

/** The summary of `errors` ({field: [message]}): a heading, `detail` (or the sentence `error`
 * carries) and a link per field that moves focus to its control (not a route change: this
 * console's addresses are its routes). Marks the fields too. */
export function errorSummary(form, errors, { error = null, detail = null, ids = null, titleId = null } = {}) {
  markFields(form, errors, { ids });
  const fields = inOrder(form, errors);
  const sentence = detail || sentenceOf(error, fields.length > 0);
  const items = fields.map(([name, messages]) => {
    const target = controlOf(form, name, ids);
    const text = `${labelOf(form, name)}: ${messages.join(" ")}`;
    if (!target) return h("li", text);
    return h("li", h("a", {
      href: `#${target.id}`,
      onclick: (event) => {
        event.preventDefault();
        target.scrollIntoView({ block: "center" });
        target.focus();
      },
    }, text));
  });
  const title = titleId || `${form.id || "form"}-error-title`;
  return h("div.error-summary", { tabindex: -1, role: "alert", "aria-labelledby": title },
    h("h2", { id: title }, t("forms.problem")),
    sentence ? h("p", sentence) : null,
    items.length ? h("ul", items) : null);
}

/** Show the errors in `slot` and beside each field, the summary focused so that a screen reader
 * hears it: `errors` ({field: [message]}, by default the fields `error`'s problem names) and
 * `detail` or `error`'s sentence. Neither clears both. */
export function showErrors(form, slot, { errors = null, error = null, detail = null, ids = null, titleId = null } = {}) {
  const found = errors || problemFields(error?.problem);
  if (!Object.keys(found).length && !detail && !sentenceOf(error, false)) {
    markFields(form, {}, { ids });
    fill(slot);
    return;
  }
  const summary = errorSummary(form, found, { error, detail, ids, titleId });
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
