// A photo viewer with zoom and pan: wheel, +/- buttons and keys, drag, arrow keys.
import { h } from "/static/common/js/dom.js";
import { t } from "./i18n.js";

const MIN = 1;
const MAX = 8;
const STEP = 1.25;
const PAN = 40; // pixels per arrow key press

/** A viewer element for `src` with `alt`; `.show(src, alt)` swaps the photo, keeping focus. */
export function photoViewer({ src, alt }) {
  let scale = 1;
  let x = 0;
  let y = 0;
  const image = h("img.photo", { src, alt, draggable: "false" });
  const frame = h("div.viewer", { tabindex: "0", role: "group", "aria-label": t("review.viewer") }, image);

  function apply() {
    if (scale <= MIN) { scale = MIN; x = 0; y = 0; }
    // Keep the picture covering the frame: pan no further than its enlarged edge.
    const limitX = (frame.clientWidth * (scale - 1)) / 2;
    const limitY = (frame.clientHeight * (scale - 1)) / 2;
    x = Math.max(-limitX, Math.min(limitX, x));
    y = Math.max(-limitY, Math.min(limitY, y));
    image.style.transform = `translate(${x}px, ${y}px) scale(${scale})`;
    frame.classList.toggle("zoomed", scale > MIN);
  }
  function zoom(factor) {
    scale = Math.max(MIN, Math.min(MAX, scale * factor));
    apply();
  }
  function reset() { scale = 1; apply(); }

  frame.addEventListener("wheel", (event) => {
    event.preventDefault();
    zoom(event.deltaY < 0 ? STEP : 1 / STEP);
  }, { passive: false });
  let drag = null;
  frame.addEventListener("pointerdown", (event) => {
    drag = { startX: event.clientX - x, startY: event.clientY - y };
    frame.setPointerCapture(event.pointerId);
  });
  frame.addEventListener("pointermove", (event) => {
    if (!drag) return;
    x = event.clientX - drag.startX;
    y = event.clientY - drag.startY;
    apply();
  });
  frame.addEventListener("pointerup", () => { drag = null; });
  frame.addEventListener("keydown", (event) => {
    const moves = { ArrowLeft: [PAN, 0], ArrowRight: [-PAN, 0], ArrowUp: [0, PAN], ArrowDown: [0, -PAN] };
    if (event.key === "+" || event.key === "=") zoom(STEP);
    else if (event.key === "-") zoom(1 / STEP);
    else if (event.key === "0") reset();
    else if (moves[event.key] && scale > MIN) {
      x += moves[event.key][0];
      y += moves[event.key][1];
      apply();
    } else return;
    event.preventDefault();
    event.stopPropagation();
  });

  const controls = h("div.viewer-controls",
    h("button", { type: "button", onclick: () => zoom(STEP) }, t("review.zoomIn")),
    h("button", { type: "button", onclick: () => zoom(1 / STEP) }, t("review.zoomOut")),
    h("button", { type: "button", onclick: reset }, t("review.zoomReset")),
  );
  const element = h("div.viewer-box", controls, frame);
  return {
    element,
    controls,
    image,
    show(newSrc, newAlt) {
      image.src = newSrc;
      image.alt = newAlt;
      reset();
    },
  };
}
