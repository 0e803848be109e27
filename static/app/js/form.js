// Small form pieces every screen uses: labelled fields, a busy submit button, an error line.
import { fill, h, uid } from "/static/common/js/dom.js";

/** A labelled input in a div.field; `hint` is tied to it by aria-describedby. */
export function field(label, attributes = {}, hint = null) {
  const id = uid();
  const hintId = hint ? uid("hint") : null;
  const control = attributes.tag === "textarea"
    ? h("textarea", { id, ...attributes, tag: null, "aria-describedby": hintId })
    : h("input", { id, ...attributes, "aria-describedby": hintId });
  return {
    control,
    element: h("div.field", h("label", { for: id }, label), hint ? h("p.hint", { id: hintId }, hint) : null, control),
  };
}

/** An alert line for what went wrong (empty, it takes no room). */
export function errorLine() {
  return h("p.error", { role: "alert" });
}

/** A polite status line for what went right. */
export function statusLine() {
  return h("p.message", { role: "status" });
}

/** Run `work` with `button` disabled and saying `busyText`; an error is shown in `error`. */
export async function busy(button, busyText, error, work) {
  const idle = button.textContent;
  button.disabled = true;
  button.textContent = busyText;
  if (error) fill(error);
  try {
    return await work();
  } catch (problem) {
    if (error) fill(error, problem.message);
    else throw problem;
    return undefined;
  } finally {
    button.disabled = false;
    button.textContent = idle;
  }
}

/** The GOV.UK error summary: `title`, then a link per problem ({text, target: an element id})
 * that moves focus to its field (not a route change: the app routes on the hash). Focused, so
 * that it is read first. */
export function errorSummary(title, problems) {
  const links = problems.map(({ text, target }) => {
    const link = h("a", { href: `#${target}` }, text);
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const field = document.getElementById(target);
      field?.scrollIntoView({ block: "center" });
      field?.focus();
    });
    return h("li", link);
  });
  const titleId = uid("summary");
  return h("div.error-summary", { role: "alert", tabindex: "-1", "aria-labelledby": titleId },
    h("h2", { id: titleId }, title),
    h("ul", links),
  );
}
