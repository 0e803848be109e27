// Strings and formats for every Fairfield page (the console, the worker app, the mail pages).
// A page brings its catalogues with extend({en: {...}, fr: {...}, nl: {...}}); the language is
// the reader's first of navigator.languages that the page speaks (useLanguages), else English.
// Numbers, money and dates go through Intl in that language.
import en from "../strings/en.js";
import fr from "../strings/fr.js";
import nl from "../strings/nl.js";

const FALLBACK = "en";
const catalogues = { en: { ...en }, fr: { ...fr }, nl: { ...nl } };
let spoken = ["en", "fr", "nl"]; // the languages this page offers
let current = null; // chosen on first use, so a page can narrow `spoken` before

/** The first of `preferred` (BCP 47 tags, best first) whose language is in `offered`. */
export function pickLanguage(preferred, offered) {
  for (const tag of preferred || []) {
    const primary = String(tag).toLowerCase().split(/[-_;]/)[0].trim();
    if (offered.includes(primary)) return primary;
  }
  return offered.includes(FALLBACK) ? FALLBACK : offered[0];
}

/** The page's language: en, fr or nl. */
export function language() {
  if (!current) {
    const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
    current = pickLanguage(preferred, spoken);
  }
  return current;
}

/** Use `code` from now on (a person's saved locale, say); unknown languages are ignored. */
export function setLanguage(code) {
  const primary = String(code || "").toLowerCase().split("-")[0];
  if (spoken.includes(primary)) current = primary;
  if (typeof document !== "undefined") document.documentElement.lang = language();
  return language();
}

/** Narrow the languages this page speaks (the console is English only). */
export function useLanguages(codes) {
  spoken = codes.filter((code) => code in catalogues);
  if (current && !spoken.includes(current)) current = null;
}

/** Add strings: {en: {key: text}, fr: {...}, nl: {...}}; a later key wins. */
export function extend(more) {
  for (const [code, strings] of Object.entries(more || {})) {
    catalogues[code] = { ...(catalogues[code] || {}), ...strings };
  }
}

/** Whether there is a string for `key` (to word a code the server may add to later). */
export function has(key) {
  return key in catalogues[language()] || key in catalogues[FALLBACK];
}

/** The string for `key` with `{name}` filled from `values`; `count` picks a plural form.
 * A key missing in the page's language falls back to English. */
export function t(key, values = {}) {
  let text = catalogues[language()][key] ?? catalogues[FALLBACK][key];
  if (text === undefined) {
    console.warn(`no string for ${key}`);
    return key;
  }
  if (typeof text === "object") {
    text = text[new Intl.PluralRules(language()).select(values.count ?? 0)] ?? text.other;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    values[name] === undefined ? whole : String(values[name]),
  );
}

/** A plain number in the reader's conventions. */
export function number(value, digits = 0) {
  return new Intl.NumberFormat(language(), { maximumFractionDigits: digits }).format(value);
}

/** A share (0..1) as a percentage. */
export function percent(value) {
  return new Intl.NumberFormat(language(), { style: "percent", maximumFractionDigits: 1 }).format(value);
}

/** An API money object {amount_minor, currency} as "€12.00". */
export function money(value) {
  if (!value) return "";
  const format = new Intl.NumberFormat(language(), { style: "currency", currency: value.currency });
  return format.format(value.amount_minor / minorPerMajor(value.currency));
}

/** Minor units of `currency` per major unit (100 for EUR). */
export function minorPerMajor(currency) {
  const format = new Intl.NumberFormat("en", { style: "currency", currency });
  return 10 ** format.resolvedOptions().maximumFractionDigits;
}

/** "7", "7.5" or "7,50" typed by a person → minor units (700, 750), or null if not money
 * (a fraction finer than the currency's cents included: nothing is rounded away). */
export function toMinor(text, currency) {
  const per = minorPerMajor(currency);
  const digits = Math.round(Math.log10(per));
  const [whole, fraction = "", ...rest] = String(text).trim().replace(",", ".").split(".");
  if (rest.length || !/^\d+$/.test(whole) || !/^\d*$/.test(fraction) || fraction.length > digits) return null;
  return Number(whole) * per + Number(fraction.padEnd(digits, "0") || 0);
}

/** Minor units → the text a money field shows ("7.00"). */
export function toMajor(minor, currency) {
  const per = minorPerMajor(currency);
  return (minor / per).toFixed(Math.round(Math.log10(per)));
}

/** A date and time (an ISO string or a Date) in the reader's time zone. */
export function dateTime(value) {
  if (!value) return "";
  return new Intl.DateTimeFormat(language(), { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(value),
  );
}

/** A time of day. */
export function time(value) {
  if (!value) return "";
  return new Intl.DateTimeFormat(language(), { timeStyle: "short" }).format(new Date(value));
}

/** A distance in metres as people say it: "850 m", "2.9 km". */
export function distance(metres) {
  if (metres === null || metres === undefined) return "";
  if (Math.abs(metres) < 1000) {
    return new Intl.NumberFormat(language(), { style: "unit", unit: "meter", maximumFractionDigits: 0 }).format(metres);
  }
  return new Intl.NumberFormat(language(), { style: "unit", unit: "kilometer", maximumFractionDigits: 1 }).format(metres / 1000);
}

/** "41 h left to decide" for a deadline, from `now` (pure: pass the clock). */
export function timeLeft(deadline, now = new Date()) {
  if (!deadline) return t("time.noDeadline");
  const minutes = Math.floor((new Date(deadline) - now) / 60000);
  if (minutes < 0) return t("time.overdue");
  if (minutes < 60) return t("time.minutesLeft", { minutes });
  return t("time.hoursLeft", { hours: Math.floor(minutes / 60) });
}
