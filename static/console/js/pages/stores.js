// The brand's stores: a CSV import that runs as a task (a progress bar, then each bad line's
// error), the stores on a map, and the list a page at a time.
import { api } from "../api.js";
import { fill, h, uid } from "/static/common/js/dom.js";
import { allStores, say, storesMap, wide } from "../desk.js";
import { number, t } from "../i18n.js";
import { pageStart, table } from "./common.js";

const POLL_MS = 700;
// The import under way, so that leaving the page and coming back shows it again.
const RUNNING_KEY = "fairfield.storeImport";
const LIST_PAGE = 50;

export default {
  path: "#/stores",
  title: t("stores.title"),
  roles: ["brand"],
  nav: t("nav.stores"),
  async render(main) {
    const page = pageStart(main, t("stores.heading"));
    const mapBox = h("div");
    const list = h("div");
    const importer = importSection(() => refresh());
    main.append(importer.element, mapBox,
      h("section", { "aria-labelledby": "stores-list-heading" },
        h("h2", { id: "stores-list-heading" }, t("stores.list")), list));

    async function refresh() {
      try {
        const stores = await allStores();
        fill(mapBox, stores.length
          ? storesMap(stores, { heading: t("stores.mapHeading", { count: stores.length }) }).element
          : null);
        await showList(list, null, []);
      } catch (problem) {
        page.fail(problem);
      }
    }
    await refresh();
    return () => importer.stop();
  },
};

/** The list, LIST_PAGE stores at a time, with "Show more" while the API has more. */
async function showList(list, cursor, shown) {
  const answer = await api("/stores", { query: { limit: LIST_PAGE, cursor } });
  const stores = [...shown, ...answer.items];
  if (!stores.length) {
    fill(list, h("p", t("stores.empty")));
    return;
  }
  const more = answer.next_cursor
    ? h("button", { type: "button", onclick: () => showList(list, answer.next_cursor, stores) }, t("stores.more"))
    : null;
  fill(list,
    wide(table(t("stores.caption", { count: stores.length }), [
      [t("stores.name"), (s) => s.name],
      [t("stores.chain"), (s) => s.chain || ""],
      [t("stores.address"), (s) => s.address || ""],
      [t("stores.reference"), (s) => s.external_ref || ""],
      [t("stores.position"), (s) => `${number(s.latitude, 5)}, ${number(s.longitude, 5)}`],
    ], stores)),
    more);
}

/** "Import stores": choose a CSV, send it, follow the task's progress, list the bad lines. */
function importSection(imported) {
  const fileId = uid();
  const file = h("input", { id: fileId, type: "file", accept: ".csv,text/csv", "aria-describedby": `${fileId}-hint` });
  const progress = h("progress", { max: 1, value: 0, "aria-label": t("stores.importProgress") });
  const words = h("p", { role: "status", "aria-live": "polite" });
  const errors = h("div");
  const status = h("div.import-status", { hidden: true }, progress, words, errors);
  const button = h("button.primary", { type: "submit" }, t("stores.import"));
  const problem = h("p.error", { role: "alert" });
  let timer = null;
  const form = h("form.card", { novalidate: true },
    h("h2", t("stores.importHeading")),
    h("div.field",
      h("label", { for: fileId }, t("stores.file")),
      h("p.muted.small", { id: `${fileId}-hint` }, t("stores.fileHint")),
      file),
    problem, button, status);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    fill(problem);
    if (!file.files.length) {
      fill(problem, t("stores.chooseFile"));
      file.focus();
      return;
    }
    const body = new FormData();
    body.append("file", file.files[0]);
    button.disabled = true;
    try {
      const job = await api("/stores/imports", { method: "POST", body });
      window.sessionStorage.setItem(RUNNING_KEY, job.id);
      show(job);
    } catch (error) {
      fill(problem, error.message);
      button.disabled = false;
    }
  });

  function show(job) {
    status.hidden = false;
    const total = job.total ?? 0;
    progress.max = Math.max(total, 1);
    progress.value = Math.min(job.processed, progress.max);
    const finished = job.status === "done" || job.status === "failed";
    say(words, finished
      ? t(`stores.import.${job.status}`, { created: job.created, updated: job.updated, errors: job.error_count, detail: job.detail || "" })
      : t("stores.import.progress", { processed: job.processed, total: job.total ?? "…" }));
    fill(errors, job.errors.length ? wide(table(t("stores.importErrors", { count: job.error_count }), [
      [t("stores.line"), (e) => String(e.line)],
      [t("stores.field"), (e) => e.field || t("stores.wholeLine")],
      [t("stores.problem"), (e) => e.detail],
    ], job.errors)) : null);
    if (!finished) {
      timer = window.setTimeout(() => poll(job.id), POLL_MS);
      return;
    }
    button.disabled = false;
    progress.value = progress.max;
    window.sessionStorage.removeItem(RUNNING_KEY);
    imported();
  }

  async function poll(id) {
    try {
      show(await api(`/stores/imports/${encodeURIComponent(id)}`));
    } catch (error) {
      window.sessionStorage.removeItem(RUNNING_KEY);
      fill(problem, error.message);
      button.disabled = false;
    }
  }

  const running = window.sessionStorage.getItem(RUNNING_KEY);
  if (running) {
    button.disabled = true;
    poll(running);
  }
  return { element: form, stop: () => window.clearTimeout(timer) };
}
