// The review screen's map of a submission, on the shared Leaflet loader
// (static/common/js/leaflet.js).
import { h } from "/static/common/js/dom.js";
import { basemap, load, tip } from "/static/common/js/leaflet.js";
import { t } from "./i18n.js";

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
