// Leaflet (vendored) under the console's and the app's maps: loaded on first use, over the map
// tiles the server configures (FAIRFIELD_MAP_TILE_URL), else the vendored Natural Earth
// outlines. Names on a map go in as text (tip), never as markup Leaflet would parse.
import { h } from "./dom.js";

let ready = null;

/** A tooltip's content as an element holding text: Leaflet writes a string tooltip as HTML,
 * and names (of stores, products) come from brands. */
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

/** Leaflet, the server's map config and (without tiles) the outlines, loaded once. */
export function load() {
  ready ??= (async () => {
    const [config] = await Promise.all([
      json("/console/config.json").catch(() => ({ map_tile_url: null })),
      script("/static/vendor/leaflet/dist/leaflet.js"),
    ]);
    let outlines = null;
    if (!config.map_tile_url) {
      const [world] = await Promise.all([
        json("/static/vendor/world-atlas/countries-110m.json"),
        script("/static/vendor/topojson-client/dist/topojson-client.min.js"),
      ]);
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
