// Fairness: the report's figures and its chart (drawn by the API, backend/fairness/chart.py,
// with units, scales and labels), and the ledger check: its latest result, run on demand.
import { api } from "../api.js";
import { announce, fill, h } from "/static/common/js/dom.js";
import { dateTime, money, number, percent, t } from "../i18n.js";
import { pageStart, table } from "./common.js";

const POLL_MS = 1500;

function amount(value) {
  if (!value) return "–";
  return value.amount_minor !== undefined ? money(value) : `${value.amount} ${value.currency}`;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const hours = seconds / 3600;
  return hours >= 2
    ? t("fairness.hours", { hours: number(hours, 1) })
    : t("fairness.minutes", { minutes: number(seconds / 60) });
}

function figures(report) {
  const rows = [
    [t("fairness.median"), amount(report.hourly_pay.median)],
    [t("fairness.p10"), amount(report.hourly_pay.p10)],
    [t("fairness.floor"), amount(report.floor)],
    [t("fairness.belowFloor"), `${number(report.missions_below_floor.below_floor)} / ${number(report.missions_below_floor.missions)}${report.missions_below_floor.share == null ? "" : ` (${percent(report.missions_below_floor.share)})`}`],
    [t("fairness.decision"), duration(report.time_to_decision.median_seconds)],
    [t("fairness.payout"), duration(report.time_to_payout.median_seconds)],
  ];
  return table(t("fairness.figures", { days: report.window.days }), [[t("fairness.figure"), (r) => r[0]], [t("fairness.value"), (r) => r[1]]], rows);
}

function said(problem) {
  return typeof problem === "string" ? problem : JSON.stringify(problem);
}

// Problems grouped by the check that found them (each said once); a run that failed before
// any check ran has only its own problems.
function ledgerProblems(check) {
  const failing = (check.checks || []).filter((c) => c.count || (c.problems || []).length);
  if (!failing.length) return (check.problems || []).map((p) => h("li", said(p)));
  return failing.map((c) => h("li", t("fairness.ledgerCheck", { name: c.name, count: number(c.count ?? c.problems.length) }),
    h("ul", (c.problems || []).map((p) => h("li", said(p))))));
}

function ledgerView(check) {
  if (!check) return h("p", t("fairness.ledgerNone"));
  const status = t(`fairness.status.${check.status}`);
  const problems = ledgerProblems(check);
  return h("div",
    h(`p.${check.status === "failed" ? "bad" : check.status === "passed" ? "ok" : "muted"}`, { id: "ledger-status" },
      t("fairness.ledgerLatest", { status, trigger: check.trigger, time: check.finished_at ? dateTime(check.finished_at) : "–" })),
    problems.length ? [h("h3", t("fairness.ledgerProblems")), h("ul", problems)] : null);
}

export default {
  path: "#/fairness",
  title: t("fairness.title"),
  roles: ["admin"],
  nav: t("nav.fairness"),
  async render(main) {
    const page = pageStart(main, t("fairness.heading"));
    const report = h("section", { "aria-labelledby": "report-heading" }, h("h2", { id: "report-heading" }, t("fairness.report")));
    const ledger = h("div", { "aria-live": "polite" });
    const run = h("button", { type: "button" }, t("fairness.runNow"));
    main.append(report, h("section", { "aria-labelledby": "ledger-heading" }, h("h2", { id: "ledger-heading" }, t("fairness.ledger")), ledger, run));
    let timer = null;
    let gone = false;

    async function follow(id) {
      const check = await api(`/admin/ledger-checks/${id}`);
      fill(ledger, ledgerView(check));
      if (["queued", "running"].includes(check.status) && !gone) timer = window.setTimeout(() => follow(id).catch(page.fail), POLL_MS);
      else announce(t(`fairness.status.${check.status}`));
    }
    run.addEventListener("click", async () => {
      try {
        const started = await api("/admin/ledger-checks", { method: "POST" });
        fill(ledger, h("p", t("fairness.running")));
        await follow(started.id);
      } catch (problem) {
        page.fail(problem);
      }
    });

    const loadReport = async () => {
      const data = await api("/admin/fairness");
      report.append(figures(data));
      const png = await api("/admin/fairness", { query: { format: "png" }, raw: true, headers: { Accept: "image/png" } });
      const src = URL.createObjectURL(await png.blob());
      report.append(h("figure.chart", h("img", { src, alt: t("fairness.chartAlt", { days: data.window.days }) }), h("figcaption", t("fairness.chart"))));
    };
    const loadLedger = async () => {
      try {
        fill(ledger, ledgerView(await api("/admin/ledger-checks/latest")));
      } catch (problem) {
        if (problem.status === 404) fill(ledger, ledgerView(null));
        else throw problem;
      }
    };
    await Promise.all([loadReport(), loadLedger()]).catch(page.fail);
    return () => { gone = true; window.clearTimeout(timer); };
  },
};
