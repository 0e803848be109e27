// A screen's own stylesheet, added to the page once (a <link>: the CSP allows this origin's
// stylesheets, never inline style).
const added = new Set();

/** Add the stylesheet at `href` once. */
export function useStylesheet(href) {
  if (added.has(href) || document.querySelector(`link[rel="stylesheet"][href="${href}"]`)) return;
  added.add(href);
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  document.head.append(link);
}
