// The one way a Fairfield page talks to the API: fetch, the bearer token, problem+json → a
// sentence, Accept-Language = the page's language. The token only ever travels in a header; the
// page chooses where it is kept (configure): the console in sessionStorage (gone when the tab
// closes), the worker app in localStorage (a phone app stays signed in).
import { language, t } from "./i18n.js";

const BASE = "/api/v1";
const TOKEN_KEY = "fairfield.token";
let storage = null; // sessionStorage unless the page says otherwise

/** The page's choices: `storage` keeps the token (window.sessionStorage or localStorage). */
export function configure({ storage: chosen } = {}) {
  if (chosen) storage = chosen;
}

function kept() {
  return storage || window.sessionStorage;
}

/** An API answer that is not a success, with a sentence for people. */
export class ApiError extends Error {
  constructor(status, problem, sentence) {
    super(sentence);
    this.status = status;
    this.problem = problem || {};
    this.code = this.problem.code || null;
  }
}

/** The bearer token kept for this page, or null. */
export function token() {
  return kept().getItem(TOKEN_KEY);
}

/** Keep `value` as the bearer token (null forgets it). */
export function setToken(value) {
  if (value) kept().setItem(TOKEN_KEY, value);
  else kept().removeItem(TOKEN_KEY);
}

/** A problem+json body as one sentence: its detail, and each field's first complaint. */
export function sentence(status, problem) {
  if (!problem || typeof problem !== "object") return t("error.generic", { status });
  const fields = Object.entries(problem.errors || {})
    .filter(([, messages]) => messages && messages.length)
    .map(([field, messages]) => t("error.field", { field, message: messages[0] }));
  const generic = problem.detail && problem.detail.startsWith("The request did not validate");
  const parts = [generic && fields.length ? null : problem.detail || problem.title, ...fields];
  return parts.filter(Boolean).join(" ") || t("error.generic", { status });
}

let onUnauthorized = () => {};
/** What to do when the server says the token is no good (sign the person out). */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/** Call the API. `body` is sent as JSON; `query` as the query string. Resolves the parsed
 * JSON (or the Response with `raw`), rejects with an ApiError. */
export async function api(path, { method = "GET", body, query, raw = false, headers = {} } = {}) {
  const url = new URL(BASE + path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  const sent = {
    Accept: "application/json, application/problem+json",
    "Accept-Language": language(),
    ...headers,
  };
  const bearer = token();
  if (bearer) sent.Authorization = `Bearer ${bearer}`;
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    sent["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, { method, headers: sent, body: payload, cache: "no-store" });
  } catch {
    throw new ApiError(0, null, t("error.network"));
  }
  if (!response.ok) {
    let problem = null;
    try {
      problem = await response.json();
    } catch {
      problem = null;
    }
    if (response.status === 401 && bearer) {
      onUnauthorized();
      throw new ApiError(401, problem, t("error.unauthorized"));
    }
    throw new ApiError(response.status, problem, sentence(response.status, problem));
  }
  if (raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  return type.includes("json") ? response.json() : response.text();
}

/** A fresh Idempotency-Key for a POST that must not happen twice. */
export function idempotencyKey() {
  return window.crypto.randomUUID();
}
