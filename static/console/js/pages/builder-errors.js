// The builder's names for the API's fields, on the console's one way of showing errors
// (../forms.js): its controls' ids are `builder-<field>`, a question's `builder-questions.<i>.<field>`.
import { errorSummary as summaryOf, markFields, problemFields } from "../forms.js";
import { money, t } from "../i18n.js";

const IDS = "builder";

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

/** The builder's fields in error, each with its messages. */
function byField(errors, problem) {
  const found = problemFields({ errors }, owner);
  // The floor's message in minor units helps a program; people get the reward in money.
  if (found.reward && problem?.code === "below_pay_floor" && problem.least_reward) {
    found.reward = [t("builder.rewardAtLeast", { least: money(problem.least_reward) })];
  }
  return found;
}

/** Mark each field of `form` in error (message beside it, aria-invalid), clear the others. */
export function fieldErrors(form, errors, problem = null) {
  markFields(form, byField(errors, problem), { ids: IDS });
}

/** The summary of the builder's errors (an ApiError's sentence too), each linked to its field. */
export function errorSummary(form, errors, error) {
  return summaryOf(form, byField(errors, error?.problem || null),
    { error, ids: IDS, titleId: "error-summary-title" });
}
