// Who is signed in: their profile from GET /me, asked once per sign-in.
import { api, setToken, token } from "./api.js";

let current = null;

/** The signed-in worker's profile, or null. */
export async function me() {
  if (current || !token()) return current;
  current = await api("/me");
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

/** Exchange email and password for a token and read the profile. */
export async function signIn(email, password) {
  const answer = await api("/auth/token", { method: "POST", body: { email, password } });
  setToken(answer.access_token);
  current = null;
  return me();
}

/** Revoke the token on the server, then forget it here, whatever the server said: with no
 * network (status 0) or a token already gone (401) the worker is still signed out here. */
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
