// The Jobs view: start a training job, follow the jobs by polling (an EventSource could not
// send the token, which never goes in a URL), cancel one. The loss curve is drawn from the
// (progress, loss) pairs this page has seen; a job seen finishing calls `onModelDone`, so
// its model appears in the list.

import { ApiError, api } from "./api.js";
import { $, fillTable, fixed, h, showError } from "./dom.js";
import { drawChart } from "./chart.js";
import { formatRoute } from "./route.js";

const POLL_MS = 1000;
const LISTED = 20;
const ACTIVE = new Set(["queued", "running"]);

let visible = false;
let polling = false;
let onModelDone = () => {};
const states = new Map(); // job id -> the state last seen
let listed = false; // the first listing is recorded: a job it does not know is new
const losses = new Map(); // job id -> [[progress, loss], ...]

export function initJobs(modelDone) {
  onModelDone = modelDone;
  $("job-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const job = await api("/v1/jobs", { method: "POST", body: jobRequest(new FormData(event.target)) });
      states.set(job.id, job.state); // seen before it ends, however soon that is
      showError(null);
      poll();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showError(`The job was refused: ${error.message}`);
    }
  });
}

// The Jobs view is shown (true) or left (false); polling goes on while a job is active.
export function showJobs(shown) {
  visible = shown;
  if (shown) poll();
}

// Also poll while jobs started elsewhere run (called once the page has loaded).
export function watchJobs() {
  poll();
}

function jobRequest(form) {
  const trainer = form.get("trainer");
  const config = {};
  for (const key of ["dim", "window", "min_count", "epochs"]) {
    const value = form.get(key);
    if (value !== "" && !(key === "epochs" && trainer === "svd")) config[key] = Number(value);
  }
  const request = { trainer, config };
  for (const key of ["corpus", "name"]) {
    const value = form.get(key).trim();
    if (value) request[key] = value;
  }
  return request;
}

async function poll() {
  if (polling) return;
  polling = true;
  try {
    for (;;) {
      const { jobs } = await api(`/v1/jobs?limit=${LISTED}`);
      record(jobs);
      if (visible) render(jobs);
      if (!visible && !jobs.some((j) => ACTIVE.has(j.state))) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    polling = false;
  }
}

function record(jobs) {
  for (const job of jobs) {
    const before = states.get(job.id);
    states.set(job.id, job.state);
    if (job.state === "running" && job.loss !== null) {
      const seen = losses.get(job.id) ?? [];
      if (!seen.length || seen[seen.length - 1][0] < job.progress) seen.push([job.progress, job.loss]);
      losses.set(job.id, seen);
    }
    // a job that ended between two polls is new too, unless it is in the page's first listing
    const isNew = before === undefined ? listed : before !== "done";
    if (job.state === "done" && isNew) onModelDone(job.name);
  }
  listed = true;
}

function render(jobs) {
  fillTable($("jobs-table"), jobs.map(row));
  const followed = jobs.find((j) => losses.has(j.id));
  drawChart(
    $("job-loss"),
    followed ? [{ label: `${followed.name} loss`, colour: "#c0392b", points: losses.get(followed.id) }] : [],
    { x: "progress", y: "loss" },
  );
}

function row(job) {
  const name =
    job.state === "done"
      ? h("a", { href: formatRoute({ view: "neighbours", model: job.name }) }, job.name)
      : job.name;
  const progress = h("progress", { max: 1, value: job.progress });
  const cancel = ACTIVE.has(job.state)
    ? h("button", { type: "button", class: "cancel" }, "Cancel")
    : "";
  if (cancel) {
    cancel.addEventListener("click", async () => {
      await api(`/v1/jobs/${job.id}`, { method: "DELETE" }).catch(() => null);
      poll();
    });
  }
  return h(
    "tr",
    { class: `job-${job.state}`, "data-job": job.id },
    h("td", { class: "num" }, job.id),
    h("td", {}, name),
    h("td", {}, job.trainer),
    h("td", { class: "state", title: job.error ?? "" }, job.state, job.error ? ` — ${job.error}` : ""),
    h("td", {}, progress, ` ${(100 * job.progress).toFixed(0)} %`),
    h("td", { class: "num" }, job.words_per_sec === null ? "" : Math.round(job.words_per_sec).toLocaleString("en")),
    h("td", { class: "num" }, fixed(job.loss)),
    h("td", { class: "num" }, job.eta_seconds === null ? "" : `${Math.ceil(job.eta_seconds)} s`),
    h("td", {}, cancel),
  );
}
