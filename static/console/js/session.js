// Who is signed in: their profile from GET /me, kept for the tab's life.
import { api, setToken, token } from "./api.js";

let current = null;

/** The signed-in user's profile, or null. Asks the API once per sign-in. */
export async function me() {
  if (current || !token()) return current;
  current = await api("/me");
  return current;
}

export function user() {
  return current;
}

/** Exchange email and password for a token and read the profile. */
export async function signIn(email, password) {
  const answer = await api("/auth/token", { method: "POST", body: { email, password } });
  setToken(answer.access_token);
  current = null;
  return me();
}

/** Revoke the token on the server, then forget it here, whatever the server said. */
export async function signOut() {
  try {
    if (token()) await api("/auth/logout", { method: "POST" });
  } finally {
    forget();
  }
}

export function forget() {
  setToken(null);
  current = null;
}
