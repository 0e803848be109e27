// The app's map of missions nearby, on the shared Leaflet loader (static/common/js/leaflet.js).
import { h } from "/static/common/js/dom.js";
import { basemap, load, tip } from "/static/common/js/leaflet.js";
import { t } from "./i18n.js";

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
