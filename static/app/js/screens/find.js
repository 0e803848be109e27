// Find: missions near the worker's position (or a point picked on the map, or an address when
// the server has a geocoder), nearest first, as a list named "Missions nearby" and on the map.
import { announce, fill, h, uid } from "/static/common/js/dom.js";
import { load } from "/static/common/js/leaflet.js";
import { api } from "../api.js";
import { busy, errorLine, field } from "../form.js";
import { distance, t } from "../i18n.js";
import { missionMap } from "../map.js";
import { payLines, scoreLine } from "../pay.js";
import { lastPoint, locate, pick } from "../position.js";

const RADII = [2000, 5000, 10000, 25000, 50000];
let radius = 5000; // kept for the visit, as the last point is

function card(mission) {
  return h("li.card",
    h("h2", h("a", { href: `#/mission/${encodeURIComponent(mission.id)}` }, mission.store.name)),
    mission.store.address ? h("p.muted", mission.store.address) : null,
    payLines(mission),
    scoreLine(mission),
  );
}

/** The "Address" field and its button: the first place found is searched around, as a point
 * picked on the map is. */
function addressForm(search, error) {
  const address = field(t("find.address"), { type: "text", autocomplete: "street-address", maxlength: 200, required: true });
  const submit = h("button", { type: "submit" }, t("find.addressSearch"));
  const form = h("form.address", address.element, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const q = address.control.value.trim();
    if (!q) return;
    busy(submit, t("find.addressSearching"), error, async () => {
      const found = await api("/geocode", { query: { q } });
      if (!found.items.length) throw new Error(t("find.addressNone"));
      const [place] = found.items;
      await search(pick(place.latitude, place.longitude, place.label));
    });
  });
  return form;
}

export default {
  path: "#/find",
  title: () => t("find.title"),
  render(main) {
    const error = errorLine();
    const summary = h("p.message", { role: "status" });
    const list = h("ul.cards", { "aria-label": t("find.list") });
    const locateButton = h("button.primary.wide", { type: "button" }, t("find.locate"));
    const radiusId = uid();
    const radiusSelect = h("select", { id: radiusId },
      RADII.map((r) => h("option", { value: r, selected: r === radius }, distance(r))));
    let searching = 0;

    const search = async (point) => {
      const ticket = ++searching;
      fill(error);
      try {
        const found = await api("/missions/nearby", {
          query: { latitude: point.latitude, longitude: point.longitude, radius_m: radius, limit: 50 },
        });
        if (ticket !== searching) return;
        fill(list, found.items.map(card));
        map.show(point, found.items);
        const place = point.label || t(point.picked ? "find.pickedPoint" : "find.yourPosition");
        const said = found.items.length
          ? t("find.around", { place, count: found.items.length })
          : t("find.none", { radius: distance(radius) });
        fill(summary, said);
        announce(said);
      } catch (problem) {
        fill(error, problem.message);
      }
    };
    const map = missionMap({ onPick: (latitude, longitude) => search(pick(latitude, longitude)) });

    locateButton.addEventListener("click", () =>
      busy(locateButton, t("find.locating"), error, async () => {
        let here;
        try {
          here = await locate();
        } catch (problem) {
          // Without a position the map still works: say so.
          throw new Error(t(problem.denied ? "find.denied" : "find.unavailable"));
        }
        await search(here);
      }));
    const addressSlot = h("div");
    // The address field only when the server can search addresses (its config says so).
    load().then(({ config }) => {
      if (config.geocoder && addressSlot.isConnected) fill(addressSlot, addressForm(search, error));
    }).catch(() => {});
    radiusSelect.addEventListener("change", () => {
      radius = Number(radiusSelect.value);
      const point = lastPoint();
      if (point) search(point);
    });

    fill(main,
      h("h1", t("find.title")),
      locateButton,
      h("p.hint", t("find.pickHint")),
      addressSlot,
      h("div.field", h("label", { for: radiusId }, t("find.radius")), radiusSelect),
      map.element,
      error,
      summary,
      list,
    );
    const point = lastPoint();
    if (point) search(point);
    else fill(summary, t("find.start"));
  },
};
