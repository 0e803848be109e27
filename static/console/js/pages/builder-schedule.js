// The builder's schedule: "Repeat every (days)", empty for one round. The builder calls these
// three where it builds its inputs, its fields and its request body; a published campaign's
// schedule is fixed (the builder disables every input a published edit may not change).
import { h } from "/static/common/js/dom.js";
import { t } from "../i18n.js";

/** The input, filled from the campaign's schedule if it has one. */
export function scheduleInput(campaign) {
  return h("input", {
    type: "number",
    min: 1,
    max: 365,
    step: 1,
    inputmode: "numeric",
    value: campaign?.schedule?.every_days ?? "",
  });
}

/** The field around it, as the builder's others: label, hint, error slot. The error summary
 * links `schedule.every_days` here (its field is "schedule"). */
export function scheduleField(input) {
  input.id = "builder-schedule";
  input.name = "schedule";
  input.setAttribute("aria-describedby", "builder-schedule-hint builder-schedule-error");
  return h("div.field", { dataset: { field: "schedule" } },
    h("label", { for: input.id }, t("rounds.repeatEvery")),
    h("p.muted.small", { id: "builder-schedule-hint" }, t("rounds.repeatHint")),
    h("p.field-error", { id: "builder-schedule-error" }),
    input);
}

/** The request's `schedule`: null when empty; a whole number goes as given, anything else
 * as typed so the server's 422 names the field in the error summary. */
export function scheduleOf(input) {
  const raw = input.value.trim();
  if (raw === "") return input.validity?.badInput ? { every_days: raw } : null;
  const days = Number(raw);
  return { every_days: Number.isFinite(days) ? days : raw };
}
