// The Map view: a 2-D map (PCA computed by the server) of a word and its neighbours, of
// the most frequent words, or of an analogy drawn as two parallel arrows, as
// `w2v plot --analogy` draws it: b -> a and c -> d, with c + (a - b) marked.

import { ApiError, api, modelPath, withQuery } from "./api.js";
import { $ } from "./dom.js";
import { DEFAULT_TOP, go } from "./route.js";
import { Scatter } from "./scatter.js";

const NEIGHBOURS = 100; // on the map of a word
const ANSWERS = 5; // on the map of an analogy

let scatter = null;
let asked = 0; // the last map asked for: an older answer arriving late is dropped

export function initMap(currentModel) {
  scatter = new Scatter($("map-canvas"), $("map-tip"));
  scatter.onPick = (word) =>
    go({ view: "map", model: currentModel(), query: { kind: "similar", word } });
  $("map-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const word = $("map-word").value.trim();
    const n = Number($("map-n").value);
    const query = word ? { kind: "similar", word } : { kind: "top", n };
    go({ view: "map", model: currentModel(), query });
  });
}

export async function showMap(route) {
  const ask = ++asked;
  const query = route.query ?? { kind: "top", n: DEFAULT_TOP };
  fillForm(query);
  const caption = $("map-caption");
  caption.textContent = "…";
  let data;
  try {
    data = await api(mapPath(route.model, query));
  } catch (error) {
    if (!(error instanceof ApiError) || ask !== asked) throw error;
    caption.textContent = error.message;
    scatter.setData({ points: [] });
    return;
  }
  if (ask !== asked) return;
  scatter.setData(query.kind === "analogy" ? analogyPicture(data) : wordsPicture(data, query));
  const [e1, e2] = data.explained.map((e) => (100 * e).toFixed(0));
  caption.textContent = `${data.words.length.toLocaleString("en")} words; PCA of their unit vectors, the axes keep ${e1} % and ${e2} % of the variance${query.kind === "analogy" ? " of the four words" : ""}.`;
}

function mapPath(name, query) {
  if (query.kind === "similar") {
    return withQuery(modelPath(name, "/map"), { word: query.word, n: NEIGHBOURS });
  }
  if (query.kind === "analogy") {
    const { a, b, c, method } = query;
    return withQuery(modelPath(name, "/map/analogy"), { a, b, c, method, n: ANSWERS });
  }
  return withQuery(modelPath(name, "/map"), { n: query.n });
}

// words[0] is the query word when there is one; scores are the neighbours'.
function wordsPicture({ words, x, y, scores }, query) {
  const first = query.kind === "similar";
  const points = words.map((word, i) => ({
    word,
    x: x[i],
    y: y[i],
    kind: first && i === 0 ? "query" : "word",
    score: first ? (i ? scores[i - 1] : null) : null,
  }));
  return { points };
}

// words are b, a, c, d, then the runners-up; query is c + (a - b).
function analogyPicture({ words, x, y, scores, query }) {
  const at = (i) => [x[i], y[i]];
  const points = words.map((word, i) => ({
    word,
    x: x[i],
    y: y[i],
    kind: i < 3 ? "query" : i === 3 ? "answer" : "word",
    score: i >= 3 ? scores[i - 3] : null,
  }));
  const [b, a, c] = words;
  const arrows = [
    { from: at(0), to: at(1) },
    { from: at(2), to: at(3) },
    { from: at(2), to: query, dashed: true },
  ];
  const marks = [{ x: query[0], y: query[1], label: `${c} + (${a} − ${b})` }];
  return { points, arrows, marks };
}

function fillForm(query) {
  $("map-word").value = query.kind === "similar" ? query.word : "";
  if (query.kind === "top") $("map-n").value = String(query.n);
}
