// Doing the task: the form's questions (questions.js: a count with − / + steppers, an
// out-of-stock toggle, choices, a price, a photo, a barcode...), the photos (checked on the
// phone as they are taken), or the "store closed" path with one storefront photo; "Submit"
// puts it all in the device's queue, which uploads it and shows each photo's progress. Everything typed or photographed is kept in IndexedDB as it is
// entered: a reload, a closed app, a lost network loses nothing.
import { api } from "../api.js";
import { loadDraft, saveDraft } from "../drafts.js";
import { announce, fill, h } from "/static/common/js/dom.js";
import { collect, placeErrors, upgradeDraft } from "../answers.js";
import { errorSummary } from "../form.js";
import { placeName, questionForm } from "../questions.js";
import { dateTime, t } from "../i18n.js";
import { locate } from "../position.js";
import { discard, enqueue, list, subscribe } from "../queue.js";
import { photoRules, photoSection } from "./task-photos.js";
import { queueItem, refusedAnswers } from "./uploads.js";
import "../../strings/task.js";

/** The claim with its store and task (GET /assignments/{id}); offline, the copy kept in the
 * draft. Null when it is not the worker's. */
async function assignmentOf(assignmentId, draft) {
  try {
    return await api(`/assignments/${encodeURIComponent(assignmentId)}`);
  } catch (error) {
    if (error.status === 404 || error.status === 403) return null;
    if (draft?.assignment) return draft.assignment;
    throw error;
  }
}

function newDraft(assignment) {
  return {
    assignmentId: assignment.id,
    assignment,
    outcome: "completed",
    answers: {},
    answerPhotos: {},
    photos: [],
    storefront: null,
    position: null,
    currency: null,
    blobs: {},
  };
}

/** The campaign's currency, which a price is typed in (the mission's reward's); offline, the
 * one kept in the draft. Only asked for when the form has a price. */
async function currencyOf(assignment, task, draft) {
  if (!(task.questions || []).some((q) => q.type === "price")) return null;
  try {
    const mission = await api(`/missions/${encodeURIComponent(assignment.mission_id)}`);
    return mission.reward?.currency || draft.currency;
  } catch {
    return draft.currency;
  }
}

/** The photos the task still lacks, in words; null when there are enough. */
function lackingPhotos(draft, task) {
  if (draft.outcome === "store_closed") {
    return draft.storefront ? null : t("task.needPhotos", { count: 1 });
  }
  const lacking = Math.max(1, task.photos_required || 1) - draft.photos.length;
  return lacking > 0 ? t("task.needPhotos", { count: lacking }) : null;
}

/** Follow a queued submission's progress, photo by photo, in `target`; `reopen()` when the
 * server refuses its answers (the form opens again, to correct them). Returns unsubscribe. */
function follow(target, queuedId, reopen = null) {
  const stop = subscribe((items) => {
    const item = items.find((entry) => entry.id === queuedId);
    if (item && reopen && refusedAnswers(item)) {
      stop();
      reopen();
    } else if (item) fill(target, queueItem(item, { heading: "h2" }));
  });
  return stop;
}

/** The task already submitted from this phone: its upload, followed live. */
function showQueued(main, item, reopen) {
  const progress = h("div");
  fill(main,
    h("h1", t("task.title")),
    h("p.message", t("task.queued")),
    progress,
    h("p", h("a", { href: "#/uploads" }, t("task.uploads"))),
  );
  return follow(progress, item.id, reopen);
}

/** The task's form in `main`: the questions, the photos, "Submit". */
async function showForm(main, { assignment, draft, refused, error, reopen }) {
  const { assignmentId } = draft;
  const task = assignment.task || { products: [], questions: [], photos_required: 1 };
  const questions = task.questions || [];
  const products = task.products || [];
  const rules = await photoRules();
  draft.currency = await currencyOf(assignment, task, draft);
  let saving = Promise.resolve();
  const save = () => {
    saving = saving.then(() => saveDraft(draft)).catch((problem) => console.warn(problem));
    return saving;
  };
  await save();
  // The position is asked for now, so that it is there when the worker submits.
  locate().then((point) => { draft.position = point; save(); }).catch(() => {});

  const form = h("form.task", { novalidate: true });
  const summary = h("div");
  const photosTarget = h("div");
  const storefrontTarget = h("div");
  const status = h("div.queue-status");
  const submit = h("button.primary.wide", { type: "submit" }, t("task.submit"));
  const storefront = { list: draft.storefront ? [draft.storefront] : [] };
  const saveStorefront = () => {
    draft.storefront = storefront.list[0] || null;
    return save();
  };
  const since = assignment.created_at;
  const asked = questionForm({ questions, products, draft, save, currency: draft.currency, photos: { rules, since } });
  const sections = [
    photoSection({ target: photosTarget, draft, list: draft.photos, rules, since, save, label: t("task.takePhoto") }),
    photoSection({ target: storefrontTarget, draft, list: storefront.list, rules, since, save: saveStorefront, label: t("task.takeStorefront"), max: 1 }),
  ];
  const closedToggle = h("button.secondary", { type: "button", "aria-pressed": String(draft.outcome === "store_closed") });

  /** Say what is wrong: at each question, and in the summary at the top linking to them. */
  function complain(byKey, title) {
    asked.show(byKey);
    const links = Object.entries(byKey).map(([key, text]) => ({ text, target: asked.place(key)?.focus }))
      .filter((item) => item.target);
    fill(summary, links.length ? errorSummary(title, links) : null);
    summary.firstChild?.focus();
  }

  function draw() {
    const closed = draft.outcome === "store_closed";
    closedToggle.setAttribute("aria-pressed", String(closed));
    fill(closedToggle, closed ? t("task.closedBack") : t("task.closed"));
    fill(form,
      summary,
      closed
        ? h("section", h("h2", t("task.storefront")), h("p", t("task.closedIntro")), storefrontTarget)
        : [
          asked.element,
          h("section", h("h2", t("task.photos")),
            h("p", t("task.photosRequired", { count: Math.max(1, task.photos_required || 1) })),
            task.photo_instructions ? h("p.hint", t("task.photoInstructions", { text: task.photo_instructions })) : null,
            photosTarget),
        ],
      error,
      submit,
    );
  }

  closedToggle.addEventListener("click", () => {
    draft.outcome = draft.outcome === "store_closed" ? "completed" : "store_closed";
    fill(summary);
    save();
    draw();
  });

  let unsubscribe = () => {};
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    fill(error);
    const closed = draft.outcome === "store_closed";
    const collected = closed ? { answers: [], problems: [], photoKeys: [] }
      : collect(questions, products, draft, { currency: draft.currency, firstPhoto: draft.photos.length });
    const byKey = Object.fromEntries(collected.problems.map(({ key, question, product, problem }) =>
      [key, t(problem, { name: placeName(question, product) })]));
    complain(byKey, t("answer.summary"));
    const lacking = lackingPhotos(draft, task);
    if (collected.problems.length || lacking) {
      if (lacking) fill(error, lacking);
      return;
    }
    submit.disabled = true;
    fill(submit, t("task.submitting"));
    try {
      let position = draft.position;
      if (!position) {
        fill(status, h("p.muted", t("task.locating")));
        position = await locate({ timeout: 15000 }).catch(() => null);
      }
      if (!position) throw new Error(t("task.needPosition"));
      const shots = closed ? [draft.storefront.key] : [...draft.photos.map((p) => p.key), ...collected.photoKeys];
      if (refused) await discard(refused.id); // its answers were refused: this one replaces it
      // The draft stays until the server takes the declaration (queue.js drops it then): a
      // refusal of the answers opens this form again, everything still in it.
      const queuedId = await enqueue({
        assignmentId,
        answers: collected.answers,
        photos: shots.map((key) => draft.blobs[key]),
        position: { latitude: position.latitude, longitude: position.longitude, accuracy_m: position.accuracy_m || 1 },
        outcome: draft.outcome,
        capturedAt: new Date().toISOString(),
      });
      form.hidden = true;
      closedToggle.hidden = true;
      fill(status, h("p.message", t("task.queued")));
      announce(t("task.queued"));
      const progress = h("div");
      status.append(progress, h("p", h("a", { href: "#/uploads" }, t("task.uploads"))));
      unsubscribe = follow(progress, queuedId, reopen);
    } catch (problem) {
      fill(error, problem.message);
      fill(submit, t("task.submit"));
      submit.disabled = false;
    }
  });

  draw();
  fill(main,
    h("h1", assignment.store?.name || t("task.title")),
    assignment.store?.address ? h("p.muted", assignment.store.address) : null,
    h("p.muted", t("task.expiresAt", { time: dateTime(assignment.expires_at) })),
    task.instructions ? h("section", h("h2", t("task.instructions")), h("p", task.instructions)) : null,
    h("p.hint", t("task.draftKept")),
    closedToggle,
    form,
    status,
  );
  if (refused) {
    // The server's reasons are for programs ("Money: {amount_minor, currency}..."): the
    // worker is told which answer, in words, and checks it.
    const placed = placeErrors(refused.reason.errors, questions, products);
    complain(Object.fromEntries(Object.keys(placed).map((key) => {
      const { question, product } = asked.place(key);
      return [key, t("answer.refused", { name: placeName(question, product) })];
    })), t("answer.server"));
  }
  return () => {
    unsubscribe();
    asked.release();
    for (const section of sections) section.release();
  };
}

/** The task of `assignmentId` in `main`, as it stands: queued, or the form (again, when the
 * server refused its answers: `reopen` draws it anew). Returns the screen's cleanup. */
async function openTask(main, assignmentId, reopen) {
  const error = h("p.error", { role: "alert" });
  fill(main, h("h1", t("task.title")), h("p.muted", t("task.loading")), error);
  const queued = (await list()).filter((item) => item.assignmentId === assignmentId).at(-1);
  let draft = await loadDraft(assignmentId).catch(() => null);
  // Answers the server refused open the form again (the draft kept them), each at its question.
  const refused = draft && refusedAnswers(queued) ? queued : null;
  if (queued && !refused) return showQueued(main, queued, draft ? reopen : null);
  let assignment;
  try {
    assignment = await assignmentOf(assignmentId, draft);
  } catch (problem) {
    fill(error, problem.message);
    return undefined;
  }
  if (!assignment) {
    fill(main, h("h1", t("task.title")), h("p", t("task.notFound")), h("p", h("a", { href: "#/uploads" }, t("task.uploads"))));
    return undefined;
  }
  if (assignment.status !== "active") {
    fill(main, h("h1", assignment.store?.name || t("task.title")),
      h("p", t("task.notActive", { status: assignment.status })), h("p", h("a", { href: "#/uploads" }, t("task.uploads"))));
    return undefined;
  }
  draft = upgradeDraft(draft || newDraft(assignment));
  draft.assignment = assignment;
  return showForm(main, { assignment, draft, refused, error, reopen });
}

export default {
  path: "#/task/:assignmentId",
  title: () => t("task.title"),
  async render(main, { assignmentId }) {
    let cleanup = () => {};
    const open = async () => {
      cleanup();
      cleanup = (await openTask(main, assignmentId, open)) || (() => {});
    };
    await open();
    return () => cleanup();
  },
};
