// The device's submission queue: what the worker submitted waits in IndexedDB (the photos as
// Blobs) until it is on the server, whole. A submission is declared once (POST
// /assignments/{id}/resumable-submission, with an Idempotency-Key kept with it, so a retried
// declaration is the same submission), then each photo goes up with tus from wherever the
// server says it got to. The upload URLs live in IndexedDB with the submission, so a reload,
// a closed app or a lost network resumes rather than restarts. It resumes by itself: at start,
// on `online`, and on a timer with backoff (no Background Sync: iOS has none).
import { ApiError, api, idempotencyKey, token } from "./api.js";
import { deleteDraft } from "./drafts.js";
import { blobKey, deleteBlobs, getBlob, putBlobs, request, transaction } from "./idb.js";

const TUS_SRC = "/static/vendor/tus-js-client/dist/tus.min.js";
const CHUNK_BYTES = 1024 * 1024;
const TICK_MS = 5000;
// Seconds before the n-th retry of work that met a network or server error; the last repeats.
const BACKOFF_S = [3, 5, 10, 20, 30, 60];
const LOCK = "fairfield-queue";
const ACTIVE = ["queued", "uploading", "waiting"];

const listeners = new Set();
const progress = new Map(); // submission id → [bytes sent of each photo], not persisted
let started = false;
let running = null;
let again = false;
let tusReady = null;

/** The tus client (the vendored UMD bundle sets window.tus), loaded once. */
function loadTus() {
  tusReady ??= window.tus
    ? Promise.resolve(window.tus)
    : new Promise((resolve, reject) => {
      const tag = document.createElement("script");
      tag.src = TUS_SRC;
      tag.addEventListener("load", () => resolve(window.tus));
      tag.addEventListener("error", () => {
        tusReady = null;
        reject(new Error(`could not load ${TUS_SRC}`));
      });
      document.head.append(tag);
    });
  return tusReady;
}

async function sha256(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function all() {
  const records = await transaction(["submissions"], "readonly", (stores) =>
    request(stores.submissions.getAll()));
  return records.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

async function save(record) {
  record.updatedAt = new Date().toISOString();
  await transaction(["submissions"], "readwrite", (stores) => {
    stores.submissions.put(record);
  });
  notify();
}

async function load(id) {
  return transaction(["submissions"], "readonly", (stores) => request(stores.submissions.get(id)));
}

/** What the screens see of a queued submission: no Blobs, progress per photo. */
function summary(record) {
  const sent = progress.get(record.id) || [];
  return {
    id: record.id,
    assignmentId: record.assignmentId,
    outcome: record.payload.outcome,
    state: record.state,
    reason: record.reason,
    submissionId: record.submissionId,
    createdAt: record.createdAt,
    nextAttemptAt: record.nextAttemptAt,
    photos: record.photos.map((photo, index) => ({
      size: photo.size,
      sent: photo.done ? photo.size : Math.max(sent[index] || 0, photo.sent || 0),
      done: photo.done,
    })),
  };
}

let notifying = null;
function notify() {
  // Progress events come fast: one snapshot per animation frame is enough.
  notifying ??= Promise.resolve().then(async () => {
    notifying = null;
    if (!listeners.size) return;
    const items = (await all()).map(summary);
    for (const callback of listeners) {
      try {
        callback(items);
      } catch (error) {
        console.warn(error);
      }
    }
  });
}

/** Call `callback(items)` now and on every change (state, progress); returns unsubscribe. */
export function subscribe(callback) {
  listeners.add(callback);
  all().then((records) => callback(records.map(summary))).catch((error) => console.warn(error));
  return () => listeners.delete(callback);
}

/** Every submission on this device, oldest first, done ones included. */
export async function list() {
  return (await all()).map(summary);
}

/** Submissions not yet on the server whole (queued, uploading, waiting, failed). */
export async function pending() {
  return (await all()).filter((record) => record.state !== "done").map(summary);
}

/** How many submissions will still go up by themselves (queued, uploading or waiting). */
export async function pendingCount() {
  return (await all()).filter((record) => ACTIVE.includes(record.state)).length;
}

/** Queue a submission: {assignmentId, answers, photos: [Blob], position: {latitude,
 * longitude, accuracy_m}, outcome, capturedAt?}. Everything is in IndexedDB before this
 * resolves; the upload starts at once when the network allows. Resolves the local id. */
export async function enqueue({ assignmentId, answers = [], photos, position, outcome, capturedAt }) {
  if (!assignmentId) throw new Error("assignmentId is required");
  if (!photos?.length) throw new Error("at least one photo is required");
  const id = crypto.randomUUID();
  const described = await Promise.all(photos.map(async (blob, index) => ({
    key: blobKey("queue", id, index),
    size: blob.size,
    sha256: await sha256(blob),
    sent: 0,
    done: false,
  })));
  const record = {
    id,
    assignmentId,
    payload: {
      outcome: outcome || "completed",
      answers,
      latitude: position.latitude,
      longitude: position.longitude,
      accuracy_m: position.accuracy_m,
      captured_at: capturedAt || new Date().toISOString(),
    },
    photos: described,
    idempotencyKey: idempotencyKey(),
    state: "queued",
    reason: null,
    submissionId: null,
    attempts: 0,
    nextAttemptAt: 0,
    createdAt: new Date().toISOString(),
    updatedAt: null,
  };
  await transaction(["submissions", "blobs"], "readwrite", (stores) => {
    putBlobs(stores.blobs, described.map((photo, index) => [photo.key, photos[index]]));
    stores.submissions.put(record);
  });
  notify();
  kick();
  return id;
}

/** Try a failed or waiting submission again now. */
export async function retry(id) {
  const record = await load(id);
  if (!record || record.state === "done") return;
  Object.assign(record, { state: "queued", reason: null, nextAttemptAt: 0, attempts: 0 });
  await save(record);
  kick();
}

/** Forget a submission and its photos on this device (a failed one the worker gives up). */
export async function discard(id) {
  const record = await load(id);
  if (!record) return;
  await transaction(["submissions", "blobs"], "readwrite", (stores) => {
    deleteBlobs(stores.blobs, record.photos.map((photo) => photo.key));
    stores.submissions.delete(id);
  });
  progress.delete(id);
  notify();
}

/** Resume queued work now, on every `online` event, and every few seconds when due. Safe to
 * call more than once. */
export async function start() {
  if (started) return;
  started = true;
  // A submission left `uploading` was cut by a reload or a closed app; one waiting for the
  // network gets a try now that the app opened: both resume at once.
  for (const record of await all()) {
    if (record.state === "uploading" || record.state === "waiting") {
      Object.assign(record, { state: record.state === "uploading" ? "queued" : "waiting", nextAttemptAt: 0 });
      await save(record);
    }
  }
  window.addEventListener("online", () => wakeAll());
  window.setInterval(kick, TICK_MS);
  kick();
}

async function wakeAll() {
  for (const record of await all()) {
    if (record.state === "waiting") {
      record.nextAttemptAt = 0;
      await save(record);
    }
  }
  kick();
}

/** Work through what is due; one runner per device (Web Locks, across tabs). */
export function kick() {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    do {
      again = false;
      if (navigator.locks) await navigator.locks.request(LOCK, { ifAvailable: true }, runDue);
      else await runDue(true);
    } while (again);
  })()
    .catch((error) => console.warn(error))
    .finally(() => {
      running = null;
    });
  return running;
}

async function runDue(lock) {
  if (lock === null || !token()) return; // another tab runs the queue; or nobody signed in
  const now = Date.now();
  for (const record of await all()) {
    if (ACTIVE.includes(record.state) && (record.nextAttemptAt || 0) <= now) {
      await send(record);
    }
  }
}

async function send(record) {
  record.state = "uploading";
  record.reason = null;
  await save(record);
  try {
    if (!record.submissionId) await declare(record);
    for (const [index, photo] of record.photos.entries()) {
      if (!photo.done) await upload(record, index);
    }
    Object.assign(record, { state: "done", reason: null, attempts: 0 });
    await transaction(["submissions", "blobs"], "readwrite", (stores) => {
      // The server holds every byte now: the photos leave the device.
      deleteBlobs(stores.blobs, record.photos.map((photo) => photo.key));
      record.updatedAt = new Date().toISOString();
      stores.submissions.put(record);
    });
    progress.delete(record.id);
    notify();
  } catch (error) {
    await setBack(record, error);
  }
}

async function declare(record) {
  const answer = await api(`/assignments/${encodeURIComponent(record.assignmentId)}/resumable-submission`, {
    method: "POST",
    headers: { "Idempotency-Key": record.idempotencyKey },
    body: {
      payload: record.payload,
      photos: record.photos.map(({ size, sha256: digest }) => ({ size, sha256: digest })),
    },
  });
  record.submissionId = answer.submission_id;
  // The server took the answers: the task's draft (kept in case they were refused) goes.
  await deleteDraft(record.assignmentId).catch((error) => console.warn(error));
  for (const upload of answer.uploads) {
    const photo = record.photos[upload.position];
    photo.uploadUrl = new URL(upload.url, window.location.href).href;
    photo.uploadId = upload.id;
    photo.sent = upload.offset;
    photo.done = upload.complete;
  }
  await save(record);
}

async function upload(record, index) {
  const tus = await loadTus();
  const photo = record.photos[index];
  const blob = await transaction(["blobs"], "readonly", (stores) => getBlob(stores.blobs, photo.key));
  if (!blob) throw new Failure("photo_lost", "The photo is no longer on this device.");
  await new Promise((resolve, reject) => {
    const upload = new tus.Upload(blob, {
      uploadUrl: photo.uploadUrl,
      uploadSize: blob.size,
      chunkSize: CHUNK_BYTES,
      retryDelays: [0, 1000, 3000],
      storeFingerprintForResuming: false, // the URL is kept with the submission, in IndexedDB
      onBeforeRequest(req) {
        req.setHeader("Authorization", `Bearer ${token()}`);
      },
      onProgress(sent) {
        const sentNow = progress.get(record.id) || [];
        sentNow[index] = sent;
        progress.set(record.id, sentNow);
        notify();
      },
      onChunkComplete(_chunk, accepted) {
        photo.sent = accepted;
        save(record).catch((error) => console.warn(error));
      },
      onSuccess() {
        resolve();
      },
      onError(error) {
        reject(error);
      },
    });
    upload.start();
  });
  photo.sent = photo.size;
  photo.done = true;
  await save(record);
}

/** A reason the submission cannot go up as it is; it waits for the worker, not the timer. */
class Failure extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function statusOf(error) {
  if (error instanceof ApiError) return error.status;
  const response = error?.originalResponse;
  return response ? response.getStatus() : 0;
}

function problemOf(error) {
  if (error instanceof ApiError) return { code: error.code, message: error.message, errors: error.problem.errors };
  try {
    const problem = JSON.parse(error.originalResponse.getBody());
    return { code: problem.code, message: problem.detail || problem.title };
  } catch {
    return { code: null, message: error?.message || String(error) };
  }
}

/** After an error: wait and retry (the network, the server, a busy upload), or fail with the
 * server's reason (a refusal that trying again will not change). */
async function setBack(record, error) {
  const status = statusOf(error);
  // A 409 is a replay still in flight, or a tus offset out of step: both pass. Any other
  // conflict of the declaration (already submitted, the claim ran out) does not.
  const busy = status === 409 && (!(error instanceof ApiError) || error.code === "idempotency_in_flight");
  const transient = !(error instanceof Failure)
    && (status === 0 || status >= 500 || busy || [408, 423, 429].includes(status));
  if (status === 401) {
    // Signed out or the token ended: it waits, whole, for the next sign-in.
    Object.assign(record, { state: "waiting", reason: { code: "signed_out", message: null } });
    record.nextAttemptAt = Date.now() + BACKOFF_S.at(-1) * 1000;
  } else if (transient) {
    const delay = BACKOFF_S[Math.min(record.attempts, BACKOFF_S.length - 1)];
    record.attempts += 1;
    record.nextAttemptAt = Date.now() + delay * 1000;
    const code = status === 0 ? (navigator.onLine ? "network" : "offline") : "server";
    Object.assign(record, { state: "waiting", reason: { code, message: null } });
  } else {
    const problem = problemOf(error);
    // The fields the server named (answers.<question_id>) let the task screen say where.
    Object.assign(record, {
      state: "failed",
      reason: { code: problem.code || `http_${status}`, message: problem.message, errors: problem.errors || null },
    });
  }
  await save(record);
}
