// The worker app's shell: a hash router over the screens, the tabs, the network and queue
// state in the header, sign-out, the service worker and persistent storage.
import { token, whenUnauthorized } from "./api.js";
import { announce, confirmDialog, fill, h } from "/static/common/js/dom.js";
import { language, t } from "./i18n.js";
import { find } from "./router.js";
import screens from "./screens/index.js";
import { forget, me, signOut } from "./session.js";
import { loadQueue } from "./queued.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const network = document.getElementById("network");
const TABS = [
  ["#/home", "tab.home"],
  ["#/find", "tab.find"],
  ["#/money", "tab.money"],
  ["#/account", "tab.account"],
];
let rendering = 0;
let leaving = null;

function drawTabs(signedIn, hash) {
  if (!signedIn) {
    fill(nav);
    nav.hidden = true;
    return;
  }
  nav.hidden = false;
  const current = `#/${hash.replace(/^#?\/?/, "").split(/[/?]/)[0]}`;
  fill(nav, h("ul", TABS.map(([path, key]) =>
    h("li", h("a", { href: path, "aria-current": path === current ? "page" : null }, t(key))))));
}

let queued = 0; // submissions on this phone not yet on the server (queue.js)

// The header says what the worker must know at all times: offline, and work still queued.
function drawNetwork() {
  fill(network,
    navigator.onLine ? null : t("app.offline"),
    queued > 0 ? h("a", { href: "#/uploads" }, t("app.queued", { count: queued })) : null);
  network.classList.toggle("off", !navigator.onLine);
}

async function followQueue() {
  const queue = await loadQueue();
  if (!queue) return;
  const recount = async () => {
    queued = await queue.pendingCount();
    drawNetwork();
  };
  queue.subscribe?.(() => { recount().catch((error) => console.warn(error)); });
  queue.start?.();
  await recount();
}

async function leavePage() {
  if (!leaving) return;
  const done = leaving;
  leaving = null;
  try {
    await done();
  } catch (error) {
    console.warn(error);
  }
}

async function route() {
  const ticket = ++rendering;
  await leavePage();
  const hash = window.location.hash || "#/";
  let profile = null;
  try {
    profile = await me();
  } catch (error) {
    // Offline (status 0) the screens still open, queued work included, with no profile.
    if (error.status === 401) forget();
    else if (error.status !== 0) console.warn(error);
  }
  if (ticket !== rendering) return;
  const signedIn = Boolean(token());
  let found = find(screens, hash);
  if (hash === "#/" || (!found && hash === "")) {
    found = find(screens, signedIn ? "#/home" : "#/signin");
  } else if (found && !found.screen.public && !signedIn) {
    found = find(screens, "#/signin");
  }
  if (!found) found = { screen: notFound(), params: {} };
  drawTabs(signedIn, hash);
  const { screen, params } = found;
  document.title = t("app.title", { page: screen.title() });
  // Each visit draws into a fresh element: a screen still loading when the worker moves on
  // fills one that is no longer on the page, not the next screen.
  const view = h("div.screen");
  fill(main, view);
  main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
  const result = await screen.render(view, { ...params, user: profile, navigate, signOut: leave });
  if (typeof result === "function") {
    if (ticket === rendering) leaving = result;
    else Promise.resolve(result()).catch((error) => console.warn(error));
  }
}

function notFound() {
  return {
    title: () => t("app.notFound"),
    render(target) {
      fill(target, h("h1", t("app.notFound")), h("p", h("a", { href: "#/home" }, t("app.home"))));
    },
  };
}

/** Go to `hash` (a screen calls this after signing in, say). */
export function navigate(hash) {
  if (window.location.hash === hash) route();
  else window.location.hash = hash;
}

/** Sign out; with work still queued on this device, ask first (it stops until the next sign-in). */
export async function leave() {
  const queue = await loadQueue();
  const waiting = queue ? await queue.pendingCount() : 0;
  if (waiting > 0) {
    const sure = await confirmDialog({
      title: t("signout.queuedTitle"),
      text: t("signout.queued", { count: waiting }),
      confirm: t("signout.anyway"),
      cancel: t("app.cancel"),
    });
    if (!sure) return false;
  }
  await leavePage();
  await signOut();
  announce(t("signout.done"));
  navigate("#/signin");
  return true;
}

function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  // A new version took over (its worker skips waiting and claims this page): reload once to
  // run its shell. Queued work lives in IndexedDB, not in the page, and resumes after it. Not
  // on the first install: with no controller before, there is nothing to replace.
  const replacing = Boolean(navigator.serviceWorker.controller);
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!replacing || reloading) return;
    reloading = true;
    window.location.reload();
  });
  navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).catch((error) => {
    console.warn("service worker not registered", error);
  });
}

// Queued uploads and photos live in IndexedDB: ask the browser not to evict them.
async function persist() {
  if (navigator.storage?.persisted && !(await navigator.storage.persisted())) {
    await navigator.storage.persist?.();
  }
}

whenUnauthorized(() => {
  forget();
  if (!window.location.hash.startsWith("#/signin")) window.location.hash = "#/signin";
});
window.addEventListener("hashchange", route);
window.addEventListener("online", drawNetwork);
window.addEventListener("offline", drawNetwork);
document.documentElement.lang = language();
document.getElementById("skip").textContent = t("app.skip");
nav.setAttribute("aria-label", t("nav.main"));
drawNetwork();
registerWorker();
persist().catch((error) => console.warn(error));
followQueue().catch((error) => console.warn(error));
route();
