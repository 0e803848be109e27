// The app's session: the shared one, on the app's API module (the token in localStorage).
import "./api.js";

export * from "/static/common/js/session.js";
