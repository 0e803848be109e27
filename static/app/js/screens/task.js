// Doing the task: a count per product (number with − / + steppers and an out-of-stock
// toggle), the photos (checked on the phone as they are taken), or the "store closed" path
// with one storefront photo; "Submit" puts it all in the device's queue, which uploads it and
// shows each photo's progress. Everything typed or photographed is kept in IndexedDB as it is
// entered: a reload, a closed app, a lost network loses nothing.
import { api } from "../api.js";
import { deleteDraft, loadDraft, saveDraft } from "../drafts.js";
import { announce, fill, h, uid } from "/static/common/js/dom.js";
import { dateTime, t } from "../i18n.js";
import { locate } from "../position.js";
import { enqueue, list, subscribe } from "../queue.js";
import { photoRules, photoSection } from "./task-photos.js";
import { queueItem } from "./uploads.js";
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
    counts: {},
    photos: [],
    storefront: null,
    position: null,
    blobs: {},
  };
}

function stepper(product, state, changed) {
  const id = uid("count");
  const input = h("input", { id, type: "number", inputmode: "numeric", min: 0, step: 1, value: state.count ?? "" });
  const set = (value) => {
    state.count = value === "" || Number.isNaN(value) ? null : Math.max(0, value);
    input.value = state.count ?? "";
    changed();
  };
  input.addEventListener("input", () => set(input.value === "" ? "" : Math.trunc(Number(input.value))));
  const less = h("button.step", { type: "button", "aria-label": t("task.less", { name: product.name }) }, "−");
  const more = h("button.step", { type: "button", "aria-label": t("task.more", { name: product.name }) }, "+");
  less.addEventListener("click", () => set((state.count ?? 1) - 1));
  more.addEventListener("click", () => set((state.count ?? 0) + 1));
  const outId = uid("oos");
  const out = h("input", { id: outId, type: "checkbox", checked: state.out_of_stock || null });
  const sync = () => {
    for (const control of [input, less, more]) control.disabled = state.out_of_stock;
  };
  out.addEventListener("change", () => {
    state.out_of_stock = out.checked;
    if (out.checked) set(0);
    sync();
    changed();
  });
  sync();
  return h("fieldset.product",
    h("legend", product.name, product.sku !== product.name ? [" ", h("span.muted", product.sku)] : null),
    h("label", { for: id }, t("task.count", { name: product.name })),
    h("div.stepper", less, input, more),
    h("div.toggle", out, h("label", { for: outId }, t("task.outOfStock"))),
  );
}

/** What is still missing before the draft can be submitted, in words; null when nothing. */
function missing(draft, task) {
  if (draft.outcome === "store_closed") {
    return draft.storefront ? null : t("task.needPhotos", { count: 1 });
  }
  const unanswered = task.products.filter((p) => {
    const state = draft.counts[p.sku] || {};
    return !state.out_of_stock && !Number.isInteger(state.count);
  });
  if (unanswered.length) return t("task.needCounts", { names: unanswered.map((p) => p.name).join(", ") });
  const lacking = Math.max(1, task.photos_required || 1) - draft.photos.length;
  return lacking > 0 ? t("task.needPhotos", { count: lacking }) : null;
}

function answersOf(draft, task) {
  if (draft.outcome === "store_closed") return [];
  return task.products.map((p) => {
    const state = draft.counts[p.sku];
    return { sku: p.sku, count: state.out_of_stock ? 0 : state.count, out_of_stock: Boolean(state.out_of_stock) };
  });
}

/** Follow a queued submission's progress, photo by photo, in `target`; returns unsubscribe. */
function follow(target, queuedId) {
  return subscribe((items) => {
    const item = items.find((entry) => entry.id === queuedId);
    if (item) fill(target, queueItem(item, { heading: "h2" }));
  });
}

/** The task already submitted from this phone: its upload, followed live. */
function showQueued(main, item) {
  const progress = h("div");
  fill(main,
    h("h1", t("task.title")),
    h("p.message", t("task.queued")),
    progress,
    h("p", h("a", { href: "#/uploads" }, t("task.uploads"))),
  );
  return follow(progress, item.id);
}

export default {
  path: "#/task/:assignmentId",
  title: () => t("task.title"),
  async render(main, { assignmentId }) {
    const error = h("p.error", { role: "alert" });
    fill(main, h("h1", t("task.title")), h("p.muted", t("task.loading")), error);
    const queued = (await list()).filter((item) => item.assignmentId === assignmentId).at(-1);
    if (queued) return showQueued(main, queued);
    let draft = await loadDraft(assignmentId).catch(() => null);
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
    draft = draft || newDraft(assignment);
    draft.assignment = assignment;
    const task = assignment.task || { products: [], photos_required: 1 };
    const rules = await photoRules();
    let saving = Promise.resolve();
    const save = () => {
      saving = saving.then(() => saveDraft(draft)).catch((problem) => console.warn(problem));
      return saving;
    };
    await save();
    // The position is asked for now, so that it is there when the worker submits.
    locate().then((point) => { draft.position = point; save(); }).catch(() => {});

    const form = h("form.task", { novalidate: true });
    const photosTarget = h("div");
    const storefrontTarget = h("div");
    const status = h("div.queue-status");
    const submit = h("button.primary.wide", { type: "submit" }, t("task.submit"));
    const shelfPhotos = { list: draft.photos };
    const storefront = { list: draft.storefront ? [draft.storefront] : [] };
    const saveStorefront = () => {
      draft.storefront = storefront.list[0] || null;
      return save();
    };
    const sections = [
      photoSection({ target: photosTarget, draft, list: shelfPhotos.list, rules, since: assignment.created_at, save, label: t("task.takePhoto") }),
      photoSection({ target: storefrontTarget, draft, list: storefront.list, rules, since: assignment.created_at, save: saveStorefront, label: t("task.takeStorefront"), max: 1 }),
    ];
    const closedToggle = h("button.secondary", { type: "button", "aria-pressed": String(draft.outcome === "store_closed") });

    function draw() {
      const closed = draft.outcome === "store_closed";
      closedToggle.setAttribute("aria-pressed", String(closed));
      fill(closedToggle, closed ? t("task.closedBack") : t("task.closed"));
      fill(form,
        closed
          ? h("section", h("h2", t("task.storefront")), h("p", t("task.closedIntro")), storefrontTarget)
          : [
            h("section", h("h2", t("task.products")), h("p.hint", t("task.counting")),
              task.products.map((product) => stepper(product, draft.counts[product.sku] ||= {}, save))),
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
      save();
      draw();
    });

    let unsubscribe = () => {};
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      fill(error);
      const lacking = missing(draft, task);
      if (lacking) {
        fill(error, lacking);
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
        const closed = draft.outcome === "store_closed";
        const photos = (closed ? [draft.storefront] : draft.photos).map((p) => draft.blobs[p.key]);
        const queuedId = await enqueue({
          assignmentId,
          answers: answersOf(draft, task),
          photos,
          position: { latitude: position.latitude, longitude: position.longitude, accuracy_m: position.accuracy_m || 1 },
          outcome: draft.outcome,
          capturedAt: new Date().toISOString(),
        });
        await deleteDraft(assignmentId);
        form.hidden = true;
        closedToggle.hidden = true;
        fill(status, h("p.message", t("task.queued")));
        announce(t("task.queued"));
        const progress = h("div");
        status.append(progress, h("p", h("a", { href: "#/uploads" }, t("task.uploads"))));
        unsubscribe = follow(progress, queuedId);
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
    return () => {
      unsubscribe();
      for (const section of sections) section.release();
    };
  },
};
