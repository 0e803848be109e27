// The few EXIF fields the photo checks use, read from a JPEG's first bytes: DateTimeOriginal
// with OffsetTimeOriginal, the GPS position, Software. The bytes are hostile input: every
// offset is bounds-checked, and anything malformed reads as "no EXIF", never an exception.
const EXIF_IFD = 0x8769;
const GPS_IFD = 0x8825;
const SOFTWARE = 0x0131;
const DATETIME_ORIGINAL = 0x9003;
const OFFSET_TIME_ORIGINAL = 0x9011;
const MAX_ENTRIES = 512;
const NONE = Object.freeze({ takenAt: null, hasOffset: false, position: null, software: null });

/** {takenAt: Date|null, hasOffset, position: {latitude, longitude}|null, software} of the JPEG
 * whose first bytes are `bytes` (a Uint8Array). */
export function readExif(bytes) {
  try {
    const tiff = exifSegment(bytes);
    return tiff ? fromTiff(tiff) : NONE;
  } catch {
    return NONE;
  }
}

/** The TIFF block inside the APP1 "Exif" segment, as a DataView, or null. */
function exifSegment(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length < 4) return null;
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return null; // image data: no EXIF before it
    const length = view.getUint16(at + 2);
    if (length < 2 || at + 2 + length > bytes.length) return null;
    const start = at + 4;
    if (marker === 0xe1 && length >= 8 && ascii(bytes, start, 6) === "Exif\0\0") {
      return new DataView(bytes.buffer, bytes.byteOffset + start + 6, length - 8);
    }
    at += 2 + length;
  }
  return null;
}

function ascii(bytes, start, count) {
  let text = "";
  for (let i = start; i < start + count && i < bytes.length; i += 1) {
    text += String.fromCharCode(bytes[i]);
  }
  return text;
}

function fromTiff(tiff) {
  if (tiff.byteLength < 8) return NONE;
  const order = tiff.getUint16(0);
  if (order !== 0x4949 && order !== 0x4d4d) return NONE;
  const little = order === 0x4949;
  if (tiff.getUint16(2, little) !== 42) return NONE;
  const reader = { tiff, little };
  const ifd0 = entries(reader, tiff.getUint32(4, little));
  const exif = ifd0.has(EXIF_IFD) ? entries(reader, long(reader, ifd0.get(EXIF_IFD))) : new Map();
  const gps = ifd0.has(GPS_IFD) ? entries(reader, long(reader, ifd0.get(GPS_IFD))) : new Map();
  const taken = takenAt(text(reader, exif.get(DATETIME_ORIGINAL)), text(reader, exif.get(OFFSET_TIME_ORIGINAL)));
  return {
    takenAt: taken.at,
    hasOffset: taken.hasOffset,
    position: position(reader, gps),
    software: text(reader, ifd0.get(SOFTWARE))?.slice(0, 100) || null,
  };
}

/** The entries of the IFD at `offset`: tag → {type, count, valueAt}. */
function entries({ tiff, little }, offset) {
  const found = new Map();
  if (!Number.isInteger(offset) || offset < 8 || offset + 2 > tiff.byteLength) return found;
  const count = Math.min(tiff.getUint16(offset, little), MAX_ENTRIES);
  for (let i = 0; i < count; i += 1) {
    const at = offset + 2 + i * 12;
    if (at + 12 > tiff.byteLength) break;
    const type = tiff.getUint16(at + 2, little);
    const n = tiff.getUint32(at + 4, little);
    const size = ({ 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8, 13: 4 })[type] || 0;
    const bytes = size * n;
    const valueAt = bytes <= 4 ? at + 8 : tiff.getUint32(at + 8, little);
    if (!size || valueAt + bytes > tiff.byteLength) continue;
    found.set(tiff.getUint16(at, little), { type, count: n, valueAt });
  }
  return found;
}

function long({ tiff, little }, entry) {
  if (!entry || (entry.type !== 4 && entry.type !== 13) || entry.count < 1) return -1;
  return tiff.getUint32(entry.valueAt, little);
}

function text({ tiff }, entry) {
  if (!entry || entry.type !== 2) return null;
  let value = "";
  for (let i = 0; i < entry.count; i += 1) {
    const code = tiff.getUint8(entry.valueAt + i);
    if (code === 0) break;
    value += String.fromCharCode(code);
  }
  return value.trim();
}

/** "YYYY:MM:DD HH:MM:SS" and "+HH:MM" → the moment; without an offset, read as UTC (as the
 * server does, which then allows the whole span of time zones either side). */
function takenAt(value, offset) {
  const match = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(value || "");
  if (!match) return { at: null, hasOffset: false };
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(utc);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return { at: null, hasOffset: false };
  }
  const zone = /^([+-])(\d{2}):(\d{2})$/.exec(offset || "");
  if (!zone) return { at: check, hasOffset: false };
  const shift = (Number(zone[2]) * 60 + Number(zone[3])) * 60_000 * (zone[1] === "+" ? 1 : -1);
  return { at: new Date(utc - shift), hasOffset: true };
}

function rationals({ tiff, little }, entry) {
  if (!entry || entry.type !== 5 || entry.count !== 3) return null;
  const parts = [];
  for (let i = 0; i < 3; i += 1) {
    const top = tiff.getUint32(entry.valueAt + i * 8, little);
    const bottom = tiff.getUint32(entry.valueAt + i * 8 + 4, little);
    if (bottom === 0) return null;
    parts.push(top / bottom);
  }
  return parts[0] + parts[1] / 60 + parts[2] / 3600;
}

function position(reader, gps) {
  const latitude = rationals(reader, gps.get(2));
  const longitude = rationals(reader, gps.get(4));
  if (latitude === null || longitude === null) return null;
  const south = text(reader, gps.get(1))?.toUpperCase() === "S";
  const west = text(reader, gps.get(3))?.toUpperCase() === "W";
  const lat = south ? -latitude : latitude;
  const lon = west ? -longitude : longitude;
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    return null;
  }
  return { latitude: lat, longitude: lon };
}
