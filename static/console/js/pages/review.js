// The review workstation: the queue (flagged first), one submission, the decision, keys.
import { api, idempotencyKey } from "../api.js";
import { announce, confirmDialog, fill, h, uid } from "/static/common/js/dom.js";
import { number, t, time, timeLeft } from "../i18n.js";
import { renderAudits } from "./review-audits.js";
import { itemView } from "./review-item.js";

const LEASE_RENEW_MS = 60_000;
const FILTERS = ["campaign_id", "flag", "brand_id"];
// Names of the campaigns and brands the counts listed so far: a choice still selected after
// another filter left it nothing to list keeps its name.
const named = { campaign_id: new Map(), brand_id: new Map() };

/** [[value, "Name (n)"], …] of a filter's counted choices, the selected one always among them. */
export function countedChoices(counted, selected, names) {
  const choices = (counted || []).map((c) => {
    names.set(c.id, c.name);
    return [c.id, t("review.choice", { name: c.name, count: number(c.count) })];
  });
  if (selected && !choices.some(([id]) => id === selected)) {
    choices.push([selected, t("review.choice", { name: names.get(selected) || selected, count: number(0) })]);
  }
  return choices;
}

/** Tell the console's navigation that what waits for review changed (its counts refresh). */
export function reviewChanged() {
  window.dispatchEvent(new CustomEvent("fairfield:review-changed"));
}

function option(value, label, selected) {
  return h("option", { value, selected: value === selected }, label);
}

function filterSelect(name, label, choices, selected, onchange) {
  const id = uid();
  return h("div.field",
    h("label", { for: id }, label),
    h("select", { id, name, onchange },
      option("", t("review.all"), selected || ""),
      choices.map(([value, text]) => option(value, text, selected))));
}

function reasonSelect(reasons) {
  const id = uid();
  const select = h("select", { id, name: "reason" },
    h("option", { value: "" }, t("review.chooseReason")),
    reasons.map((r) => h("option", { value: r.code }, r.title)));
  return { select, field: h("div.field", h("label", { for: id }, t("review.reason")), select) };
}

function helpDialog() {
  const rows = [["a", t("review.keyA")], ["r", t("review.keyR")], ["j", t("review.keyJ")], ["k", t("review.keyK")], ["?", t("review.keyHelp")]];
  const before = document.activeElement;
  const dialog = h("dialog.dialog", { "aria-labelledby": "keys-heading" },
    h("h2", { id: "keys-heading" }, t("review.keys")),
    h("dl.keys", rows.map(([key, text]) => [h("dt", h("kbd", key)), h("dd", text)])),
    h("div.actions", h("button.primary", { type: "button", onclick: () => dialog.close() }, t("app.close"))));
  dialog.addEventListener("close", () => { dialog.remove(); if (before?.isConnected) before.focus(); });
  document.body.append(dialog);
  dialog.showModal();
}

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName));
}

export default {
  path: "#/review",
  title: t("review.title"),
  roles: ["admin"],
  nav: t("nav.review"),
  count: (waiting) => waiting.queue.total, // beside its link in the navigation
  async render(main, { rest, query }) {
    const tabs = h("nav.tabs", { "aria-label": t("review.title") },
      h("a", { href: "#/review", "aria-current": query.get("tab") === "audits" ? null : "page" }, t("review.tabQueue")),
      h("a", { href: "#/review?tab=audits", "aria-current": query.get("tab") === "audits" ? "page" : null }, t("review.tabAudits")));
    fill(main, h("h1", t("review.heading")), tabs);
    if (query.get("tab") === "audits") return renderAudits(main);
    return workstation(main, rest[0] || null, query);
  },
};

async function workstation(main, wanted, query) {
  const filters = Object.fromEntries(FILTERS.map((name) => [name, query.get(name) || ""]));
  const state = { items: [], counts: null, reasons: [], current: null, lease: null, timer: null, busy: false, gone: false };
  const aside = h("aside.queue", { "aria-label": t("review.filters") });
  const detail = h("section.detail", { "aria-live": "off" }, h("p.muted", t("app.loading")));
  const message = h("p.message", { role: "status" });
  main.append(h("p.muted.hint", t("review.keysHint")), message, h("div.workstation", aside, detail));

  function url(id) {
    const search = new URLSearchParams(Object.entries(filters).filter(([, v]) => v)).toString();
    return `#/review${id ? `/${encodeURIComponent(id)}` : ""}${search ? `?${search}` : ""}`;
  }

  async function loadQueue() {
    const answer = await api("/review/queue", { query: { ...filters, limit: 200 } });
    // Flagged first, whatever order the page came in; otherwise the server's order.
    state.items = [...answer.items].sort((a, b) => Number(b.flagged) - Number(a.flagged));
    state.counts = answer.counts;
    drawQueue();
  }

  function drawQueue() {
    const change = (event) => {
      filters[event.target.name] = event.target.value;
      window.history.replaceState(null, "", url(null));
      loadQueue().then(() => open(state.items[0]?.id ?? null)).catch(showError);
    };
    const byFlag = { ...state.counts.by_flag };
    if (filters.flag && !(filters.flag in byFlag)) byFlag[filters.flag] = 0;
    const flags = Object.entries(byFlag).map(([flag, n]) => [flag, t("review.choice", { name: flag.replaceAll("_", " "), count: number(n) })]);
    const list = h("ul.items", { "aria-label": t("review.items") },
      state.items.map((item) => h("li",
        h("a", {
          href: url(item.id),
          "aria-current": state.current?.id === item.id ? "true" : null,
          onclick: (event) => { event.preventDefault(); open(item.id); },
        },
          h("span.store", item.store.name),
          h("span.sub", item.flagged ? h("span.flag", `⚑ ${t("review.flagged")}: ${item.flags.join(", ")}`) : t("review.noFlags")),
          h("span.sub", item.campaign.name, " · ", timeLeft(item.deadline_at))))));
    const counted = (name, key) => countedChoices(state.counts[key], filters[name], named[name]);
    fill(aside,
      h("h2", t("review.filters")),
      filterSelect("campaign_id", t("review.campaign"), counted("campaign_id", "by_campaign"), filters.campaign_id, change),
      filterSelect("flag", t("review.flag"), flags, filters.flag, change),
      filterSelect("brand_id", t("review.brand"), counted("brand_id", "by_brand"), filters.brand_id, change),
      h("p.counts", t("review.counts", { total: number(state.counts.total), flagged: number(state.counts.flagged) })),
      state.items.length
        ? h("button", { type: "button", onclick: bulkApprove }, t("review.bulk", { count: state.items.length }))
        : null,
      state.items.length ? list : h("p", t("review.empty")));
  }

  function showError(error) {
    fill(message, error.message);
    message.className = "message error";
  }

  function say(text) {
    fill(message, text);
    message.className = "message";
    announce(text);
  }

  async function releaseLease() {
    window.clearInterval(state.timer);
    const held = state.lease;
    state.lease = null;
    if (held) await api(`/submissions/${held}/lease`, { method: "DELETE" }).catch(() => {});
  }

  async function takeLease(id, box) {
    const show = (text, kind) => fill(box, h(`p.lease.${kind}`, text));
    try {
      const lease = await api(`/submissions/${id}/lease`, { method: "POST" });
      if (state.gone || state.current?.id !== id) {
        // The reviewer moved on while the lease was being taken: give it back.
        await api(`/submissions/${id}/lease`, { method: "DELETE" }).catch(() => {});
        return;
      }
      state.lease = id;
      show(t("review.leaseMine", { time: time(lease.expires_at) }), "mine");
      state.timer = window.setInterval(() => {
        api(`/submissions/${id}/lease`, { method: "POST" }).catch((error) => show(error.message, "other"));
      }, LEASE_RENEW_MS);
    } catch (error) {
      show(error.message, "other");
    }
  }

  async function open(id, { focus = true } = {}) {
    if (state.gone) return;
    releaseLease(); // in the background: the next item does not wait for it
    const index = state.items.findIndex((item) => item.id === id);
    if (id === null || index < 0) {
      state.current = null;
      fill(detail, h("p", state.items.length ? t("review.pick") : t("review.empty")));
      drawQueue();
      return;
    }
    let item = state.items[index];
    window.history.replaceState(null, "", url(id));
    const leaseBox = h("div.lease-box");
    if (item.lease) {
      leaseBox.append(h("p.lease.other", t("review.leaseOther", { name: item.lease.admin.display_name, time: time(item.lease.expires_at) })));
    }
    state.current = item;
    const form = decisionForm(item);
    fill(detail, itemView(item, { form: form.element, lease: leaseBox, position: t("review.position", { index: index + 1, total: state.items.length }) }));
    drawQueue();
    if (focus) detail.querySelector("#item-heading").focus();
    takeLease(item.id, leaseBox);
    const next = state.items[index + 1];
    if (next?.photos?.[0]) new Image().src = next.photos[0].review_url || next.photos[0].url; // warm the cache
    state.form = form;
  }

  function decisionForm(item) {
    const reason = reasonSelect(state.reasons);
    const commentId = uid();
    const hintId = uid("hint");
    const comment = h("textarea", { id: commentId, name: "comment", rows: "1", "aria-describedby": hintId });
    const error = h("div.error", { role: "alert" });
    const approve = h("button.primary", { type: "button", "aria-keyshortcuts": "a", onclick: () => decide("approve") }, t("review.approve"), h("kbd", { "aria-hidden": "true" }, "a"));
    const reject = h("button.danger", { type: "button", "aria-keyshortcuts": "r", onclick: () => decide("reject") }, t("review.reject"), h("kbd", { "aria-hidden": "true" }, "r"));
    const element = h("form.decision", { "aria-label": t("review.decide"), onsubmit: (e) => e.preventDefault() },
      h("div.buttons", approve, reject),
      reason.field,
      h("div.field.grow", h("label", { for: commentId }, t("review.comment")), comment,
        h("p.muted.small", { id: hintId }, t("review.commentHint"))),
      error);
    return { element, reason: reason.select, comment, error, item };
  }

  async function decide(decision) {
    const form = state.form;
    if (!form || state.busy) return;
    fill(form.error);
    if (decision === "reject" && !form.reason.value) {
      fill(form.error, t("review.needReason"));
      form.reason.focus();
      return;
    }
    const body = { decision };
    if (decision === "reject") body.reason_code = form.reason.value;
    if (form.comment.value.trim()) body.comment = form.comment.value.trim();
    state.busy = true;
    try {
      await api(`/submissions/${form.item.id}/decision`, { method: "POST", body, headers: { "Idempotency-Key": idempotencyKey() } });
      state.lease = null; // a decided submission's lease ends with it
      window.clearInterval(state.timer);
      const index = state.items.findIndex((i) => i.id === form.item.id);
      state.items.splice(index, 1);
      uncount(form.item);
      reviewChanged();
      const next = state.items[Math.min(index, state.items.length - 1)];
      await open(next ? next.id : null);
      if (!next) {
        detail.setAttribute("tabindex", "-1");
        detail.focus();
      }
      say(next ? t(decision === "approve" ? "review.approved" : "review.rejected") : t("review.done"));
    } catch (error) {
      fill(form.error, error.message);
      form.error.focus?.();
    } finally {
      state.busy = false;
    }
  }

  // A decided item leaves the counts it was in (the next load recounts them anyway).
  function uncount(item) {
    const less = (n) => Math.max(0, n - 1);
    const counts = state.counts;
    counts.total = less(counts.total);
    if (item.flagged) counts.flagged = less(counts.flagged);
    for (const flag of item.flags || []) if (flag in counts.by_flag) counts.by_flag[flag] = less(counts.by_flag[flag]);
    for (const [key, id] of [["by_brand", item.brand?.id], ["by_campaign", item.campaign.id]]) {
      const entry = (counts[key] || []).find((c) => c.id === id);
      if (entry) entry.count = less(entry.count);
    }
  }

  function step(delta) {
    if (!state.items.length) return;
    const index = state.items.findIndex((i) => i.id === state.current?.id);
    const target = Math.max(0, Math.min(state.items.length - 1, index + delta));
    if (target !== index) open(state.items[target].id);
  }

  async function bulkApprove() {
    const ids = state.items.map((item) => item.id);
    const ok = await confirmDialog({
      title: t("review.bulkConfirm", { count: ids.length }),
      text: t("review.bulkText"),
      confirm: t("review.bulkGo", { count: ids.length }),
      cancel: t("app.cancel"),
    });
    if (!ok) return;
    try {
      await releaseLease();
      const answer = await api("/review/bulk-approve", { method: "POST", body: { submission_ids: ids.slice(0, 200) } });
      const skipped = answer.skipped.map((s) => s.detail).join(" ");
      reviewChanged();
      await loadQueue();
      await open(state.items[0]?.id ?? null, { focus: false });
      say(`${t("review.bulkResult", { approved: answer.approved.length, skipped: answer.skipped.length })} ${skipped}`.trim());
    } catch (error) {
      showError(error);
    }
  }

  function keys(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target) || document.querySelector("dialog[open]")) return;
    const actions = {
      a: () => decide("approve"),
      r: () => decide("reject"),
      j: () => step(1),
      k: () => step(-1),
      "?": helpDialog,
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }

  document.addEventListener("keydown", keys);
  try {
    const [reasons] = await Promise.all([api("/review/reasons"), loadQueue()]);
    state.reasons = reasons.items;
    const first = state.items.find((i) => i.id === wanted) ? wanted : state.items[0]?.id ?? null;
    await open(first, { focus: false });
  } catch (error) {
    showError(error);
  }
  return () => {
    state.gone = true;
    document.removeEventListener("keydown", keys);
    return releaseLease();
  };
}
