// The app's IndexedDB, for what must survive a reload or a closed app: the submission queue,
// the task drafts, and the photos of both as Blobs in a store of their own (a record's update
// then never copies its photos again).
const NAME = "fairfield-app-work";
const VERSION = 1;
let opening = null;

function open() {
  opening ??= new Promise((resolve, reject) => {
    const asked = indexedDB.open(NAME, VERSION);
    asked.addEventListener("upgradeneeded", () => {
      const db = asked.result;
      if (!db.objectStoreNames.contains("submissions")) {
        db.createObjectStore("submissions", { keyPath: "id" });
      }
      if (!db.objectStoreNames.contains("drafts")) {
        db.createObjectStore("drafts", { keyPath: "assignmentId" });
      }
      if (!db.objectStoreNames.contains("blobs")) db.createObjectStore("blobs");
    });
    asked.addEventListener("success", () => {
      const db = asked.result;
      // A newer version of the app upgrades the schema: let it, and open again after.
      db.addEventListener("versionchange", () => {
        db.close();
        opening = null;
      });
      resolve(db);
    });
    asked.addEventListener("error", () => {
      opening = null;
      reject(asked.error);
    });
  });
  return opening;
}

/** The result of an IDBRequest, as a promise. */
export function request(asked) {
  return new Promise((resolve, reject) => {
    asked.addEventListener("success", () => resolve(asked.result));
    asked.addEventListener("error", () => reject(asked.error));
  });
}

/** Run `work({name: store})` in one transaction over `names`; resolves what `work` resolved,
 * once the transaction committed. */
export async function transaction(names, mode, work) {
  const db = await open();
  const tx = db.transaction(names, mode);
  const stores = Object.fromEntries(names.map((name) => [name, tx.objectStore(name)]));
  const done = new Promise((resolve, reject) => {
    tx.addEventListener("complete", resolve);
    tx.addEventListener("abort", () => reject(tx.error || new Error("transaction aborted")));
    tx.addEventListener("error", () => reject(tx.error));
  });
  const result = await work(stores);
  await done;
  return result;
}

/** The key of the `index`-th photo of `owner` in `kind` (queue or draft). */
export function blobKey(kind, owner, index) {
  return `${kind}:${owner}:${index}`;
}

/** Keep [key, Blob] pairs. */
export function putBlobs(store, pairs) {
  for (const [key, blob] of pairs) store.put(blob, key);
}

/** Forget these keys' Blobs. */
export function deleteBlobs(store, keys) {
  for (const key of keys) store.delete(key);
}

/** The Blob kept under `key`, or undefined. */
export function getBlob(store, key) {
  return request(store.get(key));
}
