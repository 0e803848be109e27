// Building elements without innerHTML: text is always text, never markup.

/** h("p.note", {id: "x", onclick: f}, "text", child) → an element. */
export function h(tag, attributes = {}, ...children) {
  const [name, ...classes] = tag.split(".");
  const element = document.createElement(name);
  if (classes.length) element.className = classes.join(" ");
  if (attributes === null || typeof attributes !== "object" || attributes instanceof Node || Array.isArray(attributes)) {
    children.unshift(attributes);
    attributes = {};
  }
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (value === true) element.setAttribute(key, "");
    else element.setAttribute(key, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace everything inside `element` with `children`. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

let counter = 0;
/** A fresh id for label/for and aria-describedby pairs. */
export function uid(prefix = "f") {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** Say `text` to screen readers (and show it to everyone in `region` if given). */
export function announce(text) {
  const live = document.getElementById("announce");
  if (live) {
    live.textContent = "";
    window.setTimeout(() => { live.textContent = text; }, 30);
  }
}

/** A modal confirmation; resolves true when confirmed. Focus returns where it was. */
export function confirmDialog({ title, text, confirm, cancel }) {
  return new Promise((resolve) => {
    const before = document.activeElement;
    const titleId = uid("dialog");
    const dialog = h("dialog.dialog", { "aria-labelledby": titleId },
      h("h2", { id: titleId }, title),
      h("p", text),
      h("div.actions",
        h("button.primary", { type: "button", value: "yes", onclick: () => dialog.close("yes") }, confirm),
        h("button", { type: "button", value: "no", onclick: () => dialog.close("no") }, cancel),
      ),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (before && before.isConnected) before.focus();
      resolve(dialog.returnValue === "yes");
    });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector("button.primary").focus();
  });
}

/** Save `blob` as a file named `filename` (a download made from a fetch, no token in a URL). */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}
