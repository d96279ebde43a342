// The models being served: the table of the Models view and the model picker in the
// header. The list is fetched again when a job finishes, so its model appears.

import { api } from "./api.js";
import { $, fillTable, h } from "./dom.js";
import { formatRoute } from "./route.js";

let models = [];

export function modelNames() {
  return models.map((m) => m.name);
}

// Fetch the list and draw it; `current` is the model the page is showing.
export async function refreshModels(current) {
  ({ models } = await api("/v1/models"));
  renderModels(current);
  return models;
}

export function renderModels(current) {
  fillTable(
    $("models-table"),
    models.map((m) =>
      h(
        "tr",
        { class: m.name === current ? "current" : null },
        h("td", {}, h("a", { href: formatRoute({ view: "neighbours", model: m.name }) }, m.name)),
        h("td", { class: "num" }, m.vocab_size.toLocaleString("en")),
        h("td", { class: "num" }, m.dim),
        h("td", {}, m.trainer ?? ""),
        h("td", {}, m.corpus ?? ""),
        h("td", { class: "num" }, m.tokens === null ? "" : m.tokens.toLocaleString("en")),
        h("td", {}, (m.created ?? "").replace("T", " ").slice(0, 19)),
      ),
    ),
  );
  const select = $("model-select");
  select.replaceChildren(...models.map((m) => h("option", { value: m.name }, m.name)));
  select.value = current ?? "";
}

// Call `onPick(name)` when the header's picker changes.
export function onModelPicked(onPick) {
  $("model-select").addEventListener("change", (event) => onPick(event.target.value));
}
