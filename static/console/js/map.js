// Maps with Leaflet over the vendored Natural Earth outlines, or tiles when the server
// configures FAIRFIELD_MAP_TILE_URL. The libraries load on first use.
import { h } from "/static/common/js/dom.js";
import { t } from "./i18n.js";

let ready = null;

/** A tooltip's content as text: Leaflet writes a string tooltip as HTML, and names (of
 * stores, products) come from brands, so they go in as an element holding text. */
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
  return response.json();
}

/** Leaflet, the basemap layer's maker, loaded once. */
export function load() {
  ready ??= (async () => {
    const [config] = await Promise.all([
      json("/console/config.json"),
      script("/static/vendor/leaflet/dist/leaflet.js"),
      script("/static/vendor/topojson-client/dist/topojson-client.min.js"),
    ]);
    let outlines = null;
    if (!config.map_tile_url) {
      const world = await json("/static/vendor/world-atlas/countries-110m.json");
      outlines = window.topojson.feature(world, world.objects.countries);
    }
    return { L: window.L, config, outlines };
  })();
  return ready;
}

/** The basemap: tiles when configured, else the vendored outlines. */
export function basemap({ L, config, outlines }) {
  if (config.map_tile_url) return L.tileLayer(config.map_tile_url, { maxZoom: 19 });
  return L.geoJSON(outlines, {
    interactive: false,
    style: { className: "land", weight: 1 },
    attribution: "Natural Earth",
  });
}

/** A map region named "Map" showing the store, its geofence, and the device's position with
 * its accuracy circle. Returns the element at once; the map draws when Leaflet is loaded. */
export function submissionMap({ store, evidence }) {
  const canvas = h("div.map-canvas");
  const region = h("section.map", { role: "region", "aria-label": t("review.map") },
    canvas,
    h("p.legend", t("review.mapLegend")),
    evidence?.latitude == null ? h("p.muted", t("review.noPosition")) : null,
  );
  load().then((loaded) => {
    if (!canvas.isConnected) return;
    const { L } = loaded;
    const storeAt = [store.latitude, store.longitude];
    // A view first: a circle's bounds are measured in the map's projection.
    const map = L.map(canvas, { attributionControl: true, zoomSnap: 0.5 }).setView(storeAt, 15);
    basemap(loaded).addTo(map);
    const shapes = [
      L.circle(storeAt, { radius: store.geofence_m, className: "fence", interactive: false }),
      L.circleMarker(storeAt, { radius: 7, className: "store-dot" }).bindTooltip(tip(store.name)),
    ];
    if (evidence?.latitude != null) {
      const deviceAt = [evidence.latitude, evidence.longitude];
      shapes.push(
        L.circle(deviceAt, { radius: evidence.accuracy_m || 1, className: "accuracy", interactive: false }),
        L.circleMarker(deviceAt, { radius: 6, className: "device-dot" }),
      );
    }
    const group = L.featureGroup(shapes).addTo(map);
    map.fitBounds(group.getBounds(), { padding: [24, 24], maxZoom: 17 });
  }).catch((error) => console.warn(error));
  return region;
}
