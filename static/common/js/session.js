// Who is signed in: their profile from GET /me, asked once per sign-in, for the console and
// the app alike (each page's api.js chose where the token is kept before any call).
import { api, setToken, token } from "./api.js";

let current = null;
let readAt = 0;

/** The signed-in person's profile, or null. */
export async function me() {
  if (current || !token()) return current;
  current = await api("/me");
  readAt = Date.now();
  return current;
}

/** The profile read last (null when signed out), without asking the server. */
export function user() {
  return current;
}

/** Read the profile again (after a payout request, say). */
export function refresh() {
  current = null;
  return me();
}

/** The profile as of the last `seconds`: a screen showing the balance wants it fresh, but not
 * read twice when the app has just read it to open the screen. */
export function fresh(seconds = 5) {
  if (current && Date.now() - readAt < seconds * 1000) return Promise.resolve(current);
  return refresh();
}

/** Exchange email and password for a token and read the profile. */
export async function signIn(email, password) {
  const answer = await api("/auth/token", { method: "POST", body: { email, password } });
  setToken(answer.access_token);
  current = null;
  return me();
}

/** Revoke the token on the server, then forget it here, whatever the server said: with no
 * network (status 0) or a token already gone (401) the person is still signed out here. */
export async function signOut() {
  try {
    if (token()) await api("/auth/logout", { method: "POST" });
  } catch (error) {
    if (error.status !== 0 && error.status !== 401) console.warn(error);
  } finally {
    forget();
  }
}

/** Forget the token and the profile on this device. */
export function forget() {
  setToken(null);
  current = null;
}
