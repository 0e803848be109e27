// One submission on the review workstation: photos, checks, map, answers, worker, matches.
import { h } from "/static/common/js/dom.js";
import { checkSentence, orderedChecks, answerRows } from "/static/common/js/evidence.js";
import { dateTime, money, number, t, timeLeft } from "../i18n.js";
import { submissionMap } from "../map.js";
import { photoViewer } from "../viewer.js";

function photoSource(photo, full) {
  return full ? photo.url : photo.review_url || photo.url;
}

function photosSection(item) {
  const photos = item.photos || [];
  if (!photos.length) return { element: h("section.photos", h("h3", t("review.photos")), h("p", t("review.noPhotos"))) };
  const total = photos.length;
  const alt = (i) => t("review.photoAlt", { index: i + 1, total, store: item.store.name });
  let shown = 0;
  let full = false;
  const viewer = photoViewer({ src: photoSource(photos[0], false), alt: alt(0) });
  const sizeButton = h("button", { type: "button", "aria-pressed": "false" }, t("review.fullSize"));
  sizeButton.addEventListener("click", () => {
    full = !full;
    sizeButton.setAttribute("aria-pressed", String(full));
    viewer.show(photoSource(photos[shown], full), alt(shown));
  });
  viewer.controls.append(sizeButton);
  const thumbs = photos.map((photo, i) =>
    h("button.thumb", {
      type: "button",
      "aria-pressed": i === 0 ? "true" : "false",
      onclick: () => {
        shown = i;
        viewer.show(photoSource(photo, full), alt(i));
        thumbs.forEach((b, j) => b.setAttribute("aria-pressed", String(i === j)));
      },
    }, h("img", { src: photo.thumbnail_url || photo.review_url || photo.url, alt: t("review.thumbAlt", { index: i + 1 }), loading: "lazy" })),
  );
  const element = h("section.photos", { "aria-label": t("review.photos") },
    viewer.element,
    total > 1 ? h("div.thumbs", thumbs) : null,
  );
  return { element, viewer };
}

function checksSection(item) {
  const rows = orderedChecks(item.checks).map((check) =>
    h(`li.${check.passed ? "ok" : "bad"}`,
      h("span.icon", { "aria-hidden": "true" }, check.passed ? "✓" : "✗"),
      h("span.visually-hidden", `${check.passed ? t("review.passed") : t("review.failed")}: `),
      h("strong", check.name.replaceAll("_", " ")), " — ", checkSentence(check)),
  );
  return h("section.checks", { "aria-labelledby": "checks-heading" },
    h("h3", { id: "checks-heading" }, t("review.checks")), h("ul.checklist", rows));
}

function answerText(answer) {
  if (!answer) return t("review.noAnswer");
  if (answer.out_of_stock) return t("review.outOfStock");
  return t("review.facings", { count: answer.count });
}

function answersSection(item) {
  const rows = answerRows(item.products, item.evidence?.answers).map((row) =>
    h("tr",
      h("th", { scope: "row" }, row.sku, row.name ? h("span.muted", ` ${row.name}`) : null,
        row.asked ? null : h("span.tag", t("review.extraAnswer"))),
      h("td", answerText(row.answer))),
  );
  return h("section.answers", { "aria-labelledby": "answers-heading" },
    h("h3", { id: "answers-heading" }, t("review.answers")),
    h("p", t("review.outcome", { outcome: item.evidence?.outcome || "" })),
    h("table",
      h("thead", h("tr", h("th", { scope: "col" }, t("review.product")), h("th", { scope: "col" }, t("review.answer")))),
      h("tbody", rows)));
}

function workerSection(item) {
  const worker = item.worker;
  if (!worker) return null;
  return h("p.worker", h("strong", `${t("review.worker")}: `),
    t("review.workerHistory", {
      name: worker.display_name,
      approved: number(worker.approved ?? 0),
      rejected: number(worker.rejected ?? 0),
      level: worker.level ?? "–",
    }));
}

function matchesSection(item) {
  const matches = (item.matches || []).filter((match) => !match.erased);
  if (!matches.length) return null;
  const total = item.photos?.length || 0;
  const pairs = matches.map((match) => {
    const index = match.photo ?? 0; // which of this submission's photos matched
    const mine = item.photos?.[index];
    return h("figure.pair",
      h("div.side",
        mine ? h("img", { src: photoSource(mine, false), alt: t("review.photoAlt", { index: index + 1, total, store: item.store.name }) }) : null,
        h("img", { src: match.review_url || match.url, alt: t("review.matchAlt", { id: match.submission_id }) })),
      h("figcaption", t("review.matchOf", {
        id: match.submission_id,
        hamming: match.hamming,
        exact: match.exact ? t("review.exact") : "",
      })));
  });
  return h("section.matches", { "aria-labelledby": "matches-heading" },
    h("h3", { id: "matches-heading" }, t("review.matches")), pairs);
}

/** The item's identity line: store · campaign · time left. */
export function itemSummary(item, now = new Date()) {
  return `${item.store.name} · ${item.campaign.name} · ${timeLeft(item.deadline_at, now)}`;
}

/** Everything a reviewer needs to decide `item`, above the decision form `form`. */
export function itemView(item, { form, lease, position }) {
  const photos = photosSection(item);
  return h("article.item", { "aria-labelledby": "item-heading" },
    h("header.item-head",
      h("h2", { id: "item-heading", tabindex: "-1" }, itemSummary(item)),
      h("p.muted", position, " · ", t("review.received", { time: dateTime(item.received_at) }),
        item.reward ? ` · ${t("review.reward", { money: money(item.reward) })}` : "",
        item.flags?.length ? ` · ${t("review.flagList", { flags: item.flags.join(", ") })}` : ""),
      workerSection(item),
      lease),
    h("div.item-grid",
      h("div.item-main", photos.element, matchesSection(item), answersSection(item)),
      h("div.item-side", checksSection(item), submissionMap({ store: item.store, evidence: item.evidence }))),
    form);
}
