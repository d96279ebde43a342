// A small line chart on a canvas: series of (x, y) points on shared axes, with the ranges
// written at the ends of the axes and a legend. Used for the loss curves of jobs and of
// the playground.

import { fitCanvas } from "./dom.js";

const PAD = { left: 48, right: 12, top: 22, bottom: 26 };

// series: [{label, colour, points: [[x, y], ...]}]; labels: {x, y} axis names.
export function drawChart(canvas, series, labels) {
  const { context: g, width, height } = fitCanvas(canvas);
  g.clearRect(0, 0, width, height);
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x + y));
  g.font = "11px system-ui, sans-serif";
  g.fillStyle = "#555";
  if (!all.length) {
    g.fillText("no data yet", PAD.left, height / 2);
    return;
  }
  const [x0, x1] = range(all.map((p) => p[0]));
  const [y0, y1] = range(all.map((p) => p[1]));
  const w = width - PAD.left - PAD.right;
  const hgt = height - PAD.top - PAD.bottom;
  const sx = (x) => PAD.left + ((x - x0) / (x1 - x0)) * w;
  const sy = (y) => PAD.top + (1 - (y - y0) / (y1 - y0)) * hgt;
  g.strokeStyle = "#999";
  g.lineWidth = 1;
  g.strokeRect(PAD.left, PAD.top, w, hgt);
  g.fillText(short(y1), 4, PAD.top + 8);
  g.fillText(short(y0), 4, PAD.top + hgt);
  g.fillText(short(x0), PAD.left, height - 8);
  const right = short(x1);
  g.fillText(right, PAD.left + w - g.measureText(right).width, height - 8);
  const xName = labels.x;
  g.fillText(xName, PAD.left + (w - g.measureText(xName).width) / 2, height - 8);
  g.fillText(labels.y, PAD.left, PAD.top - 8);
  let legendX = PAD.left + w;
  for (const { label, colour, points } of [...series].reverse()) {
    g.strokeStyle = g.fillStyle = colour;
    g.lineWidth = 1.8;
    g.beginPath();
    points.forEach(([x, y], i) => (i ? g.lineTo(sx(x), sy(y)) : g.moveTo(sx(x), sy(y))));
    g.stroke();
    legendX -= g.measureText(label).width + 14;
    g.fillText(label, legendX, PAD.top - 8);
  }
}

function range(values) {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi - lo < 1e-12) [lo, hi] = [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

function short(v) {
  return Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}
