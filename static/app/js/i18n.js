// The app's strings on the shared i18n module, in English, French and Dutch: every app module
// imports this one, so the catalogues are in before any string is asked for. A language the
// worker chose in the app (kept on this phone) wins over the browser's.
import { extend, setLanguage } from "/static/common/js/i18n.js";
import en from "../strings/en.js";
import fr from "../strings/fr.js";
import nl from "../strings/nl.js";

const CHOSEN = "fairfield.language";

extend({ en, fr, nl });
if (window.localStorage.getItem(CHOSEN)) setLanguage(window.localStorage.getItem(CHOSEN));

/** Speak `code` (en, fr, nl) from now on, on this phone. */
export function chooseLanguage(code) {
  window.localStorage.setItem(CHOSEN, code);
  return setLanguage(code);
}

export * from "/static/common/js/i18n.js";
