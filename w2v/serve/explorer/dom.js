// DOM helpers. Text only ever goes in as text nodes (append, textContent): no string of
// the server's (a word, a model name, an error) is ever parsed as HTML.

export const $ = (id) => document.getElementById(id);

// h("a", {href: "#/x", class: "c"}, "text", child): an element with attributes and children.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children.map((c) => (c instanceof Node ? c : String(c ?? ""))));
  return element;
}

// Replace the rows of a table's body.
export function fillTable(table, rows) {
  table.tBodies[0].replaceChildren(...rows);
}

// Show one message in the page's error line (null hides it).
export function showError(message) {
  const line = $("error");
  line.textContent = message ?? "";
  line.hidden = !message;
}

// A number for a table cell: `digits` decimals, or "" for null.
export function fixed(value, digits = 3) {
  return value === null || value === undefined ? "" : Number(value).toFixed(digits);
}

// A canvas sized to its CSS box at the screen's pixel density; returns its 2-D context
// drawing in CSS pixels.
export function fitCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const { width, height } = canvas.getBoundingClientRect();
  const w = Math.max(1, Math.round(width * ratio));
  const hgt = Math.max(1, Math.round(height * ratio));
  if (canvas.width !== w || canvas.height !== hgt) {
    canvas.width = w;
    canvas.height = hgt;
  }
  const context = canvas.getContext("2d");
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { context, width, height };
}
