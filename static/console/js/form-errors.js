// A small form's errors as the GOV.UK Design System shows them (as the builder does): a
// summary at the top linking to each field in error, the same message beside the field. A
// field is an element [data-field=name] holding its label, its control and a .field-error.
import { fill, h } from "/static/common/js/dom.js";

/** An API problem's field errors ({field: [message]}), under the form's field names. */
export function problemFields(problem) {
  const found = {};
  for (const [key, messages] of Object.entries(problem?.errors || {})) {
    const name = key.split(".")[0];
    found[name] = [...(found[name] || []), ...messages];
  }
  return found;
}

function controlOf(container) {
  return container.querySelector("input, select, textarea");
}

/** Show `errors` ({name: [message]}) on `form` and its summary in `slot` (with `detail`, a
 * sentence about the whole form, when there is one); an empty `errors` and no detail clears
 * both. The summary takes focus so that a screen reader hears it. */
export function showErrors(form, slot, errors, { heading, prefix, detail = null }) {
  const items = [];
  for (const container of form.querySelectorAll("[data-field]")) {
    const messages = errors[container.dataset.field];
    const control = controlOf(container);
    container.classList.toggle("invalid", Boolean(messages));
    fill(container.querySelector(".field-error"),
      messages ? [h("span.visually-hidden", `${prefix}: `), messages.join(" ")] : null);
    if (!control) continue;
    if (!messages) {
      control.removeAttribute("aria-invalid");
      continue;
    }
    control.setAttribute("aria-invalid", "true");
    const label = container.querySelector("label, legend")?.textContent || container.dataset.field;
    items.push(h("li", h("a", {
      href: `#${control.id}`,
      onclick: (event) => {
        event.preventDefault(); // this console's addresses are its routes
        control.focus();
      },
    }, `${label}: ${messages.join(" ")}`)));
  }
  if (!items.length && !detail) {
    fill(slot);
    return;
  }
  const titleId = `${form.id || "form"}-error-title`;
  const summary = h("div.error-summary", { tabindex: -1, role: "alert", "aria-labelledby": titleId },
    h("h2", { id: titleId }, heading),
    detail ? h("p", detail) : null,
    items.length ? h("ul", items) : null);
  fill(slot, summary);
  summary.focus();
}
