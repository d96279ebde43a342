// The Playground view: the lecture's 2-D classification demo. The MLP trains on the
// server (POST /v1/playground, w2v playground's own code); the page polls the run and
// redraws the decision surface and the loss curves as the epochs come in.

import { ApiError, api } from "./api.js";
import { $, showError } from "./dom.js";
import { drawChart } from "./chart.js";
import { drawSurface } from "./surface.js";

const POLL_MS = 150;

let run = null; // {id, points, history, surface, state, epochs}

export function initPlayground() {
  $("playground-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    await stop();
    try {
      const started = await api("/v1/playground", { method: "POST", body: request(new FormData(event.target)) });
      showError(null);
      run = { ...started, history: [] };
      follow(run);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      $("playground-status").textContent = error.message;
    }
  });
  $("playground-stop").addEventListener("click", stop);
}

// Draw what there is (the view was shown, or the window resized).
export function showPlayground() {
  draw();
}

function request(form) {
  const hidden = form.get("hidden").split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  return {
    data: form.get("data"),
    hidden,
    activation: form.get("activation"),
    lr: Number(form.get("lr")),
    epochs: Number(form.get("epochs")),
    noise: Number(form.get("noise")),
  };
}

async function follow(current) {
  while (current === run) {
    const since = current.history.length;
    const state = await api(`/v1/playground/${current.id}?since=${since}`);
    if (current !== run) return;
    current.history.push(...state.history);
    current.points = state.points ?? current.points;
    Object.assign(current, { surface: state.surface, state: state.state, error: state.error });
    draw();
    if (state.state !== "running") return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function stop() {
  const current = run;
  if (current?.state === "running") {
    current.state = "cancelled";
    await api(`/v1/playground/${current.id}`, { method: "DELETE" }).catch(() => null);
  }
}

function draw() {
  if (!run) {
    $("playground-status").textContent = "Choose a data set and a network, then Train.";
    drawChart($("playground-loss"), [], { x: "epoch", y: "loss" });
    return;
  }
  drawSurface($("playground-surface"), run.surface, run.points);
  const curve = (key) => run.history.map((s) => [s.epoch, s[key]]);
  drawChart(
    $("playground-loss"),
    [
      { label: "train loss", colour: "#0877bd", points: curve("train_loss") },
      { label: "test loss", colour: "#f59322", points: curve("test_loss") },
    ],
    { x: "epoch", y: "cross-entropy" },
  );
  const last = run.history[run.history.length - 1];
  const scores = last
    ? `epoch ${last.epoch} of ${run.epochs}: test accuracy ${(100 * last.test_acc).toFixed(1)} %, train ${(100 * last.train_acc).toFixed(1)} %`
    : "starting…";
  $("playground-status").textContent = `${run.state}: ${scores}${run.error ? ` — ${run.error}` : ""}`;
}
