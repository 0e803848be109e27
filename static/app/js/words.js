// Codes the server sends (statuses, kinds, reasons) in words; one the app does not know yet
// is shown as its code, spaced, rather than as a missing string.
import { has, t } from "./i18n.js";

/** `code` under `prefix` ("submission.status", "approved") in words. */
export function word(prefix, code) {
  const key = `${prefix}.${code}`;
  return has(key) ? t(key) : String(code ?? "").replaceAll("_", " ");
}
