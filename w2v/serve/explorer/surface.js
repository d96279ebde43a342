// The playground's picture: the decision surface p(y = 1 | x) as colours (orange for class
// 0, grey at 0.5, blue for class 1, as the TensorFlow Playground), and the points on it
// (training points ringed in white, test points in black).

import { fitCanvas } from "./dom.js";

const ORANGE = [245, 147, 34];
const GREY = [232, 234, 235];
const BLUE = [8, 119, 189];
const COLOUR = ["#f59322", "#0877bd"]; // by label

// surface: {size, extent, p: base64 of size*size bytes, row 0 at the bottom};
// points: {train: [[x1, x2, label], ...], test: [...]} or null.
export function drawSurface(canvas, surface, points) {
  const { context: g, width, height } = fitCanvas(canvas);
  g.clearRect(0, 0, width, height);
  const side = Math.min(width, height);
  const extent = surface?.extent ?? 1.5;
  if (surface) {
    const image = surfaceImage(surface);
    g.imageSmoothingEnabled = true;
    g.drawImage(image, 0, 0, side, side);
  }
  const at = (v) => ((v + extent) / (2 * extent)) * side;
  for (const [rows, ring] of [[points?.train ?? [], "white"], [points?.test ?? [], "black"]]) {
    for (const [x1, x2, label] of rows) {
      g.beginPath();
      g.arc(at(x1), side - at(x2), 3.5, 0, 2 * Math.PI);
      g.fillStyle = COLOUR[label];
      g.fill();
      g.strokeStyle = ring;
      g.lineWidth = 1;
      g.stroke();
    }
  }
}

// An offscreen canvas of size x size pixels, one per grid point, top row = largest x2.
function surfaceImage({ size, p }) {
  const bytes = Uint8Array.from(atob(p), (c) => c.charCodeAt(0));
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const g = canvas.getContext("2d");
  const image = g.createImageData(size, size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const q = bytes[(size - 1 - i) * size + j] / 255; // flip: row 0 of the grid is the bottom
      const [from, to, t] = q < 0.5 ? [ORANGE, GREY, q * 2] : [GREY, BLUE, q * 2 - 1];
      const k = 4 * (i * size + j);
      for (let c = 0; c < 3; c++) image.data[k + c] = from[c] + (to[c] - from[c]) * t;
      image.data[k + 3] = 255;
    }
  }
  g.putImageData(image, 0, 0);
  return canvas;
}
