// A scatter of labelled points on a canvas, with zoom (wheel, around the cursor), pan
// (drag), fit (double-click), hover labels and a click on a point. Thousands of points
// stay smooth: one path per colour, points off the screen skipped, at most one frame per
// animation frame, and the hovered point found by one pass over the points.
//
// Points are {x, y, word, kind, score}; kind picks the colour and whether the label is
// always drawn ("query", "answer") or only when few points are in view ("word"). Arrows
// are {from: [x, y], to: [x, y], dashed}; marks are crosses {x, y, label}.

import { fitCanvas } from "./dom.js";

const STYLE = {
  word: { colour: "rgba(8, 119, 189, 0.75)", radius: 3 },
  answer: { colour: "#d4a017", radius: 6 },
  query: { colour: "#c0392b", radius: 5 },
};
const ARROW = "#c0392b";
const MARGIN = 40; // pixels around the data when fitted
const HOVER_PX = 10; // how near the cursor a point must be to be hovered
const LABEL_ALL_BELOW = 250; // with fewer points in view, every point is labelled
const CLICK_PX = 4; // a drag shorter than this is a click

export class Scatter {
  constructor(canvas, tip) {
    this.canvas = canvas;
    this.tip = tip;
    this.points = [];
    this.arrows = [];
    this.marks = [];
    this.view = null; // {k, ox, oy}: screen = (ox + k x, oy - k y), in CSS pixels
    this.hovered = null;
    this.onPick = () => {};
    this.frame = 0;
    this.listen();
    new ResizeObserver(() => (this.view ? this.redraw() : this.fit())).observe(canvas);
  }

  setData({ points, arrows = [], marks = [] }) {
    Object.assign(this, { points, arrows, marks, hovered: null });
    this.tip.hidden = true;
    this.fit();
  }

  // Fit every point and mark in the canvas, the same scale on both axes.
  fit() {
    const { width, height } = this.canvas.getBoundingClientRect();
    const all = [...this.points, ...this.marks];
    if (!all.length || width === 0) {
      this.view = null;
      return this.redraw();
    }
    const xs = all.map((p) => p.x);
    const ys = all.map((p) => p.y);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const span = Math.max(x1 - x0, y1 - y0, 1e-9);
    const k = Math.min(
      (width - 2 * MARGIN) / Math.max(x1 - x0, span * 1e-3),
      (height - 2 * MARGIN) / Math.max(y1 - y0, span * 1e-3),
    );
    this.view = { k, ox: width / 2 - k * (x0 + x1) / 2, oy: height / 2 + k * (y0 + y1) / 2 };
    this.redraw();
  }

  toScreen(x, y) {
    const { k, ox, oy } = this.view;
    return [ox + k * x, oy - k * y];
  }

  redraw() {
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.draw();
      });
    }
  }

  draw() {
    const { context: g, width, height } = fitCanvas(this.canvas);
    g.clearRect(0, 0, width, height);
    if (!this.view) return;
    const visible = this.drawPoints(g, width, height);
    for (const arrow of this.arrows) this.drawArrow(g, arrow);
    for (const mark of this.marks) this.drawMark(g, mark);
    this.drawLabels(g, visible);
    if (this.hovered) {
      const [sx, sy] = this.toScreen(this.hovered.x, this.hovered.y);
      g.beginPath();
      g.arc(sx, sy, STYLE[this.hovered.kind].radius + 3, 0, 2 * Math.PI);
      g.strokeStyle = "#222";
      g.lineWidth = 1.5;
      g.stroke();
    }
    this.canvas.dataset.drawn = visible.length; // the points in view: read by the tests
  }

  // One path per kind, the emphasised kinds last (on top); returns the points in view.
  drawPoints(g, width, height) {
    const visible = [];
    for (const kind of ["word", "answer", "query"]) {
      const { colour, radius } = STYLE[kind];
      g.beginPath();
      for (const p of this.points) {
        if (p.kind !== kind) continue;
        const [sx, sy] = this.toScreen(p.x, p.y);
        if (sx < -radius || sy < -radius || sx > width + radius || sy > height + radius) continue;
        g.moveTo(sx + radius, sy);
        g.arc(sx, sy, radius, 0, 2 * Math.PI);
        visible.push(p);
      }
      g.fillStyle = colour;
      g.fill();
    }
    return visible;
  }

  drawArrow(g, { from, to, dashed }) {
    const [x0, y0] = this.toScreen(...from);
    const [x1, y1] = this.toScreen(...to);
    const angle = Math.atan2(y1 - y0, x1 - x0);
    const shorten = 8; // stop short of the point's disc
    const [xe, ye] = [x1 - shorten * Math.cos(angle), y1 - shorten * Math.sin(angle)];
    g.save();
    g.strokeStyle = g.fillStyle = ARROW;
    g.globalAlpha = dashed ? 0.5 : 1;
    g.lineWidth = dashed ? 1 : 2.5;
    g.setLineDash(dashed ? [5, 4] : []);
    g.beginPath();
    g.moveTo(x0, y0);
    g.lineTo(xe, ye);
    g.stroke();
    g.setLineDash([]);
    g.beginPath();
    g.moveTo(xe, ye);
    g.lineTo(xe - 11 * Math.cos(angle - 0.4), ye - 11 * Math.sin(angle - 0.4));
    g.lineTo(xe - 11 * Math.cos(angle + 0.4), ye - 11 * Math.sin(angle + 0.4));
    g.closePath();
    g.fill();
    g.restore();
  }

  drawMark(g, { x, y, label }) {
    const [sx, sy] = this.toScreen(x, y);
    g.strokeStyle = "#555";
    g.lineWidth = 2;
    g.beginPath();
    g.moveTo(sx - 5, sy - 5);
    g.lineTo(sx + 5, sy + 5);
    g.moveTo(sx + 5, sy - 5);
    g.lineTo(sx - 5, sy + 5);
    g.stroke();
    g.fillStyle = "#555";
    g.font = "12px system-ui, sans-serif";
    g.fillText(label, sx + 8, sy + 14);
  }

  // Labels of the emphasised points always, of the others when few are in view; a label
  // that would overlap one already drawn is left out (fillText draws text: never markup).
  drawLabels(g, visible) {
    const all = visible.length <= LABEL_ALL_BELOW;
    const order = [...visible].sort((p, q) => rank(q) - rank(p));
    const placed = [];
    for (const p of order) {
      if (!all && p.kind === "word") continue;
      const [sx, sy] = this.toScreen(p.x, p.y);
      g.font = p.kind === "word" ? "11px system-ui, sans-serif" : "bold 14px system-ui, sans-serif";
      const w = g.measureText(p.word).width;
      const box = [sx + 6, sy - 14, sx + 8 + w, sy + 2];
      if (p.kind === "word" && placed.some((b) => overlaps(b, box))) continue;
      placed.push(box);
      g.fillStyle = p.kind === "word" ? "#333" : "#111";
      g.fillText(p.word, sx + 7, sy - 2);
    }
  }

  // The point nearest to screen position (sx, sy) within HOVER_PX, or null.
  nearest(sx, sy) {
    let best = null;
    let bestD = HOVER_PX * HOVER_PX;
    for (const p of this.points) {
      const [px, py] = this.toScreen(p.x, p.y);
      const d = (px - sx) ** 2 + (py - sy) ** 2;
      if (d <= bestD) [best, bestD] = [p, d];
    }
    return best;
  }

  hover(sx, sy) {
    const p = this.view ? this.nearest(sx, sy) : null;
    if (p === this.hovered) return;
    this.hovered = p;
    this.tip.hidden = !p;
    if (p) {
      this.tip.textContent = p.score === undefined || p.score === null ? p.word : `${p.word}  ${p.score.toFixed(3)}`;
      const [px, py] = this.toScreen(p.x, p.y);
      this.tip.style.left = `${px + 10}px`;
      this.tip.style.top = `${py + 10}px`;
    }
    this.canvas.style.cursor = p ? "pointer" : "grab";
    this.redraw();
  }

  listen() {
    const c = this.canvas;
    const at = (event) => {
      const r = c.getBoundingClientRect();
      return [event.clientX - r.left, event.clientY - r.top];
    };
    c.addEventListener("wheel", (event) => {
      if (!this.view) return;
      event.preventDefault();
      const [mx, my] = at(event);
      const f = Math.exp(-event.deltaY * 0.0015);
      const v = this.view;
      this.view = { k: v.k * f, ox: mx - (mx - v.ox) * f, oy: my - (my - v.oy) * f };
      this.hover(mx, my);
      this.redraw();
    }, { passive: false });
    let drag = null;
    c.addEventListener("pointerdown", (event) => {
      if (!this.view) return;
      c.setPointerCapture(event.pointerId);
      drag = { start: at(event), last: at(event), moved: 0 };
    });
    c.addEventListener("pointermove", (event) => {
      const [mx, my] = at(event);
      if (!drag) return this.hover(mx, my);
      const [lx, ly] = drag.last;
      drag.moved += Math.abs(mx - lx) + Math.abs(my - ly);
      drag.last = [mx, my];
      this.view = { ...this.view, ox: this.view.ox + mx - lx, oy: this.view.oy + my - ly };
      this.tip.hidden = true;
      this.redraw();
    });
    c.addEventListener("pointerup", (event) => {
      const click = drag && drag.moved < CLICK_PX;
      drag = null;
      const [mx, my] = at(event);
      this.hover(mx, my);
      if (click && this.hovered) this.onPick(this.hovered.word);
    });
    c.addEventListener("pointerleave", () => {
      if (!drag) this.hover(-1e9, -1e9);
    });
    c.addEventListener("dblclick", () => this.fit());
  }
}

function rank(p) {
  return { query: 2, answer: 1, word: 0 }[p.kind];
}

function overlaps([a0, b0, a1, b1], [c0, d0, c1, d1]) {
  return a0 < c1 && c0 < a1 && b0 < d1 && d0 < b1;
}
