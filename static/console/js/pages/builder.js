// The campaign builder: one page of sections (stores, products and questions, photos, time and
// pay, window, instructions). The pay check asks the API (POST /campaigns/quote) as the brand types, so the
// rule lives in one place; errors come back as an error summary linking to each field.
import { api } from "../api.js";
import { announce, fill, h } from "/static/common/js/dom.js";
import { allStores } from "../desk.js";
import { field as labelledField } from "../forms.js";
import { t, time, toMajor, toMinor } from "../i18n.js";
import { errorSummary, fieldErrors } from "./builder-errors.js";
import { payCheck } from "./builder-pay.js";
import { DEFAULT_QUESTIONS, questionsEditor } from "./builder-questions.js";
import { pickStores } from "./builder-stores.js";
import { scheduleField, scheduleInput, scheduleOf } from "./builder-schedule.js";
import { pageStart } from "./common.js";

const DAY_MS = 86_400_000;
// Fields a published campaign may still change (PATCH /campaigns/{id}): a later end, a higher
// reward, more stores.
const PUBLISHED_EDITABLE = ["reward", "ends_at", "store_ids"];

/** An ISO date as a datetime-local input shows it, in the reader's time zone. */
function localInput(value) {
  const date = new Date(value);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function field(name, label, control, hint) {
  return labelledField("builder", name, label, control, hint);
}

function section(id, heading, ...children) {
  return h("section.builder-section", { "aria-labelledby": id }, h("h2", { id }, heading), ...children);
}

/** "SKU, name" per line → [{sku, name}]; a line without a comma is its own SKU and name. */
function parseProducts(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
    const cut = line.search(/[,\t;]/);
    if (cut < 0) return { sku: line, name: line };
    return { sku: line.slice(0, cut).trim(), name: line.slice(cut + 1).trim() };
  });
}

export default {
  path: "#/builder",
  title: t("builder.title"),
  roles: ["brand"],
  async render(main, { rest, navigate }) {
    const editing = rest[0] || null;
    const page = pageStart(main, editing ? t("builder.editHeading") : t("builder.newHeading"), "#/campaigns");
    let stores;
    let campaign = null;
    let chosenIds = [];
    try {
      stores = await allStores();
      if (editing) {
        campaign = await api(`/campaigns/${encodeURIComponent(editing)}`);
        const results = await api(`/campaigns/${encodeURIComponent(editing)}/results`);
        chosenIds = [...new Set(results.items.map((item) => item.store.id))]; // once, whatever its rounds
      }
    } catch (problem) {
      page.fail(problem);
      return undefined;
    }
    if (campaign && campaign.status === "cancelled") {
      page.fail({ message: t("builder.cancelled") });
      return undefined;
    }
    return builder(main, { stores, campaign, chosenIds, navigate });
  },
};

/** The builder's controls, filled from `campaign` (a draft or a published one) if any. */
function inputsFor(campaign, currency) {
  const now = new Date();
  const inputs = {
    name: h("input", { type: "text", value: campaign?.name || "", autocomplete: "off", required: true }),
    products: h("textarea", { rows: 4 }),
    photos_required: h("input", { type: "number", min: 0, max: 10, step: 1, value: campaign?.photos_required ?? 2, inputmode: "numeric" }),
    photo_instructions: h("textarea", { rows: 2 }),
    est_minutes: h("input", { type: "number", min: 1, step: 1, value: campaign?.est_minutes ?? 20, inputmode: "numeric" }),
    reward: h("input", { type: "text", inputmode: "decimal", value: campaign ? toMajor(campaign.reward.amount_minor, currency) : "", autocomplete: "off" }),
    starts_at: h("input", { type: "datetime-local", value: localInput(campaign?.starts_at || now) }),
    ends_at: h("input", { type: "datetime-local", value: localInput(campaign?.ends_at || new Date(now.getTime() + 14 * DAY_MS)) }),
    instructions: h("textarea", { rows: 4 }),
    review_required: h("input", { type: "checkbox", checked: campaign?.review_required || false }),
    schedule: scheduleInput(campaign),
  };
  inputs.products.value = (campaign?.products || []).map((p) => `${p.sku}, ${p.name}`).join("\n");
  inputs.photo_instructions.value = campaign?.photo_instructions || "";
  inputs.instructions.value = campaign?.instructions || "";
  if (campaign?.status === "published") {
    for (const [name, input] of Object.entries(inputs)) {
      if (!PUBLISHED_EDITABLE.includes(name)) input.disabled = true;
    }
  }
  return inputs;
}

/** The form as a request body ({data}), or what keeps it from being one ({problems}). */
function readForm(inputs, storePicker, questions, currency) {
  const problems = {};
  const reward = toMinor(inputs.reward.value, currency);
  if (reward === null) problems.reward = [t("builder.rewardNotMoney")];
  const minutes = Number(inputs.est_minutes.value);
  if (!Number.isInteger(minutes) || inputs.est_minutes.value === "") problems.est_minutes = [t("builder.notWhole")];
  const photos = Number(inputs.photos_required.value);
  if (!Number.isInteger(photos) || inputs.photos_required.value === "") problems.photos_required = [t("builder.notWhole")];
  for (const name of ["starts_at", "ends_at"]) {
    if (!inputs[name].value) problems[name] = [t("builder.noDate")];
  }
  Object.assign(problems, questions.problems());
  if (Object.keys(problems).length) return { problems };
  return {
    data: {
      name: inputs.name.value.trim(),
      products: parseProducts(inputs.products.value),
      questions: questions.read(),
      photos_required: photos,
      photo_instructions: inputs.photo_instructions.value.trim() || null,
      est_minutes: minutes,
      reward: { amount_minor: reward, currency },
      starts_at: new Date(inputs.starts_at.value).toISOString(),
      ends_at: new Date(inputs.ends_at.value).toISOString(),
      store_ids: storePicker.ids(),
      instructions: inputs.instructions.value.trim(),
      review_required: inputs.review_required.checked,
      schedule: scheduleOf(inputs.schedule),
    },
  };
}

/** Draw the builder and wire its saving; returns what to stop when the reader leaves. */
function builder(main, { stores, campaign, chosenIds, navigate }) {
  const published = campaign?.status === "published";
  const currency = campaign?.reward.currency || "EUR";
  const state = { id: campaign?.id || null };
  const summary = h("div");

  const inputs = inputsFor(campaign, currency);
  const storePicker = pickStores({ stores, chosenIds, published });
  const pay = payCheck({
    reward: inputs.reward,
    minutes: inputs.est_minutes,
    currency,
    // The form's time counts: its questions, each per-product one once per product.
    form: () => {
      const products = parseProducts(inputs.products.value);
      return { questions: questions.read(), products: products.length ? products : null };
    },
  });
  const questions = questionsEditor({
    questions: campaign?.questions || DEFAULT_QUESTIONS,
    fixed: published,
    onChange: () => pay.soon(),
  });
  inputs.products.addEventListener("input", () => pay.soon());
  const form = h("form.builder", { novalidate: true },
    section("builder-h-name", t("builder.about"),
      field("name", t("builder.name"), inputs.name)),
    section("builder-h-stores", t("builder.storesHeading"), storePicker.element),
    section("builder-h-products", t("questions.heading"),
      field("products", t("builder.products"), inputs.products, t("builder.productsHint")),
      h("h3", t("questions.list")),
      questions.element),
    section("builder-h-photos", t("builder.photosHeading"),
      field("photos_required", t("builder.photosRequired"), inputs.photos_required),
      field("photo_instructions", t("builder.photoInstructions"), inputs.photo_instructions, t("builder.photoInstructionsHint"))),
    section("builder-h-pay", t("builder.payHeading"),
      field("est_minutes", t("builder.estimate"), inputs.est_minutes, t("builder.estimateHint")),
      field("reward", t("builder.reward", { currency }), inputs.reward, t("builder.rewardHint"))),
    section("builder-h-window", t("builder.windowHeading"),
      field("starts_at", t("builder.startsAt"), inputs.starts_at),
      field("ends_at", t("builder.endsAt"), inputs.ends_at),
      scheduleField(inputs.schedule)),
    section("builder-h-instructions", t("builder.instructionsHeading"),
      field("instructions", t("builder.instructions"), inputs.instructions, t("builder.instructionsHint")),
      h("div.field", { dataset: { field: "review_required" } },
        h("span.check", inputs.review_required, h("label", { for: "builder-review_required" }, t("builder.reviewRequired"))))),
    // The pay check stays in view, with the buttons, wherever the brand is on the page.
    h("div.toolbar.builder-actions",
      pay.element,
      published
        ? h("button.primary", { type: "submit", value: "save" }, t("builder.saveChanges"))
        : [h("button", { type: "submit", value: "draft" }, t("builder.saveDraft")),
          h("button.primary", { type: "submit", value: "publish" }, t("builder.publish"))],
      h("a", { href: state.id ? `#/campaign/${encodeURIComponent(state.id)}` : "#/campaigns" }, t("builder.leave"))));
  inputs.review_required.id = "builder-review_required";
  // The reward's description includes the pay check, so its verdict is read with the field.
  inputs.reward.setAttribute("aria-describedby", `${inputs.reward.getAttribute("aria-describedby")} pay-check`);

  main.append(summary, form);
  storePicker.shown();
  pay.quote();

  // What a published campaign's edit sends: only what changed (the inputs show minutes, so
  // an untouched end date would otherwise come back seconds earlier: "ending sooner").
  function publishedChanges(data) {
    const changes = {};
    if (inputs.ends_at.value !== localInput(campaign.ends_at)) changes.ends_at = data.ends_at;
    if (data.reward.amount_minor !== campaign.reward.amount_minor) changes.reward = data.reward;
    if (data.store_ids.some((id) => !chosenIds.includes(id))) changes.store_ids = data.store_ids;
    return changes;
  }

  function showErrors(errors, error) {
    fill(summary, errorSummary(form, errors, error));
    summary.querySelector(".error-summary")?.focus();
  }

  async function save(action) {
    const { data, problems } = readForm(inputs, storePicker, questions, currency);
    if (problems) {
      showErrors(problems, null);
      return;
    }
    const sent = published ? publishedChanges(data) : data;
    let saved;
    if (state.id) {
      saved = await api(`/campaigns/${encodeURIComponent(state.id)}`, { method: "PATCH", body: sent });
    } else {
      saved = await api("/campaigns", { method: "POST", body: sent });
      state.id = saved.id;
      // The address now names the draft, without drawing the page again.
      window.history.replaceState(null, "", `#/builder/${encodeURIComponent(saved.id)}`);
    }
    if (action === "publish") {
      await api(`/campaigns/${encodeURIComponent(state.id)}/publish`, { method: "POST" });
      announce(t("builder.published"));
      navigate(`#/campaign/${encodeURIComponent(state.id)}`);
      return;
    }
    if (published) {
      announce(t("builder.changesSaved"));
      navigate(`#/campaign/${encodeURIComponent(state.id)}`);
      return;
    }
    fieldErrors(form, {});
    fill(summary, h("p.message", { role: "status" }, t("builder.draftSaved", { time: time(new Date()) })));
    announce(t("builder.draftSavedShort"));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const buttons = [...form.querySelectorAll("button[type=submit]")];
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await save(event.submitter?.value || "draft");
    } catch (problem) {
      showErrors(problem.problem?.errors || {}, problem);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });

  return pay.stop;
}
