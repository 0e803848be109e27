// The app's API module: the shared one, with the token kept in localStorage (an installed app
// stays signed in between visits, as a phone app does).
import { configure } from "/static/common/js/api.js";
import "./i18n.js"; // the app's strings before any error is put in words

configure({ storage: window.localStorage });

export * from "/static/common/js/api.js";
