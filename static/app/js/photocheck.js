// A photo checked on the device the moment it is taken, the way the server will check it
// (GET /photo-rules gives the thresholds and says how each is measured): resolution on the
// full image; sharpness and exposure on a greyscale image reduced 8 times by block means, as
// the server's JPEG draft decode reduces it; EXIF time and position read by exif.js. Advice
// only: the server decides. No threshold is written here; without rules only the metrics
// come back.
import { t } from "./i18n.js";
import { readExif } from "./exif.js";
import "../strings/task.js";

const STRIP_BLOCKS = 16; // rows of blocks drawn at a time: a 12 MP photo never whole in a canvas

/** Measure `blob` and judge it against `rules` (GET /photo-rules; null: measure only).
 * `options.since` (a Date, the claim's start) bounds the EXIF time from below.
 * Resolves {ok, problems: [{code, check, message}], metrics}; never rejects. */
export async function checkPhoto(blob, rules, options = {}) {
  const metrics = {
    width: null,
    height: null,
    short_side: null,
    sharpness: null,
    luminance: null,
    clipped: null,
    taken_at: null,
    has_position: false,
    bytes: blob?.size ?? 0,
  };
  const problems = [];
  const add = (code, check, values) => problems.push({ code, check, message: t(`photo.${code}`, values) });
  let head = new Uint8Array(0);
  try {
    head = new Uint8Array(await blob.slice(0, 256 * 1024).arrayBuffer());
  } catch {
    add("unreadable", "format");
    return { ok: false, problems, metrics };
  }
  const exif = readExif(head);
  metrics.taken_at = exif.takenAt ? exif.takenAt.toISOString() : null;
  metrics.has_position = exif.position !== null;
  const isJpeg = head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
  if (rules && !isJpeg) add("notJpeg", "format");
  if (rules && blob.size > rules.max_bytes) {
    add("tooLarge", "size", { megabytes: Math.ceil(rules.max_bytes / 1e6) });
  }
  let measured = null;
  try {
    measured = await measure(blob, rules?.measure);
  } catch {
    add("unreadable", "decodes");
    return { ok: false, problems, metrics };
  }
  Object.assign(metrics, measured);
  if (rules) judge(metrics, exif, rules, options, add);
  return { ok: problems.length === 0, problems, metrics };
}

function judge(metrics, exif, rules, options, add) {
  if (metrics.short_side < rules.min_short_side) {
    add("tooSmall", "resolution", { pixels: metrics.short_side, minimum: rules.min_short_side });
  }
  if (metrics.sharpness === null || metrics.sharpness < rules.min_sharpness) add("blurred", "sharpness");
  if (metrics.luminance < rules.min_luminance) add("dark", "exposure");
  else if (metrics.luminance > rules.max_luminance) add("bright", "exposure");
  else if (metrics.clipped > rules.max_clipped) add("clipped", "exposure");
  if (!exif.takenAt) add("noTime", "exif_time");
  else if (!fresh(exif, rules.exif, options)) add("notNow", "exif_time");
  if (!exif.position) add("noLocation", "exif_location");
}

/** Whether the camera's time falls within the task, allowing what the server allows. */
function fresh(exif, rules, { since, now = new Date() }) {
  const drift = (rules?.clock_drift_minutes ?? 0) * 60_000;
  const slack = exif.hasOffset ? 0 : (rules?.no_offset_slack_hours ?? 0) * 3_600_000;
  const taken = exif.takenAt.getTime();
  const from = since ? new Date(since).getTime() : -Infinity;
  return from - drift - slack <= taken && taken <= now.getTime() + drift + slack;
}

/** Resolution on the full image; sharpness, luminance and clipped share on the reduced one
 * when the rules say how the server measures them (`how`: their `measure`). */
async function measure(blob, how) {
  // The raw decoded values, as the server's decoder sees them: no colour management.
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  try {
    const { width, height } = bitmap;
    const size = { width, height, short_side: Math.min(width, height) };
    if (!how) return size;
    const reduced = reduce(bitmap, how.reduction.scale, how.greyscale.weights);
    const { dark_at_most: dark, bright_at_least: bright } = how.exposure;
    let sum = 0;
    let clippedCount = 0;
    for (const value of reduced.pixels) {
      sum += value;
      if (value <= dark || value >= bright) clippedCount += 1;
    }
    const count = reduced.pixels.length;
    return {
      ...size,
      sharpness: laplacianVariance(reduced, how.sharpness.kernel),
      luminance: count ? sum / count : null,
      clipped: count ? clippedCount / count : null,
    };
  } finally {
    bitmap.close();
  }
}

/** The image in grey, each scale × scale block its mean rounded to a whole level (partial
 * blocks at the edges: the mean of the pixels they have), ceil(width/scale) × ceil(height/scale). */
function reduce(bitmap, scale, [wr, wg, wb]) {
  const { width, height } = bitmap;
  const columns = Math.ceil(width / scale);
  const rows = Math.ceil(height / scale);
  const sums = new Float64Array(columns * rows);
  const stripHeight = scale * STRIP_BLOCKS;
  const canvas = new OffscreenCanvas(width, Math.min(stripHeight, height));
  const context = canvas.getContext("2d", { willReadFrequently: true });
  for (let top = 0; top < height; top += stripHeight) {
    const tall = Math.min(stripHeight, height - top);
    context.clearRect(0, 0, width, canvas.height);
    context.drawImage(bitmap, 0, top, width, tall, 0, 0, width, tall);
    const data = context.getImageData(0, 0, width, tall).data;
    for (let y = 0; y < tall; y += 1) {
      const rowBase = Math.floor((top + y) / scale) * columns;
      let at = y * width * 4;
      for (let x = 0; x < width; x += 1, at += 4) {
        sums[rowBase + Math.floor(x / scale)] += wr * data[at] + wg * data[at + 1] + wb * data[at + 2];
      }
    }
  }
  const pixels = new Float64Array(columns * rows);
  for (let row = 0; row < rows; row += 1) {
    const tall = Math.min(scale, height - row * scale);
    for (let column = 0; column < columns; column += 1) {
      const wide = Math.min(scale, width - column * scale);
      // Whole grey levels, as the server's decoder outputs them: the rounding adds its own
      // small variance to the Laplacian's, which a blurred photo's barely exceeds.
      pixels[row * columns + column] = Math.round(sums[row * columns + column] / (tall * wide));
    }
  }
  return { pixels, columns, rows };
}

/** The population variance of the 3 × 3 kernel's response over pixels with all neighbours. */
function laplacianVariance({ pixels, columns, rows }, kernel) {
  if (columns < 3 || rows < 3) return null;
  let sum = 0;
  let squares = 0;
  const count = (columns - 2) * (rows - 2);
  for (let y = 1; y < rows - 1; y += 1) {
    for (let x = 1; x < columns - 1; x += 1) {
      let response = 0;
      for (let dy = 0; dy < 3; dy += 1) {
        const base = (y + dy - 1) * columns + x - 1;
        for (let dx = 0; dx < 3; dx += 1) {
          const weight = kernel[dy][dx];
          if (weight) response += weight * pixels[base + dx];
        }
      }
      sum += response;
      squares += response * response;
    }
  }
  const mean = sum / count;
  return squares / count - mean * mean;
}
