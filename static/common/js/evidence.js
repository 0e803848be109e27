// Each check's evidence in words, from its detail: pure functions over the API's data (the
// console's review desk and the worker app's submission screen say it alike, in en, fr, nl).
import { dateTime, distance, number, percent, t } from "./i18n.js";

const list = (values) => (values || []).join(", ");

function inside(yes) {
  return yes ? t("check.inside") : t("check.outside");
}

const SENTENCES = {
  location: (d) =>
    t("check.location", {
      distance: distance(d.distance_m),
      fence: distance(d.geofence_m),
      accuracy: distance(d.accuracy_m),
    }),
  travel_speed: (d) =>
    d.previous === null || d.distance_m === undefined
      ? t("check.travel_speed.first")
      : t("check.travel_speed", {
          distance: distance(d.distance_m),
          minutes: number(d.minutes, 1),
          speed: number(d.speed_kmh, 1),
          max: number(d.max_kmh),
        }),
  captured_in_window: (d, passed) =>
    t("check.captured_in_window", { time: dateTime(d.captured_at), inside: inside(passed) }),
  exif_time: (d, passed) =>
    t("check.exif_time", { time: dateTime(d.taken_at), inside: inside(passed) }),
  exif_location: (d) =>
    t("check.exif_location", { distance: distance(d.distance_m), fence: distance(d.geofence_m) }),
  exif_readable: (d) => t("check.exif_readable", { error: d.error }),
  software: (d) => t("check.software", { software: d.software }),
  sharpness: (d) =>
    d.error
      ? t("check.sharpness.error", { error: d.error })
      : t("check.sharpness", { value: number(d.laplacian_variance, 1), min: number(d.minimum, 1) }),
  exposure: (d) =>
    t("check.exposure", {
      mean: number(d.mean_luminance),
      low: number(d.luminance_range?.[0]),
      high: number(d.luminance_range?.[1]),
      clipped: percent(d.clipped_share ?? 0),
    }),
  reuse: (d) =>
    d.matches?.length
      ? t("check.reuse", { count: d.matches.length })
      : t("check.reuse.none"),
  similar_photo: (d) =>
    d.matches?.length
      ? t("check.similar_photo", { count: d.matches.length })
      : t("check.similar_photo.none"),
  answers_complete: (d) => {
    if (d.required === false) return t("check.answers_complete.closed");
    const parts = [];
    if (d.missing?.length) parts.push(t("check.answers_complete.missing", { skus: list(d.missing) }));
    if (d.unknown?.length) parts.push(t("check.answers_complete.unknown", { skus: list(d.unknown) }));
    if (d.repeated?.length) parts.push(t("check.answers_complete.repeated", { skus: list(d.repeated) }));
    return parts.length ? parts.join("; ") : t("check.answers_complete");
  },
  counts_plausible: (d) =>
    d.skus?.length
      ? t("check.counts_plausible.bad", { skus: list(d.skus), max: number(d.max) })
      : t("check.counts_plausible", { max: number(d.max) }),
  out_of_stock_consistent: (d) =>
    d.skus?.length
      ? t("check.out_of_stock_consistent.bad", { skus: list(d.skus) })
      : t("check.out_of_stock_consistent"),
  photos_required: (d) => t("check.photos_required", { sent: d.sent, required: d.required }),
  format: () => t("check.format"),
  pixels: (d) => t("check.pixels", { width: d.width, height: d.height }),
  decodes: (d) => (d.error ? t("check.decodes.error", { error: d.error }) : t("check.decodes")),
  trailing_data: (d) =>
    d.markup
      ? t("check.trailing_data.markup", { bytes: number(d.trailing_bytes), markup: d.markup })
      : t("check.trailing_data", { bytes: number(d.trailing_bytes) }),
  stored: () => t("check.stored"),
};

/** A check ({name, passed, detail}) as a sentence: "taken 2.9 km from the store (…)". Photo
 * checks say which photo ("Photo 2: …"). */
export function checkSentence(check) {
  const detail = check.detail || {};
  const say = SENTENCES[check.name];
  let text;
  try {
    text = say
      ? say(detail, check.passed)
      : t("check.generic", {
          name: check.name.replaceAll("_", " "),
          result: check.passed ? t("check.passed") : t("check.failed"),
        });
  } catch {
    text = t("check.generic", { name: check.name, result: check.passed ? t("check.passed") : t("check.failed") });
  }
  if (typeof detail.photo === "number") return t("check.photo", { index: detail.photo + 1, text });
  return text;
}

/** The checks in reading order: failed ones first, then submission-wide before per photo. */
export function orderedChecks(checks) {
  const rank = (c) => (c.passed ? 2 : 0) + (typeof c.detail?.photo === "number" ? 1 : 0);
  return [...(checks || [])].sort((a, b) => rank(a) - rank(b));
}

/** Each product asked beside what the worker answered for it, then answers not asked. */
export function answerRows(products, answers) {
  const given = new Map((answers || []).map((a) => [a.sku, a]));
  const asked = (products || []).map((p) => ({ sku: p.sku, name: p.name, answer: given.get(p.sku) ?? null, asked: true }));
  const askedSkus = new Set(asked.map((row) => row.sku));
  const extra = (answers || [])
    .filter((a) => !askedSkus.has(a.sku))
    .map((a) => ({ sku: a.sku, name: null, answer: a, asked: false }));
  return [...asked, ...extra];
}
