// The app's map: Leaflet (vendored) over the map tiles the server configures, else the
// vendored Natural Earth outlines, as the console draws it. Loaded on first use; names on it
// go in as text (tip), never as markup Leaflet would parse.
import { h } from "/static/common/js/dom.js";
import { t } from "./i18n.js";

let ready = null;

/** A tooltip's content as an element holding text (a store's name comes from a brand). */
export function tip(text) {
  return h("span", text);
}

function script(src) {
  return new Promise((resolve, reject) => {
    const tag = h("script", { src });
    tag.addEventListener("load", resolve);
    tag.addEventListener("error", () => reject(new Error(`could not load ${src}`)));
    document.head.append(tag);
  });
}

async function json(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

function load() {
  ready ??= (async () => {
    const config = await json("/console/config.json").catch(() => ({ map_tile_url: null }));
    await script("/static/vendor/leaflet/dist/leaflet.js");
    let outlines = null;
    if (!config.map_tile_url) {
      await script("/static/vendor/topojson-client/dist/topojson-client.min.js");
      const world = await json("/static/vendor/world-atlas/countries-110m.json");
      outlines = window.topojson.feature(world, world.objects.countries);
    }
    return { L: window.L, config, outlines };
  })();
  return ready;
}

function basemap({ L, config, outlines }) {
  if (config.map_tile_url) return L.tileLayer(config.map_tile_url, { maxZoom: 19 });
  return L.geoJSON(outlines, {
    interactive: false,
    style: { className: "land", weight: 1 },
    attribution: "Natural Earth",
  });
}

/** A region named "Map"; tapping it calls onPick(latitude, longitude). Returns {element,
 * show(center, missions)} where show draws the point searched around and the missions. */
export function missionMap({ onPick }) {
  const canvas = h("div.map-canvas");
  const element = h("section.map", { role: "region", "aria-label": t("find.map") }, canvas);
  let map = null;
  let layer = null;
  let pending = null;
  const draw = (L, center, missions) => {
    layer?.remove();
    const shapes = missions.map((m) =>
      L.circleMarker([m.store.latitude, m.store.longitude], { radius: 9, className: "store-dot" })
        .bindTooltip(tip(m.store.name)));
    if (center) shapes.push(L.circleMarker([center.latitude, center.longitude], { radius: 7, className: "me-dot", interactive: false }));
    layer = L.featureGroup(shapes).addTo(map);
    if (shapes.length) map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 15 });
  };
  load().then((loaded) => {
    if (!canvas.isConnected) return;
    const { L } = loaded;
    map = L.map(canvas, { zoomSnap: 0.5 }).setView([50.85, 4.35], 4);
    basemap(loaded).addTo(map);
    map.on("click", (event) => onPick(event.latlng.lat, event.latlng.lng));
    if (pending) draw(L, ...pending);
  }).catch((error) => console.warn(error));
  return {
    element,
    show(center, missions) {
      pending = [center, missions];
      if (map) draw(window.L, center, missions);
    },
  };
}
