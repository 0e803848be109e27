// The builder's questions: the campaign's form as rows the brand edits (label, type, asked per
// product or once per store, required, options of a choice, a condition on an earlier answer),
// moves and removes. The rules (which ids, which conditions) are the server's; this module
// only keeps the rows in order and names each control `questions.<index>.<field>`, as the
// API names its errors, so the error summary links to the very control.
import { announce, fill, h } from "/static/common/js/dom.js";
import { t } from "../i18n.js";

export const QUESTION_TYPES = [
  "count", "yes_no", "single_choice", "multiple_choice", "price", "text", "date", "photo", "barcode",
];
const CHOICE = new Set(["single_choice", "multiple_choice"]);
// A condition compares an answer with one value: never a photo index or a sum of money.
const NO_CONDITION = new Set(["photo", "price"]);
// Ids old answers {sku, count, out_of_stock, price} mean: kept only for their own kind.
const RESERVED = { count: "count", out_of_stock: "yes_no", price: "price" };
const ID_MAX = 40;

// Today's form, what a campaign created without questions asks (backend/campaigns/forms.py).
export const DEFAULT_QUESTIONS = [
  { id: "count", type: "count", label: "Facings counted", per: "product", required: true, show_if: null },
  { id: "out_of_stock", type: "yes_no", label: "Out of stock", per: "product", required: true, show_if: null },
  { id: "price", type: "price", label: "Shelf price", per: "product", required: false, show_if: null },
];

/** A question id made of a label: lower-case letters, digits and _, starting with a letter. */
export function slug(label) {
  const plain = String(label).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  let base = plain.replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  if (!base) return "question";
  if (!/^[a-z]/.test(base)) base = `q_${base}`;
  // Room for a "_2" that makes it unique.
  return base.slice(0, ID_MAX - 4).replace(/_+$/, "");
}

/** `base`, or `base_2`, `base_3`… : the first not in `taken` (nor a reserved id). */
function unique(base, taken) {
  let id = base;
  for (let n = 2; taken.has(id) || id in RESERVED; n += 1) id = `${base}_${n}`;
  taken.add(id);
  return id;
}

function optionsOf(row) {
  return row.options.value.split("\n").map((line) => line.trim()).filter(Boolean);
}

function per(row) {
  return row.perStore.checked ? "store" : "product";
}

function labelText(row) {
  return row.label.value.trim() || t("questions.untitled");
}

/** One field: a label (or a legend's group), its hint and error line, and the control. */
function slot(label, control, hint = null) {
  const hintLine = hint ? h("p.muted.small", hint) : null;
  const container = h("div.field", h("label", label), hintLine, h("p.field-error"), control);
  return { container, control, hint: hintLine };
}

/** A verb button whose accessible name ends with the question's label ("Move up Price"). */
function verbButton(verb, onclick, kind = "") {
  const name = h("span.visually-hidden");
  const button = h(`button${kind}`, { type: "button", onclick }, verb, name);
  return { button, name };
}

/** A question's row: its controls, fields and verbs; `act(verb, row)` moves or removes it. */
function questionRow(question, key, { fixed, act }) {
  const type = h("select", QUESTION_TYPES.map((name) => h("option", { value: name }, t(`questions.type.${name}`))));
  type.value = question?.type || "count";
  const perProduct = h("input", { type: "radio", name: `${key}-per`, value: "product" });
  const perStore = h("input", { type: "radio", name: `${key}-per`, value: "store" });
  (question?.per === "store" ? perStore : perProduct).checked = true;
  const options = h("textarea", { rows: 3 });
  options.value = (question?.options || []).join("\n");
  const row = {
    key,
    id: question?.id || null, // an existing question keeps its id; a new one takes its label's
    label: h("input", { type: "text", value: question?.label || "", autocomplete: "off", maxlength: 500 }),
    type,
    perProduct,
    perStore,
    required: h("input", { type: "checkbox", checked: question ? question.required : true }),
    options,
    showIf: h("select"),
    equals: h("input", { type: "text" }),
    wanted: question?.show_if || null, // the condition as loaded, until the selects hold it
    legend: h("legend"),
  };
  row.fields = {
    label: slot(t("questions.label"), row.label),
    type: slot(t("questions.type"), type),
    options: slot(t("questions.options"), options, t("questions.optionsHint")),
    show_if: slot(t("questions.showIf"), row.showIf),
    equals: slot(t("questions.equals"), row.equals),
  };
  row.groups = {
    per: h("fieldset.field", h("legend", t("questions.asked")), h("p.field-error"),
      h("span.check", perProduct, h("label", t("questions.perProduct"))),
      h("span.check", perStore, h("label", t("questions.perStore")))),
    required: h("div.field", h("p.field-error"), h("span.check", row.required, h("label", t("questions.required")))),
  };
  row.up = verbButton(t("questions.moveUp"), () => act("up", row));
  row.down = verbButton(t("questions.moveDown"), () => act("down", row));
  row.remove = verbButton(t("questions.remove"), () => act("remove", row), ".danger");
  row.element = h("li.question-row",
    h("fieldset.question",
      row.legend,
      h("div.question-line", row.fields.label.container, row.fields.type.container),
      h("div.question-line", row.groups.per, row.groups.required),
      row.fields.options.container,
      h("div.question-line", row.fields.show_if.container, row.fields.equals.container),
      fixed ? null : h("div.toolbar.question-tools", row.up.button, row.down.button, row.remove.button)));
  if (fixed) {
    for (const control of row.element.querySelectorAll("input, select, textarea")) control.disabled = true;
  }
  return row;
}

/** Name the row's controls after its place, `questions.<index>.<field>` (as the API names
 * their errors), with labels, hints and error lines to match; and its legend and verbs. */
function nameRow(row, index, count) {
  const name = (field) => `questions.${index}.${field}`;
  for (const [field, { container, control, hint }] of Object.entries(row.fields)) {
    container.dataset.field = name(field);
    control.id = `builder-${name(field)}`;
    container.querySelector("label").setAttribute("for", control.id);
    const error = container.querySelector(".field-error");
    error.id = `${control.id}-error`;
    if (hint) hint.id = `${control.id}-hint`;
    control.setAttribute("aria-describedby", [hint?.id, error.id].filter(Boolean).join(" "));
  }
  row.groups.per.dataset.field = name("per");
  row.perProduct.id = `builder-${name("per")}`;
  row.perStore.id = `builder-${name("per")}-store`;
  const [productLabel, storeLabel] = row.groups.per.querySelectorAll("label");
  productLabel.setAttribute("for", row.perProduct.id);
  storeLabel.setAttribute("for", row.perStore.id);
  row.groups.required.dataset.field = name("required");
  row.required.id = `builder-${name("required")}`;
  row.groups.required.querySelector("label").setAttribute("for", row.required.id);
  row.fields.options.container.hidden = !CHOICE.has(row.type.value);
  fill(row.legend, t("questions.row", { index: index + 1 }));
  for (const verb of [row.up, row.down, row.remove]) fill(verb.name, ` ${labelText(row)}`);
  row.up.button.disabled = index === 0;
  row.down.button.disabled = index === count - 1;
}

/** The rows before `row` it may rest on: no photo or price, and a question once per store
 * rests only on one per store (which product's answer would decide otherwise?). */
function targets(row, rows) {
  const earlier = rows.slice(0, rows.indexOf(row));
  return earlier.filter((r) => !NO_CONDITION.has(r.type.value) && (per(row) === "product" || per(r) === "store"));
}

/** The "Equals" control the target's type asks for: Yes/No, one of its options, a number. */
function equalsControl(target) {
  if (target.type.value === "yes_no") {
    return h("select", h("option", { value: "true" }, t("questions.yes")), h("option", { value: "false" }, t("questions.no")));
  }
  if (CHOICE.has(target.type.value)) {
    return h("select", optionsOf(target).map((option) => h("option", { value: option }, option)));
  }
  if (target.type.value === "count") return h("input", { type: "number", min: 0, step: 1, inputmode: "numeric" });
  if (target.type.value === "date") return h("input", { type: "date" });
  return h("input", { type: "text", autocomplete: "off" });
}

/** Redraw the row's condition: the earlier questions it may rest on, and an "Equals" fit
 * for the chosen one (drawn again only when that one's type or options change). */
function refreshCondition(row, rows, fixed) {
  const choices = targets(row, rows);
  const wanted = row.wanted ? rows.find((r) => (r.id || "") === row.wanted.question_id) : null;
  const chosen = wanted?.key || row.showIf.value;
  const signature = JSON.stringify(choices.map((r) => [r.key, labelText(r)]));
  if (row.showIf.dataset.signature !== signature) {
    fill(row.showIf, h("option", { value: "" }, t("questions.always")),
      choices.map((r) => h("option", { value: r.key }, labelText(r))));
    row.showIf.dataset.signature = signature;
  }
  row.showIf.value = choices.some((r) => r.key === chosen) ? chosen : "";
  const target = rows.find((r) => r.key === row.showIf.value);
  row.fields.equals.container.hidden = !target;
  if (!target) return;
  const shape = JSON.stringify([target.type.value, CHOICE.has(target.type.value) ? optionsOf(target) : []]);
  if (row.equals.dataset.shape !== shape) {
    const before = row.wanted ? String(row.wanted.equals) : row.equals.value;
    const control = equalsControl(target);
    control.dataset.shape = shape;
    control.disabled = fixed;
    control.id = row.equals.id; // its label and error line name it
    control.setAttribute("aria-describedby", row.equals.getAttribute("aria-describedby"));
    row.equals.replaceWith(control);
    row.equals = control;
    row.fields.equals.control = control;
    if (before !== "") control.value = before;
  }
  row.wanted = null;
}

/** The questions as the API takes them, in order; ids kept or made from the labels. */
function readRows(rows) {
  const kept = (row) => row.id && !(row.id in RESERVED && (RESERVED[row.id] !== row.type.value || per(row) !== "product"));
  const taken = new Set(rows.filter(kept).map((row) => row.id));
  const ids = new Map(rows.map((row) => [row.key, kept(row) ? row.id : unique(slug(row.label.value), taken)]));
  return rows.map((row) => {
    const target = rows.find((r) => r.key === row.showIf.value);
    const question = {
      id: ids.get(row.key),
      type: row.type.value,
      label: row.label.value.trim(),
      per: per(row),
      required: row.required.checked,
      show_if: target ? { question_id: ids.get(target.key), equals: equalsValue(target, row.equals.value) } : null,
    };
    if (CHOICE.has(row.type.value)) question.options = optionsOf(row);
    return question;
  });
}

/** What keeps the rows from being sent, by field, in people's words: a blank question, a
 * condition with no value (or, on a count, not a whole number). The rest is the server's. */
function rowProblems(rows) {
  const problems = {};
  rows.forEach((row, index) => {
    if (!row.label.value.trim()) problems[`questions.${index}.label`] = [t("questions.noLabel")];
    const target = rows.find((r) => r.key === row.showIf.value);
    if (!target) return;
    const value = row.equals.value.trim();
    if (!value) problems[`questions.${index}.equals`] = [t("questions.noValue")];
    else if (target.type.value === "count" && !/^\d+$/.test(value)) problems[`questions.${index}.equals`] = [t("questions.notWhole")];
  });
  return problems;
}

/** What "Equals" holds as an answer to `target`: a boolean, a whole number, or text. */
function equalsValue(target, value) {
  if (target.type.value === "yes_no") return value === "true";
  if (target.type.value === "count" && /^\d+$/.test(value.trim())) return Number(value.trim());
  return value.trim();
}

/** The editor of `questions` (a campaign's, or the default form); `fixed` shows them only.
 * {element, read() → the questions to send, problems() → fields in error}; `onChange` hears
 * every edit. */
export function questionsEditor({ questions, fixed = false, onChange = () => {} }) {
  const rows = [];
  let nextKey = 0;
  const list = h("ol.question-list");
  const add = h("button", { type: "button", onclick: () => addRow(null, true) }, t("questions.add"));
  const empty = h("p.muted", t("questions.none"));
  const element = h("div.questions",
    h("p.muted.small", fixed ? t("questions.fixed") : t("questions.intro")),
    list,
    h("div.field", { dataset: { field: "questions", label: t("questions.list") } },
      h("p.field-error"), empty, fixed ? null : h("div.toolbar", add)));
  add.id = "builder-questions";

  function refresh() {
    rows.forEach((row, index) => nameRow(row, index, rows.length));
    rows.forEach((row) => refreshCondition(row, rows, fixed));
    empty.hidden = rows.length > 0;
  }

  function addRow(question, byHand) {
    nextKey += 1;
    const row = questionRow(question, `q${nextKey}`, { fixed, act });
    rows.push(row);
    list.append(row.element);
    refresh();
    if (byHand) {
      row.label.focus();
      announce(t("questions.added"));
      onChange();
    }
  }

  function act(verb, row) {
    const at = rows.indexOf(row);
    if (verb === "remove") {
      rows.splice(at, 1);
      row.element.remove();
      refresh();
      const next = rows[at] || rows[at - 1];
      (next ? next.label : add).focus();
      announce(t("questions.removed", { label: labelText(row) }));
    } else {
      const to = verb === "up" ? at - 1 : at + 1;
      if (to < 0 || to >= rows.length) return;
      rows.splice(at, 1);
      rows.splice(to, 0, row);
      const focus = document.activeElement;
      list.replaceChildren(...rows.map((r) => r.element));
      refresh();
      // Moving a row takes the focus out of it: give it back to the verb pressed.
      if (focus && row.element.contains(focus) && !focus.disabled) focus.focus();
      else row.label.focus();
      announce(t("questions.moved", { label: labelText(row), index: to + 1 }));
    }
    onChange();
  }

  list.addEventListener("input", () => { refresh(); onChange(); });
  list.addEventListener("change", () => { refresh(); onChange(); });
  for (const question of questions) addRow(question, false);
  return { element, read: () => readRows(rows), problems: () => (fixed ? {} : rowProblems(rows)) };
}
