// Calls to the service's JSON API (/v1/...), with the token when there is one. A refused
// token (401) asks for it again and repeats the call; any other error is thrown as an
// ApiError carrying the server's message and, for an unknown word, its suggestions.

import { askToken, currentToken } from "./token.js";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error ?? `HTTP ${status}`);
    this.status = status;
    this.suggestions = body?.suggestions ?? [];
  }
}

// api("/v1/models") or api("/v1/jobs", {method: "POST", body: {...}}): the parsed JSON.
export async function api(path, { method = "GET", body } = {}) {
  for (;;) {
    const headers = {};
    const token = currentToken();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    if (response.status === 401) {
      await askToken("The server refused the token; enter it again.");
      continue;
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }
}

// A path with a query string: withQuery("/v1/x", {word: "frog", n: 10}).
export function withQuery(path, params) {
  const defined = Object.entries(params).filter(([, v]) => v !== undefined && v !== null);
  return `${path}?${new URLSearchParams(defined)}`;
}

// The path of model `name`'s route `rest`.
export function modelPath(name, rest = "") {
  return `/v1/models/${encodeURIComponent(name)}${rest}`;
}
