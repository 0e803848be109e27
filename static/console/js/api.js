// The console's API module: the shared one, with the token kept in sessionStorage (gone when
// the tab closes: a shared office computer forgets the reviewer).
import { configure } from "/static/common/js/api.js";
import "./i18n.js"; // the console's strings before any error is put in words

configure({ storage: window.sessionStorage });

export * from "/static/common/js/api.js";
