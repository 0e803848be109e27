// The upload queue (queue.js, IndexedDB) when the app has it: loaded once, on demand, so
// that the shell still opens if it cannot load.
let loading = null;

/** The queue module, or null when it could not be loaded. */
export function loadQueue() {
  loading ??= import("./queue.js").catch(() => null);
  return loading;
}
