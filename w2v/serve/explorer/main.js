// The explorer's entry point: asks for the token if the server needs one, then shows the
// view the address names and follows the address from then on (route.js).

import { initCompletion } from "./complete.js";
import { $, showError } from "./dom.js";
import { initJobs, showJobs, watchJobs } from "./jobs.js";
import { initMap, showMap } from "./mapview.js";
import { modelNames, onModelPicked, refreshModels, renderModels } from "./models.js";
import { initNeighbours, showNeighbours } from "./neighbours.js";
import { initPlayground, showPlayground } from "./playground.js";
import { formatRoute, go, parseRoute } from "./route.js";
import { ensureToken } from "./token.js";

const VIEWS = ["models", "neighbours", "map", "jobs", "playground"];

let route = parseRoute("");
let model = null; // the model of the last view that had one
let query = null; // the last word or analogy asked, kept when moving between views

const currentModel = () => model ?? modelNames()[0] ?? null;

async function show() {
  route = parseRoute(window.location.hash);
  if (route.model) model = route.model;
  if (route.query && route.query.kind !== "top") query = route.query;
  for (const view of VIEWS) $(`view-${view}`).hidden = view !== route.view;
  for (const view of VIEWS) $(`nav-${view}`).classList.toggle("active", view === route.view);
  updateLinks();
  showError(null);
  showJobs(route.view === "jobs");
  document.title = `w2v explorer: ${title()}`;
  if (route.view === "models") renderModels(model);
  else if (route.view === "neighbours") await showNeighbours(route);
  else if (route.view === "map") await showMap(route);
  else if (route.view === "playground") showPlayground();
}

function title() {
  const q = route.query;
  const what = q?.kind === "similar" ? q.word : q?.kind === "analogy" ? `${q.a} − ${q.b} + ${q.c}` : "";
  return [route.view, route.model, what].filter(Boolean).join(" · ");
}

function updateLinks() {
  const name = currentModel();
  const kept = route.view === "map" || route.view === "neighbours" ? route.query : query;
  const words = kept?.kind === "top" ? null : kept;
  $("nav-neighbours").href = formatRoute({ view: "neighbours", model: name, query: words });
  $("nav-map").href = formatRoute({ view: "map", model: name, query: words ?? kept });
  $("model-select").value = name ?? "";
}

// A job finished: list its model (and keep showing the current one).
async function modelDone() {
  await refreshModels(currentModel());
  updateLinks();
}

async function start() {
  window.addEventListener("unhandledrejection", (event) => showError(String(event.reason?.message ?? event.reason)));
  await ensureToken();
  initCompletion(currentModel);
  initNeighbours(currentModel);
  initMap(currentModel);
  initJobs(modelDone);
  initPlayground();
  onModelPicked((name) => {
    const view = route.view === "map" ? "map" : "neighbours";
    go({ view, model: name, query: route.view === view ? route.query : query });
  });
  await refreshModels(parseRoute(window.location.hash).model);
  window.addEventListener("hashchange", show);
  await show();
  await new Promise(requestAnimationFrame); // a canvas view draws in the next frame
  // the page's own measure of its first view: from navigation to the view drawn
  performance.mark("w2v-first-view");
  document.documentElement.dataset.firstView = performance.now().toFixed(1);
  watchJobs();
}

start();
