// The service's token: asked once, kept in this tab's sessionStorage (gone when the tab
// closes), and sent only in the Authorization header, never in a URL.

import { $ } from "./dom.js";

const KEY = "w2v-token";
let asking = null; // the pending prompt, shared by every request that needs the token

export function currentToken() {
  return sessionStorage.getItem(KEY);
}

// Ask the server whether it wants a token (a route open without one) and, if it does and
// this tab has none yet, ask the user.
export async function ensureToken() {
  const response = await fetch("/explorer/settings.json", { cache: "no-store" });
  const { token_required: required } = await response.json();
  if (required && !currentToken()) await askToken("This server needs its token.");
}

// Show the token dialog with `why`; resolves once the user has given a token.
export function askToken(why) {
  if (asking) return asking;
  const dialog = $("token-dialog");
  const form = $("token-form");
  const input = $("token-input");
  $("token-why").textContent = why;
  input.value = "";
  asking = new Promise((resolve) => {
    form.addEventListener(
      "submit",
      (event) => {
        event.preventDefault();
        sessionStorage.setItem(KEY, input.value.trim());
        dialog.close();
        asking = null;
        resolve();
      },
      { once: true },
    );
  });
  dialog.addEventListener("cancel", (event) => event.preventDefault()); // Escape: still needed
  dialog.showModal();
  input.focus();
  return asking;
}
