// One campaign and its results: status, spend, coverage and out-of-stock figures, its form's
// questions, a map of its stores by mission status, a table of every question's answers with
// photo thumbnails (the brand's copies), exports.
import { api } from "../api.js";
import { announce, confirmDialog, fill, h } from "/static/common/js/dom.js";
import { download, statusMap, wide } from "../desk.js";
import { dateTime, money, number, percent, t } from "../i18n.js";
import { answerColumns, formSection } from "./campaign-form.js";
import { roundsSection } from "./campaign-rounds.js";
import { pageStart, table } from "./common.js";

export default {
  path: "#/campaign",
  title: t("results.title"),
  roles: ["brand"],
  async render(main, { rest, navigate, query }) {
    const id = rest[0];
    const page = pageStart(main, t("results.heading"), "#/campaigns");
    if (!id) {
      page.fail({ message: t("results.noCampaign") });
      return;
    }
    const path = `/campaigns/${encodeURIComponent(id)}`;
    let campaign;
    let results;
    try {
      [campaign, results] = await Promise.all([api(path), api(`${path}/results`, { query: { round: query.get("round") } })]);
    } catch (problem) {
      page.fail(problem);
      return;
    }
    main.querySelector("h1").textContent = campaign.name;
    document.title = t("app.title", { page: campaign.name });

    async function cancel() {
      const ok = await confirmDialog({
        title: t("results.cancelTitle", { name: campaign.name }),
        text: t("results.cancelText"),
        confirm: t("results.cancelConfirm"),
        cancel: t("results.cancelKeep"),
      });
      if (!ok) return;
      try {
        await api(`${path}/cancel`, { method: "POST" });
        announce(t("results.cancelled"));
        navigate(`#/campaign/${encodeURIComponent(id)}`);
      } catch (problem) {
        page.fail(problem);
      }
    }
    async function publish() {
      try {
        await api(`${path}/publish`, { method: "POST" });
        announce(t("builder.published"));
        navigate(`#/campaign/${encodeURIComponent(id)}`);
      } catch (problem) {
        page.fail(problem); // the floor's sentence says which reward passes
      }
    }
    async function exported(format, filename) {
      try {
        await download(`${path}/results`, { format, round: query.get("round") }, filename);
      } catch (problem) {
        page.fail(problem);
      }
    }

    main.append(
      h("p.campaign-status", t("results.statusLine", {
        status: t(`campaigns.state.${campaign.status}`),
        from: dateTime(campaign.starts_at),
        to: dateTime(campaign.ends_at),
        reward: money(campaign.reward),
        minutes: number(campaign.est_minutes),
      })),
      h("div.toolbar",
        campaign.status === "draft"
          ? h("button.primary", { type: "button", onclick: publish }, t("builder.publish"))
          : null,
        campaign.status !== "cancelled"
          ? h("button", { type: "button", onclick: () => navigate(`#/builder/${encodeURIComponent(id)}`) }, t("results.edit"))
          : null,
        h("button", { type: "button", onclick: () => exported("csv", `campaign-${id}.csv`) }, t("results.csv")),
        h("button", { type: "button", onclick: () => exported("geojson", `campaign-${id}.geojson`) }, t("results.geojson")),
        campaign.status !== "cancelled"
          ? h("button.danger", { type: "button", onclick: cancel }, t("results.cancel"))
          : null),
      figures(campaign, results.aggregates),
      formSection(campaign.questions || []),
      roundsSection(campaign, { path, round: query.get("round"), navigate }),
      h("section", { "aria-labelledby": "results-map-heading" },
        h("h2", { id: "results-map-heading" }, t("results.mapHeading")),
        results.items.length ? statusMap(results.items) : h("p", t("results.noStores"))),
      h("section", { "aria-labelledby": "results-table-heading" },
        h("h2", { id: "results-table-heading" }, t("results.tableHeading")),
        resultsTable(results.items, results.questions || campaign.questions || [], campaign.products,
          Boolean(campaign.schedule))),
    );
  },
};

function figures(campaign, aggregates) {
  const { coverage, products } = aggregates;
  const spend = campaign.spend;
  return h("section", { "aria-labelledby": "results-figures-heading" },
    h("h2", { id: "results-figures-heading" }, t("results.figures")),
    h("dl.figures",
      h("div", h("dt", t("results.funded")), h("dd", money(spend.funded))),
      h("div", h("dt", t("results.spent")), h("dd", money(spend.spent))),
      h("div", h("dt", t("results.remaining")), h("dd", money(spend.remaining))),
      h("div", h("dt", t("results.coverage")), h("dd", t("results.coverageText", {
        done: number(coverage.with_results), total: number(coverage.missions), share: percent(coverage.ratio || 0),
      })))),
    wide(table(t("results.products"), [
      [t("results.product"), (p) => `${p.sku} · ${p.name}`],
      [t("results.answers"), (p) => number(p.answers)],
      [t("results.outOfStock"), (p) => (p.out_of_stock_rate == null
        ? t("results.noData")
        : t("results.outOfStockText", { count: p.out_of_stock, share: percent(p.out_of_stock_rate) }))],
      [t("results.medianFacings"), (p) => (p.median_facings == null ? t("results.noData") : number(p.median_facings, 1))],
    ], products)));
}

function photos(item) {
  const shots = item.result?.photos || [];
  if (!shots.length) return "";
  return h("span.result-thumbs", shots.map((photo, index) => (photo.erased
    ? h("span.muted", t("results.erased"))
    : h("a", { href: photo.url, target: "_blank", rel: "noopener noreferrer" },
      h("img.result-thumb", {
        src: photo.thumbnail_url,
        alt: t("results.photoAlt", { index: index + 1, total: shots.length, store: item.store.name }),
        loading: "lazy",
        width: 96,
        height: 72,
      })))));
}

function resultsTable(items, questions, products, recurring) {
  if (!items.length) return h("p", t("results.noStores"));
  return wide(table(t("results.tableCaption", { count: items.length }), [
    [t("results.store"), (item) => item.store.name],
    // A recurring campaign lists a store once per round: say which.
    ...(recurring ? [[t("rounds.round"), (item) => number(item.round ?? 1)]] : []),
    [t("results.status"), (item) => h("span.status-word",
      h(`span.swatch.status-${item.mission_status}`, { "aria-hidden": "true" }),
      t(`results.status.${item.mission_status}`))],
    ...answerColumns(questions, products),
    [t("results.photos"), photos],
    [t("results.decided"), (item) => (item.result ? dateTime(item.result.decided_at) : "")],
  ], items));
}
