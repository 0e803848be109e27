// What the campaign desk's pages share: every store of the brand, maps of stores (chosen ones,
// or coloured by mission status with a legend in words), money typed by people, downloads.
import { api } from "./api.js";
import { fill, h, saveBlob } from "/static/common/js/dom.js";
import { number, t } from "./i18n.js";
import { basemap, load, tip } from "/static/common/js/leaflet.js";

const PAGE = 200; // the API's largest page

/** Every store of the signed-in brand, a page of 200 at a time. */
export async function allStores() {
  const stores = [];
  let cursor = null;
  do {
    const answer = await api("/stores", { query: { limit: PAGE, cursor } });
    stores.push(...answer.items);
    cursor = answer.next_cursor;
  } while (cursor);
  return stores;
}

/** Fetch `path` with the bearer header and save the answer as `filename`: no token in a URL. */
export async function download(path, query, filename) {
  const response = await api(path, { query, raw: true, headers: { Accept: "*/*" } });
  saveBlob(await response.blob(), filename);
}

function region(label, legend) {
  const canvas = h("div.map-canvas.desk-map");
  const element = h("section.map", { role: "region", "aria-label": t("stores.map") }, canvas, legend);
  if (label) element.prepend(h("h2", label));
  return { canvas, element };
}

function drawn(canvas, points, draw, after = () => {}) {
  load().then((loaded) => {
    if (!canvas.isConnected) return;
    const { L } = loaded;
    const map = L.map(canvas, { attributionControl: true, zoomSnap: 0.5 }).setView([50.85, 4.35], 5);
    basemap(loaded).addTo(map);
    const group = L.featureGroup(draw(L, map)).addTo(map);
    const fit = () => {
      map.invalidateSize();
      if (points.length) map.fitBounds(group.getBounds(), { padding: [24, 24], maxZoom: 15 });
    };
    fit();
    after(fit);
  }).catch((error) => console.warn(error));
}

/** A map region named "Map" of `stores`; with `chosen` (a Set of ids) and `onToggle`, a
 * click on a store chooses it or not, and "Choose the stores in view" chooses those shown. */
export function storesMap(stores, { heading, chosen = null, onToggle = null, onView = null } = {}) {
  const legend = h("p.legend", chosen ? t("stores.mapChooseLegend") : t("stores.mapLegend"));
  const { canvas, element } = region(heading, legend);
  const markers = new Map();
  // A map drawn while hidden has no size: `resize` measures it again once it is shown.
  const view = { map: null, refresh() {}, resize() {} };
  drawn(canvas, stores, (L, map) => {
    view.map = map;
    return stores.map((store) => {
      const marker = L.circleMarker([store.latitude, store.longitude], { radius: 6, className: "store-pin" })
        .bindTooltip(tip(store.name));
      if (chosen) marker.on("click", () => onToggle(store.id));
      markers.set(store.id, marker);
      return marker;
    });
  }, (fit) => {
    view.resize = fit;
    view.refresh();
  });
  view.refresh = () => {
    if (!chosen) return;
    for (const [id, marker] of markers) marker.getElement()?.classList.toggle("chosen", chosen.has(id));
  };
  view.inView = () => {
    if (!view.map) return [];
    const bounds = view.map.getBounds();
    return stores.filter((s) => bounds.contains([s.latitude, s.longitude])).map((s) => s.id);
  };
  if (onView) {
    element.append(h("div.toolbar",
      h("button", { type: "button", onclick: () => onView(view.inView()) }, t("builder.chooseInView"))));
  }
  return { element, view };
}

export const STATUSES = ["open", "claimed", "submitted", "completed", "store_closed", "expired", "cancelled", "draft"];

/** A map region named "Map" of a campaign's stores coloured by mission status, with a legend
 * that says each status in words and its count (colour is never the only signal). */
export function statusMap(items) {
  const counts = new Map();
  for (const item of items) counts.set(item.mission_status, (counts.get(item.mission_status) || 0) + 1);
  const legend = h("ul.status-legend", { "aria-label": t("results.legend") },
    STATUSES.filter((status) => counts.has(status)).map((status) =>
      h("li", h(`span.swatch.status-${status}`, { "aria-hidden": "true" }),
        t("results.legendItem", { status: t(`results.status.${status}`), count: number(counts.get(status)) }))));
  const { canvas, element } = region(null, legend);
  drawn(canvas, items, (L) => items.map((item) =>
    L.circleMarker([item.store.latitude, item.store.longitude], {
      radius: 7,
      className: `mission-pin status-${item.mission_status}`,
    }).bindTooltip(tip(t("results.pin", { store: item.store.name, status: t(`results.status.${item.mission_status}`) })))));
  return element;
}

/** Show `text` in `region` (an aria-live element) only when it changed. */
export function say(region, text) {
  if (region.textContent !== text) fill(region, text);
}

/** A wide table in a box that scrolls sideways on a phone (focusable, so keys scroll it too). */
export function wide(tableElement) {
  const caption = tableElement.querySelector("caption")?.textContent || "";
  return h("div.table-scroll", { role: "region", tabindex: 0, "aria-label": caption }, tableElement);
}
