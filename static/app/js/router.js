// Hash routes as the screens name them: "#/mission/:id" matches "#/mission/abc" with {id: "abc"}.

/** "#/mission/abc?from=find" → {parts: ["mission", "abc"], query}. */
export function parseHash(hash) {
  const [route, search = ""] = (hash || "#/").replace(/^#?\/?/, "").split("?");
  const parts = route.split("/").filter(Boolean).map(decodeURIComponent);
  return { parts, query: new URLSearchParams(search) };
}

/** The params of `pattern` ("#/task/:assignmentId") matched by `parts`, or null. */
export function match(pattern, parts) {
  const wanted = pattern.replace(/^#?\/?/, "").split("/").filter(Boolean);
  if (wanted.length !== parts.length) return null;
  const params = {};
  for (const [index, piece] of wanted.entries()) {
    if (piece.startsWith(":")) params[piece.slice(1)] = parts[index];
    else if (piece !== parts[index]) return null;
  }
  return params;
}

/** The first screen whose path matches `hash`, with its params; null when none does. */
export function find(screens, hash) {
  const { parts, query } = parseHash(hash);
  for (const screen of screens) {
    const params = match(screen.path, parts);
    if (params) return { screen, params: { ...params, query } };
  }
  return null;
}
