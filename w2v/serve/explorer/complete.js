// Completion from the vocabulary: as a word is typed in any input bound to the shared
// <datalist id="completions">, the model's most frequent words with that prefix are
// offered (GET /v1/models/NAME/words).

import { api, modelPath, withQuery } from "./api.js";
import { $, h } from "./dom.js";

const DELAY_MS = 120; // typing faster than this asks once
const SHOWN = 12;

// Bind the inputs with list="completions"; `model()` names the current model.
export function initCompletion(model) {
  let timer = 0;
  let asked = 0;
  for (const input of document.querySelectorAll('input[list="completions"]')) {
    input.addEventListener("input", () => {
      clearTimeout(timer);
      const prefix = input.value;
      const name = model();
      if (!prefix || !name) return;
      timer = setTimeout(async () => {
        const ask = ++asked;
        try {
          const { words } = await api(
            withQuery(modelPath(name, "/words"), { prefix, n: SHOWN }),
          );
          if (ask === asked) {
            $("completions").replaceChildren(...words.map((w) => h("option", { value: w })));
          }
        } catch {
          // completion is a convenience: a failed one shows nothing
        }
      }, DELAY_MS);
    });
  }
}
