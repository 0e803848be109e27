// The rules of a task's form on the phone, apart from the screen (no DOM): which question is
// asked for which product, whether its condition holds, what a typed answer is worth as the
// API's `{question_id, sku?, value}`, and what is still missing, in the server's own terms
// (backend/submissions/answers.py), so that the worker learns it in the aisle, not later.
import { toMinor } from "./i18n.js";

// The default form's questions (today's products): an old draft's counts mean these.
export const COUNT = "count";
export const OUT_OF_STOCK = "out_of_stock";
const BARCODE_LENGTHS = [8, 12, 13]; // EAN-8, UPC-A, EAN-13

/** The draft's key of one answer: the question, and the product for a question per product. */
export function keyOf(questionId, sku = null) {
  return `${questionId}|${sku ?? ""}`;
}

/** Every place `question` is asked: [{key, sku, product}], one per product or one for the store. */
export function placesOf(question, products) {
  if (question.per === "store") return [{ key: keyOf(question.id), sku: null, product: null }];
  return products.map((product) => ({ key: keyOf(question.id, product.sku), sku: product.sku, product }));
}

/** Whether the form counts facings and asks "out of stock" per product, as today's does: then
 * "out of stock" means a count of 0 and the count waits (the server's rule: true only at 0). */
export function couplesStock(questions) {
  const byId = Object.fromEntries(questions.map((q) => [q.id, q]));
  return byId[COUNT]?.per !== "store" && byId[OUT_OF_STOCK]?.per !== "store"
    && byId[COUNT]?.type === "count" && byId[OUT_OF_STOCK]?.type === "yes_no";
}

/** A draft made before forms ({counts: {sku: {count, out_of_stock}}}) in today's shape. */
export function upgradeDraft(draft) {
  draft.answers ||= {};
  draft.answerPhotos ||= {};
  for (const [sku, state] of Object.entries(draft.counts || {})) {
    if (Number.isInteger(state.count)) draft.answers[keyOf(COUNT, sku)] ??= state.count;
    if (state.out_of_stock !== undefined) draft.answers[keyOf(OUT_OF_STOCK, sku)] ??= Boolean(state.out_of_stock);
  }
  delete draft.counts;
  return draft;
}

/** An EAN-8, UPC-A or EAN-13 code whose last digit is its GS1 check digit. */
export function barcodeValid(digits) {
  if (!/^\d+$/.test(digits) || !BARCODE_LENGTHS.includes(digits.length)) return false;
  const body = [...digits.slice(0, -1)].reverse().map(Number);
  // GS1: from the right of the body, weights 3, 1, 3, ...
  const total = body.reduce((sum, digit, index) => sum + digit * (index % 2 === 0 ? 3 : 1), 0);
  return (10 - (total % 10)) % 10 === Number(digits.at(-1));
}

/** Whether an answer meets a condition's `equals` (a multiple choice: one of those chosen). */
function holds(target, value, equals) {
  if (value === null || value === undefined) return false;
  if (target.type === "multiple_choice") return Array.isArray(value) && value.includes(equals);
  return typeof value === typeof equals && value === equals;
}

/** {key: true|false}: whether each place is asked now. A condition holds on the earlier answer
 * (for the same product when that one is per product too); resting on one not asked, not. */
export function shownPlaces(questions, products, values) {
  const byId = Object.fromEntries(questions.map((q) => [q.id, q]));
  const asked = {};
  for (const question of questions) {
    for (const { key, sku } of placesOf(question, products)) {
      const condition = question.show_if;
      if (!condition) {
        asked[key] = true;
        continue;
      }
      const target = byId[condition.question_id];
      const targetKey = keyOf(condition.question_id, target?.per === "store" ? null : sku);
      asked[key] = Boolean(target) && Boolean(asked[targetKey])
        && holds(target, values[targetKey], condition.equals);
    }
  }
  return asked;
}

/** What the draft holds for each place, as a value the conditions read (typed text trimmed;
 * the coupled count is 0 when out of stock; a photo: whether there is one). */
export function currentValues(questions, products, draft) {
  const values = {};
  const coupled = couplesStock(questions);
  for (const question of questions) {
    for (const { key, sku } of placesOf(question, products)) {
      let value = draft.answers[key];
      if (question.type === "photo") value = draft.answerPhotos[key]?.length ? 0 : null;
      if (question.type === "yes_no" && question.id === OUT_OF_STOCK && coupled) value = Boolean(value);
      if (question.id === COUNT && coupled && draft.answers[keyOf(OUT_OF_STOCK, sku)]) value = 0;
      if (typeof value === "string") value = value.trim() || null;
      if (Array.isArray(value) && !value.length) value = null;
      values[key] = value ?? null;
    }
  }
  return values;
}

/** The API's value of one typed answer, or {problem} when it is not one (a word key). */
function valueOf(question, value, { currency, photoIndex }) {
  switch (question.type) {
    case "count":
      return Number.isInteger(value) && value >= 0 ? { value } : { problem: "answer.wholeNumber" };
    case "price": {
      if (!currency) return { problem: "answer.noCurrency" };
      const minor = toMinor(value, currency);
      return minor === null ? { problem: "answer.price" } : { value: { amount_minor: minor, currency } };
    }
    case "date":
      return /^\d{4}-\d{2}-\d{2}$/.test(value) ? { value } : { problem: "answer.date" };
    case "barcode":
      return barcodeValid(value) ? { value } : { problem: "answer.barcodeNamed" };
    case "photo":
      return { value: photoIndex };
    default:
      return { value };
  }
}

/** The submission's answers and, per place, what stops them: {answers, problems: [{key,
 * question, product, problem}], photoKeys}. Hidden questions are neither sent nor owed;
 * `photoKeys` are the question photos' draft keys, sent after the shelf photos (`firstPhoto`
 * is the index of the first), each answer naming its photo by that index. */
export function collect(questions, products, draft, { currency, firstPhoto }) {
  const values = currentValues(questions, products, draft);
  const asked = shownPlaces(questions, products, values);
  const answers = [];
  const problems = [];
  const photoKeys = [];
  for (const question of questions) {
    for (const { key, sku, product } of placesOf(question, products)) {
      if (!asked[key]) continue;
      if (values[key] === null) {
        if (question.required) problems.push({ key, question, product, problem: "answer.required" });
        continue;
      }
      const photo = question.type === "photo" ? draft.answerPhotos[key][0] : null;
      const found = valueOf(question, values[key], { currency, photoIndex: firstPhoto + photoKeys.length });
      if (found.problem) {
        problems.push({ key, question, product, problem: found.problem });
        continue;
      }
      if (photo) photoKeys.push(photo.key);
      answers.push(sku === null ? { question_id: question.id, value: found.value }
        : { question_id: question.id, sku, value: found.value });
    }
  }
  return { answers, problems, photoKeys };
}

/** The server's 422 `errors` spread over the places: {key: message}. A message for a product
 * starts with its sku ("A-1: Required."); one for no known place goes to the question's first. */
export function placeErrors(errors, questions, products) {
  const placed = {};
  for (const [field, messages] of Object.entries(errors || {})) {
    if (!field.startsWith("answers.")) continue;
    const question = questions.find((q) => q.id === field.slice("answers.".length));
    if (!question) continue;
    for (const message of [].concat(messages)) {
      const product = products.find((p) => String(message).startsWith(`${p.sku}: `));
      const key = product && question.per !== "store" ? keyOf(question.id, product.sku)
        : placesOf(question, products)[0]?.key;
      const text = product ? String(message).slice(product.sku.length + 2) : String(message);
      if (key) placed[key] = placed[key] ? `${placed[key]} ${text}` : text;
    }
  }
  return placed;
}
