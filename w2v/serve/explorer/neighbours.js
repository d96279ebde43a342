// The Neighbours view: a word's nearest neighbours, or the answers of an analogy
// a - b + c, in a table whose words are links that search for them.

import { ApiError, api, modelPath, withQuery } from "./api.js";
import { $, fillTable, fixed, h } from "./dom.js";
import { formatRoute, go } from "./route.js";

export const SHOWN = 20;

// Wire the two forms: each submission changes the address, which shows the result.
export function initNeighbours(model) {
  $("similar-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const word = $("similar-word").value.trim();
    if (word) go({ view: "neighbours", model: model(), query: { kind: "similar", word } });
  });
  $("analogy-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const [a, b, c] = ["a", "b", "c"].map((k) => $(`analogy-${k}`).value.trim());
    const method = $("analogy-method").value;
    go({ view: "neighbours", model: model(), query: { kind: "analogy", a, b, c, method } });
  });
}

// Show the route's query (null: the forms only).
export async function showNeighbours({ model, query }) {
  fillForms(query);
  const status = $("neighbours-status");
  const onMap = $("neighbours-on-map");
  onMap.hidden = !query;
  if (query) onMap.href = formatRoute({ view: "map", model, query });
  if (!query) {
    status.replaceChildren("Type a word, or an analogy.");
    fillTable($("neighbours-table"), []);
    return;
  }
  status.replaceChildren("…");
  try {
    const { results } = await api(queryPath(model, query));
    status.replaceChildren(describe(query));
    fillTable($("neighbours-table"), results.map((r, i) => row(model, r, i)));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    status.replaceChildren(error.message, ...suggestions(model, error.suggestions));
    fillTable($("neighbours-table"), []);
  }
}

export function queryPath(model, query) {
  if (query.kind === "similar") {
    return withQuery(modelPath(model, "/similar"), { word: query.word, n: SHOWN });
  }
  const { a, b, c, method } = query;
  return withQuery(modelPath(model, "/analogy"), { a, b, c, method, n: SHOWN });
}

function describe(query) {
  if (query.kind === "similar") return `Nearest to “${query.word}” by cosine:`;
  const how = query.method === "mul" ? "3CosMul" : "3CosAdd";
  return `${query.a} − ${query.b} + ${query.c} ≈ (${how}):`;
}

function row(model, { word, score }, i) {
  const link = formatRoute({ view: "neighbours", model, query: { kind: "similar", word } });
  const bar = h("span", { class: "bar" });
  bar.style.width = `${Math.max(0, score ?? 0) * 100}%`; // CSSOM: allowed by the CSP
  return h(
    "tr",
    {},
    h("td", { class: "num" }, i + 1),
    h("td", {}, h("a", { href: link, class: "word" }, word)),
    h("td", { class: "num score" }, bar, fixed(score)),
  );
}

function suggestions(model, words) {
  if (!words.length) return [];
  const links = words.flatMap((word, i) => [
    i ? ", " : " Did you mean ",
    h("a", { href: formatRoute({ view: "neighbours", model, query: { kind: "similar", word } }) }, word),
  ]);
  return [...links, "?"];
}

function fillForms(query) {
  if (query?.kind === "similar") $("similar-word").value = query.word;
  if (query?.kind === "analogy") {
    for (const k of ["a", "b", "c"]) $(`analogy-${k}`).value = query[k];
    $("analogy-method").value = query.method;
  }
}
