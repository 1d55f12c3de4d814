// Talking to the Moodify REST API from pages: session auth + CSRF, and errors turned into
// sentences a person can act on (the API's own `detail` when it gives one).

export class ApiError extends Error {
  constructor(message, { status = 0, code = "network", fields = null, body = null } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.body = body;
  }
}

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

const FALLBACK_MESSAGES = {
  400: "Something in that request was not right. Please check and try again.",
  401: "Your session has ended. Please sign in again.",
  403: "You are not allowed to do that. Try signing in again.",
  404: "We could not find that. It may have been deleted.",
  413: "That file is too large. Please upload a shorter recording.",
  415: "We could not read that audio file. Try a WAV, MP3, OGG, WebM or M4A recording.",
  429: "Moodify is busy right now. Please wait a few seconds and try again.",
};

function fallbackMessage(status) {
  if (FALLBACK_MESSAGES[status]) return FALLBACK_MESSAGES[status];
  if (status >= 500) return "Something went wrong on our side. Please try again in a minute.";
  return "Something went wrong. Please try again.";
}

// A request that hangs must end in a message too, never in a spinner that turns forever.
const TIMEOUT_MS = 60000;

export async function api(url, { method = "GET", json, formData, headers = {}, signal, timeoutMs = TIMEOUT_MS } = {}) {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  if (signal) signal.addEventListener("abort", () => timeout.abort());
  try {
    return await request(url, { method, json, formData, headers, signal: timeout.signal });
  } catch (err) {
    if (err.name === "AbortError" && !(signal && signal.aborted)) {
      throw new ApiError("Moodify is taking too long to answer. Please try again in a minute.", { code: "timeout" });
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

async function request(url, { method, json, formData, headers, signal }) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers }, signal };
  if (method !== "GET" && method !== "HEAD") init.headers["X-CSRFToken"] = csrfToken();
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (formData) {
    init.body = formData;
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError("We could not reach Moodify. Check your internet connection and try again.");
  }
  if (response.status === 204) return null;
  let body = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try { body = await response.json(); } catch (_) { body = null; }
  }
  if (!response.ok) {
    if (response.status === 401 || response.status === 403) {
      // A lost session shows up here; say so instead of a generic failure.
      const detail = body && body.detail;
      throw new ApiError(detail || fallbackMessage(response.status), { status: response.status, code: (body && body.error) || "auth", body });
    }
    const detail = body && typeof body.detail === "string" && body.detail ? body.detail : fallbackMessage(response.status);
    throw new ApiError(detail, {
      status: response.status,
      code: (body && body.error) || `http_${response.status}`,
      fields: body && body.fields,
      body,
    });
  }
  return body;
}

export function readJsonScript(id, fallback = null) {
  const el = document.getElementById(id);
  if (!el) return fallback;
  try { return JSON.parse(el.textContent); } catch (_) { return fallback; }
}

// The API's addresses, from the site's URL conf (moodify_site.context_processors): never typed here.
const API_URLS = readJsonScript("api-urls", {});
export function apiUrl(name, id = null) {
  const url = API_URLS[name];
  return id === null ? url : url.replace("{id}", encodeURIComponent(id));
}

export function showNotice(el, message, kind = "error") {
  if (!el) return;
  el.className = `notice notice-${kind}`;
  el.textContent = message;
  el.hidden = !message;
}

export function clearNotice(el) {
  if (!el) return;
  el.textContent = "";
  el.hidden = true;
}

// Colour swatches rendered by templates carry their colour in data-color (the CSP allows no
// inline styles).
export function paintSwatches(root = document) {
  for (const el of root.querySelectorAll("[data-color]")) el.style.background = el.dataset.color;
}

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    // Styles go through the CSSOM: a style="" attribute would break the Content-Security-Policy.
    else if (key === "style") Object.assign(el.style, value);
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function percent(value) {
  return `${Math.round((value || 0) * 100)}%`;
}

export function formatDateTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function emotionLookup(emotions) {
  const byCode = {};
  for (const e of emotions || []) byCode[e.code] = e;
  return (code) => byCode[code] || { code, name: code ? code.charAt(0).toUpperCase() + code.slice(1) : "Unknown", color: "#6b7280" };
}
