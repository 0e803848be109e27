// A task in progress, kept on the device as it is typed and photographed (IndexedDB, photos
// as Blobs): a reload, a closed app or a dead battery loses nothing.
import { blobKey, deleteBlobs, getBlob, putBlobs, request, transaction } from "./idb.js";

/** Every photo of a draft: the shelf's, the storefront, and those answering a question. */
function photosOf(draft) {
  return [
    ...draft.photos,
    ...(draft.storefront ? [draft.storefront] : []),
    ...Object.values(draft.answerPhotos || {}).flat(),
  ];
}

/** The draft of `assignmentId` with its photos' Blobs ({...draft, blobs: {key: Blob}}), or null. */
export async function loadDraft(assignmentId) {
  return transaction(["drafts", "blobs"], "readonly", async (stores) => {
    const draft = await request(stores.drafts.get(assignmentId));
    if (!draft) return null;
    const blobs = {};
    for (const photo of photosOf(draft)) {
      blobs[photo.key] = await getBlob(stores.blobs, photo.key);
    }
    return { ...draft, blobs };
  });
}

/** Keep the draft's fields (no Blobs: photos are added with addPhoto). */
export async function saveDraft(draft) {
  const { blobs: _blobs, ...kept } = draft;
  kept.updatedAt = new Date().toISOString();
  await transaction(["drafts"], "readwrite", (stores) => {
    stores.drafts.put(kept);
  });
}

/** Keep a photo's Blob for the draft; resolves its key. */
export async function addPhoto(assignmentId, blob) {
  const key = blobKey("draft", assignmentId, crypto.randomUUID());
  await transaction(["blobs"], "readwrite", (stores) => putBlobs(stores.blobs, [[key, blob]]));
  return key;
}

/** Forget photos no longer in the draft. */
export async function dropPhotos(keys) {
  if (!keys.length) return;
  await transaction(["blobs"], "readwrite", (stores) => deleteBlobs(stores.blobs, keys));
}

/** Forget the draft and its photos (once its submission is queued). */
export async function deleteDraft(assignmentId) {
  await transaction(["drafts", "blobs"], "readwrite", async (stores) => {
    const draft = await request(stores.drafts.get(assignmentId));
    if (!draft) return;
    const keys = photosOf(draft).map((p) => p.key);
    deleteBlobs(stores.blobs, keys);
    stores.drafts.delete(assignmentId);
  });
}
