// The address keeps the state: the view, the model and the query live in the hash, so a
// view can be shared and reloaded. Every part is URI-encoded (a word may hold "/" or "#").
//
//   #/models                                  the models
//   #/models/NAME                             neighbours of NAME, no query yet
//   #/models/NAME/similar/WORD                WORD's neighbours
//   #/models/NAME/analogy/A/B/C/METHOD        A - B + C, METHOD add or mul
//   #/models/NAME/map[/N]                     the N most frequent words on the map
//   #/models/NAME/map/similar/WORD            WORD and its neighbours on the map
//   #/models/NAME/map/analogy/A/B/C/METHOD    the analogy as two arrows
//   #/jobs, #/playground

export const DEFAULT_TOP = 5000;

// {view, model, query}: view is models | neighbours | map | jobs | playground; query is
// null, {kind: "similar", word}, {kind: "analogy", a, b, c, method} or {kind: "top", n}.
export function parseRoute(hash) {
  const parts = hash.replace(/^#\/?/, "").split("/").map(decode);
  const [first, model, ...rest] = parts;
  if (first === "jobs" || first === "playground") return { view: first, model: null, query: null };
  if (first !== "models" || !model) return { view: "models", model: null, query: null };
  let view = "neighbours";
  let tail = rest;
  if (tail[0] === "map") {
    view = "map";
    tail = tail.slice(1);
  }
  return { view, model, query: parseQuery(view, tail) };
}

function decode(part) {
  try {
    return decodeURIComponent(part);
  } catch {
    return part; // a malformed escape: kept as typed
  }
}

function parseQuery(view, [kind, ...args]) {
  if (kind === "similar" && args[0]) return { kind, word: args[0] };
  if (kind === "analogy" && args.length >= 3 && args.slice(0, 3).every(Boolean)) {
    const [a, b, c, method] = args;
    return { kind, a, b, c, method: method === "mul" ? "mul" : "add" };
  }
  if (view === "map") {
    const n = Number.parseInt(kind, 10);
    return { kind: "top", n: n > 0 ? n : DEFAULT_TOP };
  }
  return null;
}

// The hash of a route (the inverse of parseRoute).
export function formatRoute({ view, model, query }) {
  if (view === "jobs" || view === "playground") return `#/${view}`;
  if (!model) return "#/models";
  const parts = ["models", model];
  if (view === "map") parts.push("map");
  if (query?.kind === "similar") parts.push("similar", query.word);
  else if (query?.kind === "analogy") parts.push("analogy", query.a, query.b, query.c, query.method);
  else if (query?.kind === "top" && view === "map") parts.push(String(query.n));
  return "#/" + parts.map(encodeURIComponent).join("/");
}

export function go(route) {
  window.location.hash = formatRoute(route);
}
