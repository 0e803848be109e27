// Payouts: requests (late ones), batches, the SEPA file and a CSV, mark paid with confirmation.
import { api } from "../api.js";
import { announce, confirmDialog, fill, h, saveBlob, uid } from "/static/common/js/dom.js";
import { dateTime, money, t, toMajor } from "../i18n.js";
import { pageStart, table } from "./common.js";

function csv(rows) {
  const cell = (value) => `"${String(value ?? "").replaceAll('"', '""')}"`;
  const header = ["id", "worker_id", "amount", "currency", "status", "requested_at", "batch_id", "paid_at"];
  const lines = rows.map((r) => [r.id, r.worker_id, toMajor(r.amount.amount_minor, r.amount.currency), r.amount.currency, r.status, r.requested_at, r.batch_id, r.paid_at].map(cell).join(","));
  return [header.join(","), ...lines].join("\r\n") + "\r\n";
}

export default {
  path: "#/payouts",
  title: t("payouts.title"),
  roles: ["admin"],
  nav: t("nav.payouts"),
  async render(main) {
    const page = pageStart(main, t("payouts.heading"));
    const lateId = uid();
    const late = h("input", { type: "checkbox", id: lateId });
    const requests = h("div");
    const batches = h("div");
    let shown = [];
    main.append(
      h("section", { "aria-labelledby": "requests-heading" },
        h("h2", { id: "requests-heading" }, t("payouts.requests")),
        h("div.toolbar",
          h("span.check", late, h("label", { for: lateId }, t("payouts.lateOnly"))),
          h("button", { type: "button", onclick: () => saveBlob(new Blob([csv(shown)], { type: "text/csv" }), "payout-requests.csv") }, t("payouts.csv"))),
        requests),
      h("section", { "aria-labelledby": "batches-heading" },
        h("h2", { id: "batches-heading" }, t("payouts.batches")),
        h("button", { type: "button", onclick: newBatch }, t("payouts.newBatch")),
        batches));
    late.addEventListener("change", () => loadRequests().catch(page.fail));
    let cursor = null; // where the next page of requests starts, while there is one

    // A page at a time; "Show more requests" adds the next, so none is out of reach.
    async function loadRequests(more = false) {
      const query = { late: late.checked ? "true" : null, limit: 200, cursor: more ? cursor : null };
      const answer = await api("/payout-requests", { query });
      shown = more ? [...shown, ...answer.items] : answer.items;
      cursor = answer.next_cursor || null;
      fill(requests, shown.length ? table(t("payouts.requests"), [
        [t("payouts.requested"), (r) => dateTime(r.requested_at)],
        [t("payouts.worker"), (r) => r.holder_name],
        [t("payouts.amount"), (r) => money(r.amount)],
        [t("payouts.status"), (r) => r.status],
      ], shown) : h("p", t("payouts.empty")),
      cursor ? h("button", { type: "button", onclick: () => loadRequests(true).catch(page.fail) }, t("payouts.more")) : null);
    }

    async function sepa(batch) {
      const response = await api(`/payout-batches/${batch.id}/sepa.xml`, { raw: true, headers: { Accept: "application/xml" } });
      saveBlob(await response.blob(), `payout-${batch.id}.xml`);
    }

    async function markPaid(batch) {
      const ok = await confirmDialog({
        title: t("payouts.confirmPaid", { id: batch.id }),
        text: t("payouts.confirmPaidText"),
        confirm: t("payouts.markPaid"),
        cancel: t("app.cancel"),
      });
      if (!ok) return;
      await api(`/payout-batches/${batch.id}/mark-paid`, { method: "POST" });
      announce(t("payouts.paid"));
      await Promise.all([loadBatches(), loadRequests()]);
    }

    async function newBatch() {
      try {
        await api("/payout-batches", { method: "POST" });
        announce(t("payouts.batchMade"));
        await Promise.all([loadBatches(), loadRequests()]);
      } catch (problem) {
        page.fail(problem);
      }
    }

    async function loadBatches() {
      const answer = await api("/payout-batches");
      fill(batches, answer.items.length ? table(t("payouts.batches"), [
        [t("payouts.batch"), (b) => b.id],
        [t("payouts.created"), (b) => dateTime(b.created_at)],
        [t("payouts.count"), (b) => b.count],
        [t("payouts.total"), (b) => money(b.total)],
        [t("payouts.status"), (b) => b.status],
        [t("payouts.actions"), (b) => h("span.buttons",
          h("button", { type: "button", onclick: () => sepa(b).catch(page.fail) }, t("payouts.sepa")),
          b.status === "open" ? h("button", { type: "button", onclick: () => markPaid(b).catch(page.fail) }, t("payouts.markPaid")) : null)],
      ], answer.items) : h("p", t("payouts.noBatches")));
    }

    await Promise.all([loadRequests(), loadBatches()]).catch(page.fail);
  },
};
