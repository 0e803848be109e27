// The builder's stores: all of them, or those chosen on the map or in the list (one choice, two
// views of it). A published campaign only gains stores: the ones it has stay chosen.
import { h, uid } from "/static/common/js/dom.js";
import { say, storesMap } from "../desk.js";
import { t } from "../i18n.js";

function storeList(stores, chosen, locked, toggle) {
  const boxes = new Map();
  const element = h("fieldset.store-list",
    h("legend", t("builder.storeList")),
    h("ul.plain", stores.map((store) => {
      const id = uid();
      const box = h("input", { type: "checkbox", id, value: store.id, checked: chosen.has(store.id), disabled: locked.has(store.id) });
      box.addEventListener("change", () => toggle(store.id, box.checked));
      boxes.set(store.id, box);
      const address = store.address ? h("span.muted", ` · ${store.address}`) : null;
      return h("li", h("span.check", box, h("label", { for: id }, store.name, address)));
    })));
  return { element, boxes };
}

function radio(label, attributes) {
  const id = uid();
  const input = h("input", { type: "radio", name: "store-scope", id, ...attributes });
  return { input, element: h("span.check", input, h("label", { for: id }, label)) };
}

/** The stores field: {element, ids() (the targeted stores), shown() (after it is drawn)}. */
export function pickStores({ stores, chosenIds, published }) {
  const locked = new Set(published ? chosenIds : []);
  const chosen = new Set(chosenIds);
  const everyStore = chosenIds.length === 0 || chosenIds.length === stores.length;
  const count = h("p.muted", { role: "status" });
  const all = radio(t("builder.allStores", { count: stores.length }), { value: "all", checked: everyStore, disabled: published });
  const some = radio(t("builder.someStores"), { value: "some", checked: !everyStore, disabled: published && everyStore });

  function toggle(id, on) {
    if (locked.has(id) && !on) return;
    if (on) chosen.add(id);
    else chosen.delete(id);
    const box = list.boxes.get(id);
    if (box) box.checked = on;
    map.view.refresh();
    counted();
  }
  function counted() {
    say(count, all.input.checked
      ? t("builder.storesAll", { count: stores.length })
      : t("builder.storesChosen", { chosen: chosen.size, count: stores.length }));
  }
  function shown() {
    picker.hidden = all.input.checked;
    if (!all.input.checked) map.view.resize(); // drawn while hidden, it had no size
    counted();
  }

  const list = storeList(stores, chosen, locked, toggle);
  const map = storesMap(stores, {
    chosen,
    onToggle: (id) => toggle(id, !chosen.has(id)),
    onView: (ids) => { for (const id of ids) toggle(id, true); },
  });
  const clear = h("button", { type: "button", onclick: () => { for (const id of [...chosen]) toggle(id, false); } }, t("builder.clearChoice"));
  const picker = h("div.store-picker", map.element, h("div.toolbar", clear), list.element);
  all.input.addEventListener("change", shown);
  some.input.addEventListener("change", shown);
  const element = h("div.field", { dataset: { field: "store_ids" } },
    h("fieldset", { id: "builder-store_ids", tabindex: -1, "aria-describedby": "builder-store_ids-error" },
      h("legend", t("builder.stores")),
      h("p.field-error", { id: "builder-store_ids-error" }),
      all.element, some.element),
    count,
    stores.length ? picker : h("p", h("a", { href: "#/stores" }, t("builder.noStores"))));
  return {
    element,
    shown,
    ids: () => (all.input.checked ? stores.map((s) => s.id) : [...chosen]),
  };
}
