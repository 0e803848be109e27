// One webhook's delivery log (#/webhooks/<id>): every attempt newest first, a page at a time,
// each message's latest attempt with "Redeliver" (202: "Redelivery queued", said and shown).
import { api } from "../api.js";
import { announce, fill, h } from "/static/common/js/dom.js";
import { wide } from "../desk.js";
import { dateTime, number, t } from "../i18n.js";
import { pageStart, table } from "./common.js";

const LOG_PAGE = 25;

/** Draw the delivery log of subscription `id` in `main`. */
export async function deliveryLog(main, id) {
  document.title = t("app.title", { page: t("log.title") });
  const page = pageStart(main, t("log.title"), "#/webhooks");
  let hook;
  try {
    const answer = await api("/webhooks");
    hook = answer.items.find((item) => item.id === id);
  } catch (problem) {
    page.fail(problem);
    return undefined;
  }
  if (!hook) {
    page.fail({ message: t("log.notFound") });
    return undefined;
  }
  fill(main.querySelector("h1"), t("log.heading", { url: hook.url }));
  const said = h("p", { role: "status" });
  const list = h("div");
  const refresh = h("button", { type: "button", onclick: () => { fill(said); show(null, []); } }, t("log.refresh"));
  main.append(h("p", hook.events.join(", ")), said, refresh, list);

  async function show(cursor, shown) {
    let answer;
    list.setAttribute("aria-busy", "true");
    try {
      answer = await api(`/webhooks/${encodeURIComponent(id)}/deliveries`, { query: { limit: LOG_PAGE, cursor } });
    } catch (problem) {
      page.fail(problem);
      return;
    } finally {
      list.removeAttribute("aria-busy");
    }
    const attempts = [...shown, ...answer.items];
    if (!attempts.length) {
      fill(list, h("p", t("log.empty")));
      return;
    }
    const more = answer.next_cursor
      ? h("button", { type: "button", onclick: () => show(answer.next_cursor, attempts) }, t("log.more"))
      : null;
    fill(list, attemptsTable(attempts, (attempt) => redeliver(attempt)), more);
  }

  async function redeliver(attempt) {
    try {
      await api(`/webhooks/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(attempt.id)}/redeliver`,
        { method: "POST" });
      fill(said, t("log.queued"));
      announce(t("log.queued"));
    } catch (problem) {
      fill(said);
      page.fail(problem);
    }
  }

  await show(null, []);
  return undefined;
}

/** The receiver's answer in words beside its code (never colour alone). */
function answered(attempt) {
  if (attempt.status_code === null || attempt.status_code === undefined) return h("span.bad", `✕ ${t("log.noAnswer")}`);
  const code = String(attempt.status_code);
  if (attempt.status_code >= 200 && attempt.status_code < 300) return h("span.ok", `✓ ${t("log.accepted", { code })}`);
  return h("span.bad", `✕ ${t("log.refused", { code })}`);
}

// Newest first: a message's first row is its latest attempt, the one "Redeliver" sits on.
function attemptsTable(attempts, redeliver) {
  const latest = new Set();
  const seen = new Set();
  for (const attempt of attempts) {
    if (!seen.has(attempt.message_id)) latest.add(attempt.id);
    seen.add(attempt.message_id);
  }
  return wide(table(t("log.caption", { count: attempts.length }), [
    [t("log.time"), (a) => dateTime(a.created_at)],
    [t("log.event"), (a) => a.event_type],
    [t("log.attempt"), (a) => number(a.attempt)],
    [t("log.status"), answered],
    [t("log.duration"), (a) => t("log.ms", { ms: number(a.duration_ms) })],
    [t("log.error"), (a) => a.error || ""],
    [t("log.actions"), (a) => (latest.has(a.id)
      ? h("button", { type: "button", onclick: () => redeliver(a) }, t("log.redeliver"))
      : "")],
  ], attempts));
}
