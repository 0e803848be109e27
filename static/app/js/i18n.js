// The app's strings on the shared i18n module, in English, French and Dutch: every app module
// imports this one, so the catalogues are in before any string is asked for.
import { extend } from "/static/common/js/i18n.js";
import en from "../strings/en.js";
import fr from "../strings/fr.js";
import nl from "../strings/nl.js";

extend({ en, fr, nl });

export * from "/static/common/js/i18n.js";
