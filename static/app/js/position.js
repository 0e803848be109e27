// Where the phone is: the browser's geolocation as a promise, and the last point the worker
// chose (their position or one picked on the map), kept for this visit only.
import { t } from "./i18n.js";

let last = null;

/** The phone's position {latitude, longitude, accuracy_m}; rejects with a sentence. */
export function locate({ timeout = 20000 } = {}) {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) {
      reject(new Error(t("position.unsupported")));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      ({ coords }) => {
        last = {
          latitude: coords.latitude,
          longitude: coords.longitude,
          accuracy_m: Math.max(1, Math.round(coords.accuracy || 1)),
          picked: false,
        };
        resolve(last);
      },
      (error) => {
        const denied = error.code === error.PERMISSION_DENIED;
        reject(Object.assign(new Error(t(denied ? "position.denied" : "position.unavailable")), { denied }));
      },
      { enableHighAccuracy: true, timeout, maximumAge: 0 }, // a fresh fix: the phone moves
    );
  });
}

/** Remember a point picked on the map, or found for an address (its `label`). */
export function pick(latitude, longitude, label = null) {
  last = { latitude, longitude, accuracy_m: null, picked: true, label };
  return last;
}

/** The last point found or picked, or null. */
export function lastPoint() {
  return last;
}
