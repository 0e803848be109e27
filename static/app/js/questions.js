// The task's questions on the screen, one control per type (task.questions; rules in
// answers.js): per-product questions in a group per product, each control labelled
// "<question>: <product>"; per-store questions once. A question whose condition does not hold
// is hidden (and neither sent nor owed). Every change is kept in the draft at once.
import { h, uid } from "/static/common/js/dom.js";
import { money, t } from "./i18n.js";
import {
  COUNT, OUT_OF_STOCK, barcodeValid, couplesStock, currentValues, keyOf, placesOf, shownPlaces,
} from "./answers.js";
import { photoSection } from "./screens/task-photos.js";
import "../strings/questions.js";

// The default form's labels as the server gives them: the app says them in the worker's words.
const DEFAULT_LABELS = { count: "Facings counted", out_of_stock: "Out of stock", price: "Shelf price" };

/** A question's label in the worker's words (the default form's are translated). */
export function labelOf(question) {
  return DEFAULT_LABELS[question.id] === question.label ? t(`question.default.${question.id}`) : question.label;
}

/** The control's name: "<label>: <product>" per product, the label alone per store. */
export function placeName(question, product) {
  return product ? t("question.forProduct", { label: labelOf(question), product: product.name }) : labelOf(question);
}

function radios(choices, current, onChange) {
  const group = uid("choice");
  return choices.map(([value, text]) => {
    const id = uid("opt");
    const input = h("input", { id, type: "radio", name: group, checked: current === value || null });
    input.addEventListener("change", () => input.checked && onChange(value));
    return h("div.option", input, h("label", { for: id }, text));
  });
}

function checkboxes(options, current, onChange) {
  const chosen = new Set(current || []);
  return options.map((option) => {
    const id = uid("opt");
    const input = h("input", { id, type: "checkbox", checked: chosen.has(option) || null });
    input.addEventListener("change", () => {
      if (input.checked) chosen.add(option);
      else chosen.delete(option);
      onChange(options.filter((o) => chosen.has(o)));
    });
    return h("div.option", input, h("label", { for: id }, option));
  });
}

/** Count: a number with − and + (the default count's steppers name the product, as before). */
function countControl({ question, product, name, get, set, described }) {
  const id = uid("count");
  const input = h("input", { id, type: "number", inputmode: "numeric", min: 0, step: 1, value: get() ?? "", "aria-describedby": described });
  const put = (value) => {
    const kept = value === "" || Number.isNaN(value) ? null : Math.max(0, value);
    input.value = kept ?? "";
    set(kept);
  };
  input.addEventListener("input", () => put(input.value === "" ? "" : Math.trunc(Number(input.value))));
  const who = question.id === COUNT && product ? product.name : name;
  const less = h("button.step", { type: "button", "aria-label": t("task.less", { name: who }) }, "−");
  const more = h("button.step", { type: "button", "aria-label": t("task.more", { name: who }) }, "+");
  less.addEventListener("click", () => put((get() ?? 1) - 1));
  more.addEventListener("click", () => put((get() ?? 0) + 1));
  return {
    focus: id,
    element: [h("label", { for: id }, name), h("div.stepper", less, input, more)],
    disable: (off) => { for (const control of [input, less, more]) control.disabled = off; },
    reset: () => { input.value = get() ?? ""; },
  };
}

/** Barcode: digits typed (or scanned where the phone can), its check digit judged at once. */
function barcodeControl({ name, get, set, described, say }) {
  const id = uid("barcode");
  const input = h("input", {
    id, type: "text", inputmode: "numeric", pattern: "[0-9]*", autocomplete: "off", maxlength: 13,
    value: get() ?? "", "aria-describedby": described,
  });
  const judge = () => {
    const digits = input.value.trim();
    say(digits && !barcodeValid(digits) ? t("answer.barcode") : null);
  };
  input.addEventListener("input", () => set(input.value.replace(/\s+/g, "")));
  input.addEventListener("change", judge);
  const parts = [h("label", { for: id }, name), h("p.hint", t("question.barcodeHint")), input];
  if ("BarcodeDetector" in window) parts.push(scanButton(name, (digits) => {
    input.value = digits;
    set(digits);
    judge();
  }));
  return { focus: id, element: parts };
}

/** Progressive: where the phone reads barcodes (BarcodeDetector), a photo of one fills it. */
function scanButton(name, found) {
  const camera = h("input.visually-hidden", {
    type: "file", accept: "image/*", capture: "environment", tabindex: "-1", "aria-hidden": "true",
  });
  const button = h("button.small", { type: "button", "aria-label": t("question.scanFor", { name }) }, t("question.scan"));
  button.addEventListener("click", () => camera.click());
  camera.addEventListener("change", async () => {
    const [file] = camera.files;
    camera.value = "";
    if (!file) return;
    try {
      const detector = new window.BarcodeDetector({ formats: ["ean_13", "ean_8", "upc_a"] });
      const [code] = await detector.detect(await createImageBitmap(file));
      if (code?.rawValue) found(code.rawValue);
    } catch (problem) {
      console.warn(problem);
    }
  });
  return h("div.actions", button, camera);
}

function fieldOf(tag, attributes, name, hint, get, set) {
  const id = uid("q");
  const hintId = hint ? uid("hint") : null;
  const described = [hintId, attributes["aria-describedby"]].filter(Boolean).join(" ") || null;
  const control = h(tag, { id, ...attributes, "aria-describedby": described }, tag === "textarea" ? get() ?? "" : null);
  if (tag !== "textarea") control.value = get() ?? "";
  control.addEventListener("input", () => set(control.value));
  return { focus: id, element: [h("label", { for: id }, name), hint ? h("p.hint", { id: hintId }, hint) : null, control] };
}

/** A group of controls under one name; the link to it lands on its first choice, or on the
 * group itself (`onGroup`: a photo, whose camera input is hidden behind its button). */
function grouped(name, described, items, onGroup = false) {
  const id = uid("group");
  const element = h("fieldset.choices", { id, tabindex: "-1", "aria-describedby": described }, h("legend", name), items);
  return { element, focus: (!onGroup && element.querySelector("input")?.id) || id };
}

/** The control of one place of one question: {element, focus (the id to link to), ...}. */
function controlOf(question, place, context) {
  const { draft, save, changed, currency, photos } = context;
  const { key, product } = place;
  const name = placeName(question, product);
  const errorId = uid("err");
  const error = h("p.error", { id: errorId });
  const get = () => draft.answers[key];
  const set = (value) => {
    draft.answers[key] = value;
    save();
    changed(key);
  };
  const say = (text) => { error.textContent = text || ""; };
  const described = errorId;
  let made;
  switch (question.type) {
    case "count":
      made = countControl({ question, product, name, get, set, described });
      break;
    case "yes_no":
      if (question.id === OUT_OF_STOCK && context.coupled) {
        const id = uid("oos");
        const box = h("input", { id, type: "checkbox", checked: get() || null, "aria-describedby": described });
        box.addEventListener("change", () => set(box.checked));
        made = { focus: id, element: h("div.toggle", box, h("label", { for: id }, name)) };
      } else {
        made = grouped(name, described, radios([[true, t("question.yes")], [false, t("question.no")]], get(), set));
      }
      break;
    case "single_choice":
      made = grouped(name, described, radios((question.options || []).map((o) => [o, o]), get(), set));
      break;
    case "multiple_choice":
      made = grouped(name, described, checkboxes(question.options || [], get(), set));
      break;
    case "price": {
      const example = currency ? money({ amount_minor: 199, currency }) : "1.99";
      const hint = currency ? t("question.priceHint", { currency, example }) : t("question.priceHintOffline");
      made = fieldOf("input", { type: "text", inputmode: "decimal", autocomplete: "off", "aria-describedby": described }, name, hint, get, set);
      break;
    }
    case "text":
      made = fieldOf("textarea", { rows: 3, maxlength: 2000, "aria-describedby": described }, name, null, get, set);
      break;
    case "date":
      made = fieldOf("input", { type: "date", "aria-describedby": described }, name, null, get, set);
      break;
    case "barcode":
      made = barcodeControl({ name, get, set, described, say });
      break;
    case "photo": {
      const target = h("div");
      const list = (draft.answerPhotos[key] ||= []);
      const section = photoSection({
        ...photos, target, draft, list, max: 1, label: t("question.takePhotoFor", { name }),
        save: async () => {
          await save();
          changed(key);
        },
      });
      context.sections.push(section);
      made = grouped(name, described, target, true);
      break;
    }
    default:
      made = { element: h("p.muted", name) };
  }
  const block = h("div.question", { dataset: { key } }, made.element, error);
  return { ...made, block, say, question, product };
}

/** The form's questions: {element, refresh(), show(errors by key), place(key), release()}.
 * `photos` carries what photo controls need ({rules, since}). */
export function questionForm({ questions, products, draft, save, currency, photos }) {
  const context = {
    draft, save, currency, photos, sections: [], coupled: couplesStock(questions), changed: () => refresh(),
  };
  const places = new Map();
  const make = (question, place) => {
    const control = controlOf(question, place, context);
    places.set(place.key, control);
    return control.block;
  };
  const perProduct = questions.filter((q) => q.per !== "store");
  const perStore = questions.filter((q) => q.per === "store");
  const counts = perProduct.some((q) => q.type === "count");
  const element = [
    perProduct.length && products.length ? h("section",
      h("h2", t(counts ? "task.products" : "question.perProduct")),
      counts ? h("p.hint", t("task.counting")) : null,
      products.map((product) => h("fieldset.product",
        h("legend", product.name, product.sku !== product.name ? [" ", h("span.muted", product.sku)] : null),
        perProduct.map((question) => make(question, placesOf(question, [product])[0])),
      )),
    ) : null,
    perStore.length ? h("section",
      h("h2", t("task.questions")),
      perStore.map((question) => make(question, placesOf(question, products)[0])),
    ) : null,
  ];

  function refresh() {
    const asked = shownPlaces(questions, products, currentValues(questions, products, draft));
    for (const [key, control] of places) {
      control.block.hidden = !asked[key];
      if (context.coupled && control.question.id === COUNT && control.disable) {
        const out = Boolean(draft.answers[keyOf(OUT_OF_STOCK, control.product?.sku)]);
        if (out) draft.answers[key] = 0;
        control.disable(out);
        control.reset();
      }
    }
  }

  /** Put each message at its place ({key: text}); the others are cleared. */
  function show(errors) {
    for (const [key, control] of places) {
      const text = errors[key] || "";
      control.say(text);
      const target = control.block.querySelector(`[id="${control.focus}"]`);
      if (target?.matches("input, textarea")) {
        if (text) target.setAttribute("aria-invalid", "true");
        else target.removeAttribute("aria-invalid");
      }
    }
  }

  refresh();
  return {
    element,
    refresh,
    show,
    place: (key) => places.get(key),
    release: () => context.sections.forEach((section) => section.release()),
  };
}
