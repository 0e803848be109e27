// The builder's errors, as the GOV.UK Design System shows them: a summary at the top that
// links to each field in error, and the same message beside the field.
import { fill, h } from "/static/common/js/dom.js";
import { money, t } from "../i18n.js";

// An API field name ("reward.amount_minor", "products.0.sku", "bonuses.2.store_id",
// "questions.1.options") → the builder field that holds it.
const OWNER = { bonuses: "store_ids" };

// A question's fields the builder shows under other names: its id is made of its label, and
// the condition's two halves are two controls.
const QUESTION_OWNER = { id: "label", "show_if.question_id": "show_if", "show_if.equals": "equals" };

function owner(key) {
  const [first, index, ...rest] = key.split(".");
  if (first === "questions" && /^\d+$/.test(index || "")) {
    // "questions.2.options.0" → the options of question 2; "questions.2" → its label.
    const name = QUESTION_OWNER[rest.join(".")] || QUESTION_OWNER[rest[0]] || rest[0] || "label";
    return `questions.${index}.${name}`;
  }
  return OWNER[first] || first;
}

/** The control of the builder field `name` (a question's names hold dots). */
function controlOf(form, name) {
  return form.querySelector(`#${CSS.escape(`builder-${name}`)}`);
}

/** The builder's field names in error, each with its messages, in the form's order. */
function byField(form, errors, problem) {
  const found = new Map();
  for (const [key, messages] of Object.entries(errors)) {
    const name = owner(key);
    let text = messages;
    // The floor's message in minor units helps a program; people get the reward in money.
    if (name === "reward" && problem?.code === "below_pay_floor" && problem.least_reward) {
      text = [t("builder.rewardAtLeast", { least: money(problem.least_reward) })];
    }
    found.set(name, [...(found.get(name) || []), ...text]);
  }
  const order = [...form.querySelectorAll("[data-field]")].map((element) => element.dataset.field);
  return [...found].sort(([a], [b]) => rank(order, a) - rank(order, b));
}

function rank(order, name) {
  const at = order.indexOf(name);
  return at < 0 ? order.length : at;
}

function labelOf(form, name) {
  const container = form.querySelector(`[data-field="${name}"]`);
  const label = container?.querySelector("legend, label");
  // "Options" alone does not say which question: "Question 3, Options".
  const question = container?.closest("fieldset.question")?.querySelector("legend");
  // A field with no label of its own (the list of questions) names itself in data-label.
  const text = container?.dataset.label || (label ? label.textContent : name);
  return question ? `${question.textContent}, ${text}` : text;
}

/** Mark each field of `form` in error (message beside it, aria-invalid), clear the others. */
export function fieldErrors(form, errors, problem = null) {
  const messages = new Map(byField(form, errors, problem));
  for (const container of form.querySelectorAll("[data-field]")) {
    const name = container.dataset.field;
    const slot = container.querySelector(".field-error");
    const control = controlOf(form, name);
    const text = messages.get(name);
    container.classList.toggle("invalid", Boolean(text));
    if (slot) fill(slot, text ? [h("span.visually-hidden", `${t("builder.error")}: `), text.join(" ")] : null);
    // A button (the questions' "Add question") is where to go, not a value in error.
    if (control && control.tagName !== "BUTTON") {
      if (text) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    }
  }
}

/** The summary: a heading, the problem's sentence when it says more than "see errors", and a
 * link per field in error that moves focus to it (not a route change: this console's
 * addresses are its routes). */
export function errorSummary(form, errors, error) {
  const problem = error?.problem || null;
  fieldErrors(form, errors, problem);
  const fields = byField(form, errors, problem);
  const detail = problem && problem.code !== "validation_error" ? problem.detail : null;
  const fallback = !fields.length && !detail && error ? error.message : null;
  const items = fields.map(([name, messages]) => {
    const target = controlOf(form, name);
    const text = `${labelOf(form, name)}: ${messages.join(" ")}`;
    if (!target) return h("li", text);
    return h("li", h("a", {
      href: `#builder-${name}`,
      onclick: (event) => {
        event.preventDefault();
        target.scrollIntoView({ block: "center" });
        target.focus();
      },
    }, text));
  });
  return h("div.error-summary", { tabindex: -1, role: "alert", "aria-labelledby": "error-summary-title" },
    h("h2", { id: "error-summary-title" }, t("builder.problem")),
    detail || fallback ? h("p", detail || fallback) : null,
    items.length ? h("ul", items) : null);
}
