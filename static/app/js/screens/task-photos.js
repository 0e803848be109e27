// The photos of a task: "Take photo" opens the camera, each photo is checked on the phone at
// once (photocheck.js against GET /photo-rules) and its verdict said in words, with a retake.
import { api } from "../api.js";
import { addPhoto, dropPhotos } from "../drafts.js";
import { announce, fill, h } from "/static/common/js/dom.js";
import { checkPhoto } from "../photocheck.js";
import { t } from "../i18n.js";

const RULES_KEY = "fairfield.photoRules";

/** GET /photo-rules, kept for the next time the phone is offline; null if never read. */
export async function photoRules() {
  try {
    const rules = await api("/photo-rules");
    window.localStorage.setItem(RULES_KEY, JSON.stringify(rules));
    return rules;
  } catch {
    try {
      return JSON.parse(window.localStorage.getItem(RULES_KEY));
    } catch {
      return null;
    }
  }
}

/** A hidden camera input behind a real button named `label`: `onPhoto(file)` gets the shot. */
function cameraButton(label, onPhoto, className = "button") {
  const input = h("input.visually-hidden", {
    type: "file",
    accept: "image/*",
    capture: "environment",
    tabindex: "-1",
    "aria-hidden": "true",
    "aria-label": label,
  });
  const button = h(`button.${className}`, { type: "button" }, label);
  button.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    const [file] = input.files;
    input.value = "";
    if (file) onPhoto(file);
  });
  return h("span.camera", button, input);
}

function verdictLine(entry) {
  if (!entry.check) return h("p.muted", { role: "status" }, t("photo.checking"));
  if (!entry.check.rulesKnown) return h("p.muted", t("photo.unchecked"));
  if (entry.check.ok) return h("p.good", "✓ ", t("photo.good"));
  return h("ul.problems", entry.check.problems.map((problem) => h("li", "! ", problem.message)));
}

/** The photos part of the draft: `slots.list` (entries {key, check}), drawn into `target`.
 * `draft.blobs[key]` holds each photo; `save()` keeps the draft. `max` caps the count (1 for
 * the storefront). */
export function photoSection({ target, draft, list, rules, since, save, label, max = Infinity }) {
  const urls = new Map();
  const url = (key) => {
    if (!urls.has(key)) urls.set(key, URL.createObjectURL(draft.blobs[key]));
    return urls.get(key);
  };

  async function take(file, replacing = null) {
    const key = await addPhoto(draft.assignmentId, file);
    draft.blobs[key] = file;
    const entry = { key, check: null };
    const at = replacing === null ? list.length : list.findIndex((p) => p.key === replacing);
    if (replacing !== null && at >= 0) {
      list.splice(at, 1, entry);
      await dropPhotos([replacing]);
    } else list.push(entry);
    await save();
    draw();
    const result = await checkPhoto(file, rules, { since });
    entry.check = { ok: result.ok, problems: result.problems, rulesKnown: Boolean(rules) };
    await save();
    draw();
    announce(result.ok ? t("photo.good") : result.problems.map((p) => p.message).join(". "));
  }

  async function remove(key) {
    const at = list.findIndex((p) => p.key === key);
    if (at >= 0) list.splice(at, 1);
    await dropPhotos([key]);
    await save();
    draw();
  }

  function draw() {
    const items = list.map((entry, index) => h("li.photo",
      h("img", { src: url(entry.key), alt: t("task.photoN", { n: index + 1 }), width: 96, height: 72 }),
      h("div",
        h("strong", t("task.photoN", { n: index + 1 })),
        verdictLine(entry),
        h("div.actions",
          cameraButton(t("task.retake"), (file) => take(file, entry.key), "button.small"),
          h("button.small", { type: "button", onclick: () => remove(entry.key) }, t("task.remove")),
        ),
      ),
    ));
    fill(target,
      items.length ? h("ol.photos", items) : null,
      list.length < max ? cameraButton(label, (file) => take(file)) : null,
    );
  }

  draw();
  return { draw, release: () => urls.forEach((value) => URL.revokeObjectURL(value)) };
}
