// The console's shell: a hash router, the navigation for the signed-in role, sign in and out.
import { api, whenUnauthorized } from "./api.js";
import { announce, fill, h } from "/static/common/js/dom.js";
import { number, t } from "./i18n.js";
import pages from "./pages/index.js";
import { forget, me, signOut } from "./session.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const account = document.getElementById("account");
let leaving = null; // what the current page does when the reader leaves it
let rendering = 0;
const COUNTS_EVERY_MS = 60_000;
// What waits for an admin ({queue: {total}, appeals: {open}}), shown beside the nav links.
const waiting = { counts: null, timer: null, role: null };

/** "#/review/abc?flag=location" → {path: "#/review", rest: ["abc"], query}. */
export function parseHash(hash) {
  const [route, search = ""] = (hash || "#/").replace(/^#?\/?/, "").split("?");
  const [first = "", ...rest] = route.split("/").filter(Boolean).map(decodeURIComponent);
  return { path: `#/${first}`, rest, query: new URLSearchParams(search) };
}

function allowed(page, profile) {
  if (!page.roles || page.roles.length === 0) return true;
  if (page.orgRoles && !page.orgRoles.includes(profile?.organisation?.role)) return false; // a brand member's role
  return Boolean(profile) && page.roles.includes(profile.role);
}

function drawNav(profile, path) {
  const links = pages
    .filter((page) => page.nav && page.roles?.length && allowed(page, profile))
    .map((page) =>
      h("a", { href: page.path, "aria-current": page.path === path ? "page" : null },
        page.nav, page.count ? h("span.count", { dataset: { page: page.path } }) : null),
    );
  const status = pages.find((page) => page.path === "#/status");
  links.push(h("a", { href: status.path, "aria-current": path === status.path ? "page" : null }, status.nav));
  fill(nav, h("ul", links.map((link) => h("li", link))));
  paintCounts();
  if (profile) {
    fill(
      account,
      h("span.who", t("app.signedInAs", { name: profile.display_name })),
      h("button", { type: "button", id: "sign-out", onclick: leave }, t("app.signOut")),
    );
  } else {
    fill(account);
  }
}

// "Review queue (37)": the link's name still begins with the page's name.
function paintCounts() {
  for (const span of nav.querySelectorAll("span.count")) {
    const page = pages.find((p) => p.path === span.dataset.page);
    const count = waiting.counts && page?.count ? page.count(waiting.counts) : null;
    span.textContent = count === null || count === undefined ? "" : ` ${t("nav.count", { count: number(count) })}`;
  }
}

async function refreshCounts() {
  if (waiting.role !== "admin" || document.hidden) return;
  try {
    waiting.counts = await api("/review/counts");
  } catch {
    return; // a badge that could not be refreshed keeps its last value
  }
  paintCounts();
}

// Admins see what waits beside the navigation, refreshed every minute and after decisions.
function followCounts(profile) {
  const role = profile?.role ?? null;
  if (role === waiting.role) return;
  waiting.role = role;
  window.clearInterval(waiting.timer);
  waiting.timer = null;
  waiting.counts = null;
  if (role !== "admin") return;
  waiting.timer = window.setInterval(refreshCounts, COUNTS_EVERY_MS);
  refreshCounts();
}

// The page lets go of what it holds (a review lease) while the token still works.
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

async function leave() {
  await leavePage();
  await signOut();
  followCounts(null);
  announce(t("app.signedOut"));
  window.location.hash = "#/signin";
  await route();
}

async function route() {
  const ticket = ++rendering;
  leavePage();
  const where = parseHash(window.location.hash);
  let profile = null;
  try {
    profile = await me();
  } catch {
    forget();
  }
  if (ticket !== rendering) return;
  let page = pages.find((candidate) => candidate.path === where.path);
  if (where.path === "#/" || !page) page = page || (where.path === "#/" ? home(profile) : null);
  if (page && page.roles?.length && !profile) page = pages.find((p) => p.path === "#/signin");
  drawNav(profile, page ? page.path : where.path);
  followCounts(profile);
  if (!page) page = notFound();
  else if (!allowed(page, profile)) page = forbidden();
  document.title = t("app.title", { page: page.title });
  fill(main);
  main.focus({ preventScroll: true });
  const result = await page.render(main, { ...where, user: profile, navigate });
  if (typeof result === "function") {
    // Left before it finished drawing: let go at once of what it took.
    if (ticket === rendering) leaving = result;
    else Promise.resolve(result()).catch((error) => console.warn(error));
  }
}

function home(profile) {
  if (!profile) return pages.find((p) => p.path === "#/signin");
  const first = pages.find((p) => p.nav && p.roles?.includes(profile.role));
  return first || pages.find((p) => p.path === "#/status");
}

function notFound() {
  return {
    title: t("app.notFound"),
    render(target) {
      fill(target, h("h1", t("app.notFound")), h("p", t("app.notFoundText")),
        h("p", h("a", { href: "#/" }, t("app.home"))));
    },
  };
}

function forbidden() {
  return {
    title: t("app.forbidden"),
    render(target) {
      fill(target, h("h1", t("app.forbidden")), h("p", h("a", { href: "#/" }, t("app.home"))));
    },
  };
}

/** Go to `hash` (a page calls this after sign-in, say). */
export function navigate(hash) {
  if (window.location.hash === hash) route();
  else window.location.hash = hash;
}

whenUnauthorized(() => {
  forget();
  if (!window.location.hash.startsWith("#/signin")) window.location.hash = "#/signin";
});
window.addEventListener("hashchange", route);
window.addEventListener("fairfield:review-changed", refreshCounts);
document.addEventListener("visibilitychange", refreshCounts);
route();
