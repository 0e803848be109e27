// The console's session: the shared one, on the console's API module (the token in
// sessionStorage).
import "./api.js";

export * from "/static/common/js/session.js";
