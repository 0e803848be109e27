// A campaign's form on its page: the questions in words, and the answers as the CSV has them,
// a column per question (per product for a question asked per product).
import { h } from "/static/common/js/dom.js";
import { wide } from "../desk.js";
import { language, money, number, t } from "../i18n.js";
import { table } from "./common.js";

/** An answer the way its question's type reads: yes/no, money, a date, a photo's link. */
function answerText(question, value, photos) {
  if (value === null || value === undefined) return "";
  switch (question.type) {
    case "yes_no": return value ? t("questions.yes") : t("questions.no");
    case "count": return number(value);
    case "price": return money(value);
    case "multiple_choice": return value.join(", ");
    case "date":
      return new Intl.DateTimeFormat(language(), { dateStyle: "medium", timeZone: "UTC" })
        .format(new Date(`${value}T00:00:00Z`));
    case "photo": {
      const photo = photos.find((p) => p.position === value);
      const name = t("form.photo", { index: number(value + 1) });
      if (!photo || photo.erased) return photo ? t("results.erased") : name;
      return h("a", { href: photo.url, target: "_blank", rel: "noopener noreferrer" }, name);
    }
    default: return String(value);
  }
}

/** The condition of `question` in words: "Only when “Out of stock” is yes." */
function conditionText(question, questions) {
  const target = questions.find((q) => q.id === question.show_if.question_id);
  let value = question.show_if.equals;
  if (typeof value === "boolean") value = value ? t("form.yes") : t("form.no");
  return t("form.showIf", { label: target ? target.label : question.show_if.question_id, value });
}

/** The section listing the campaign's questions in words, in order. */
export function formSection(questions) {
  const details = (q) => [
    q.options?.length ? t("form.options", { options: q.options.join(", ") }) : null,
    q.show_if ? conditionText(q, questions) : null,
  ].filter(Boolean).join(" ");
  return h("section", { "aria-labelledby": "campaign-form-heading" },
    h("h2", { id: "campaign-form-heading" }, t("form.heading")),
    wide(table(t("form.caption", { count: questions.length }), [
      [t("form.question"), (q) => q.label],
      [t("form.type"), (q) => t(`questions.type.${q.type}`)],
      [t("form.asked"), (q) => (q.per === "store" ? t("questions.perStore") : t("questions.perProduct"))],
      [t("form.required"), (q) => (q.required ? t("questions.yes") : t("questions.no"))],
      [t("form.details"), details],
    ], questions)));
}

/** A results table column per question, and per product for a question asked per product:
 * [[heading, item → cell], …], as the CSV's columns. */
export function answerColumns(questions, products) {
  const columns = [];
  for (const question of questions) {
    const skus = question.per === "store" ? [null] : products;
    for (const product of skus) {
      const heading = product
        ? t("form.perProductColumn", { label: question.label, product: product.name })
        : question.label;
      columns.push([heading, (item) => {
        const result = item.result;
        if (!result) return "";
        const given = (result.form_answers || []).find((a) => a.question_id === question.id
          && (product ? a.sku === product.sku : a.sku == null));
        return answerText(question, given?.value, result.photos || []);
      }]);
    }
  }
  return columns;
}
