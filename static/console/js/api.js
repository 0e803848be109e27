// The one way the console talks to the API: fetch, the bearer token, problem+json → a sentence.
// The token lives in sessionStorage (gone when the tab closes) and only ever in a header.
import { t } from "./i18n.js";

const BASE = "/api/v1";
const TOKEN_KEY = "fairfield.token";

/** An API answer that is not a success, with a sentence for people. */
export class ApiError extends Error {
  constructor(status, problem, sentence) {
    super(sentence);
    this.status = status;
    this.problem = problem || {};
    this.code = this.problem.code || null;
  }
}

export function token() {
  return window.sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) window.sessionStorage.setItem(TOKEN_KEY, value);
  else window.sessionStorage.removeItem(TOKEN_KEY);
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
  const sent = { Accept: "application/json, application/problem+json", ...headers };
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
