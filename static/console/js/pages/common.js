// Pieces every page uses: the heading with a way back, tables, error lines.
import { fill, h } from "/static/common/js/dom.js";
import { t } from "../i18n.js";

/** Start a page: a way back, its heading (focused for screen readers), an error line. */
export function pageStart(main, heading, back = "#/") {
  const error = h("p.error", { role: "alert" });
  fill(main, h("p.back", h("a", { href: back }, `← ${t("app.back")}`)), h("h1", heading), error);
  return {
    error,
    fail(problem) { fill(error, problem.message); },
  };
}

/** A table of `rows` with `columns` = [[heading, row → cell], …]. */
export function table(caption, columns, rows) {
  return h("table",
    h("caption", caption),
    h("thead", h("tr", columns.map(([heading]) => h("th", { scope: "col" }, heading)))),
    h("tbody", rows.map((row) => h("tr", columns.map(([, cell], i) => (i === 0 ? h("th", { scope: "row" }, cell(row)) : h("td", cell(row))))))));
}
