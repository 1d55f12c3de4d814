// The history dashboard: mood timeline and distribution charts for a date range, and the past
// sessions with their recommendations and ratings (loaded when a session is opened).
import { api, apiUrl, readJsonScript, showNotice, clearNotice, h, percent, formatDateTime, emotionLookup } from "./api.js";

const emotions = readJsonScript("emotions-data", []);
const emotion = emotionLookup(emotions);
const $ = (id) => document.getElementById(id);
const charts = {};

function isoDate(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

function readRange() {
  const params = new URLSearchParams(window.location.search);
  const today = new Date();
  let from = params.get("date_from");
  let to = params.get("date_to");
  const days = parseInt(params.get("days") || "30", 10);
  if (!to) to = isoDate(today);
  if (!from) {
    const start = new Date(today);
    start.setDate(start.getDate() - (Number.isFinite(days) && days > 0 ? days - 1 : 29));
    from = isoDate(start);
  }
  return { from, to };
}

const range = readRange();
$("date_from").value = range.from;
$("date_to").value = range.to;

$("range-form").addEventListener("submit", (event) => {
  clearNotice($("range-error"));
  if ($("date_from").value && $("date_to").value && $("date_from").value > $("date_to").value) {
    event.preventDefault();
    showNotice($("range-error"), "The “From” date is after the “To” date. Swap them or pick another range.");
    $("date_from").focus();
  }
});

const prettyDate = (iso) => new Date(`${iso}T00:00:00`).toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
const query = `date_from=${encodeURIComponent(range.from)}&date_to=${encodeURIComponent(range.to)}`;
const chartAnimation = window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : { duration: 300 };

function byValence(codes) {
  return [...codes].sort((a, b) => (emotion(b).valence ?? 0) - (emotion(a).valence ?? 0));
}

function renderTimeline(timeline) {
  const points = [...timeline].sort((a, b) => new Date(a.created_at) - new Date(b.created_at));
  const codes = byValence(new Set([...emotions.map((e) => e.code), ...points.map((p) => p.label)]));
  const names = codes.map((c) => emotion(c).name);
  $("timeline-desc").textContent = points.length
    ? `${points.length} moods from ${formatDateTime(points[0].created_at)} to ${formatDateTime(points[points.length - 1].created_at)}: ` +
      points.map((p) => `${emotion(p.label).name}${p.corrected ? " (your correction)" : ""} on ${formatDateTime(p.created_at)}`).join("; ")
    : "No moods in this range.";
  if (!window.Chart) return;
  if (charts.timeline) charts.timeline.destroy();
  charts.timeline = new window.Chart($("timeline-chart"), {
    type: "line",
    data: {
      datasets: [{
        label: "Mood",
        data: points.map((p) => ({ x: new Date(p.created_at).getTime(), y: emotion(p.label).name, confidence: p.confidence,
          detected: p.corrected ? emotion(p.detected).name : null })),
        borderColor: "#c9c2d8",
        borderWidth: 2,
        pointRadius: 7,
        pointHoverRadius: 9,
        pointBackgroundColor: points.map((p) => emotion(p.label).color),
        pointBorderColor: "#1d1a24",
        pointBorderWidth: 1,
        tension: 0,
      }],
    },
    options: {
      maintainAspectRatio: false,
      animation: chartAnimation,
      scales: {
        x: {
          type: "linear",
          min: new Date(`${range.from}T00:00:00`).getTime(),
          max: new Date(`${range.to}T23:59:59`).getTime(),
          ticks: { maxTicksLimit: 5, color: "#3f3b4b", callback: (v) => new Date(v).toLocaleDateString(undefined, { month: "short", day: "numeric" }) },
          grid: { color: "#ece8f2" },
        },
        y: { type: "category", labels: names, offset: true, ticks: { color: "#1d1a24" }, grid: { color: "#ece8f2" } },
      },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: {
          title: (items) => formatDateTime(new Date(items[0].parsed.x).toISOString()),
          label: (ctx) => ctx.raw.detected
            ? `${ctx.raw.y} (your correction; we heard ${ctx.raw.detected.toLowerCase()})`
            : `${ctx.raw.y}${ctx.raw.confidence != null ? ` (${percent(ctx.raw.confidence)} confident)` : ""}`,
        } },
      },
    },
  });
}

function renderDistribution(distribution) {
  const codes = byValence(Object.keys(distribution).filter((c) => distribution[c] > 0));
  $("distribution-desc").textContent = codes.length
    ? codes.map((c) => `${emotion(c).name}: ${distribution[c]}`).join(", ")
    : "No moods in this range.";
  if (!window.Chart) return;
  if (charts.distribution) charts.distribution.destroy();
  charts.distribution = new window.Chart($("distribution-chart"), {
    type: "bar",
    data: {
      labels: codes.map((c) => emotion(c).name),
      datasets: [{ label: "Sessions", data: codes.map((c) => distribution[c]), backgroundColor: codes.map((c) => emotion(c).color), borderRadius: 6, maxBarThickness: 56 }],
    },
    options: {
      maintainAspectRatio: false,
      animation: chartAnimation,
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0, color: "#3f3b4b" }, grid: { color: "#ece8f2" } },
        x: { ticks: { color: "#1d1a24" }, grid: { display: false } },
      },
      plugins: { legend: { display: false } },
    },
  });
}

async function loadStats() {
  try {
    const stats = await api(`${apiUrl("stats")}?${query}`);
    const total = Object.values(stats.distribution || {}).reduce((a, b) => a + b, 0);
    $("range-summary").textContent = total
      ? `${total} mood${total === 1 ? "" : "s"} between ${prettyDate(range.from)} and ${prettyDate(range.to)}.`
      : `No moods between ${prettyDate(range.from)} and ${prettyDate(range.to)}. Record your voice or pick a mood to start your history.`;
    renderTimeline(stats.timeline || []);
    renderDistribution(stats.distribution || {});
  } catch (err) {
    $("charts").hidden = true;
    showNotice($("stats-error"), `We couldn’t load your charts: ${err.message} Reload the page to try again.`);
  }
}

// --- sessions -------------------------------------------------------------------------------------
function stars(rating) {
  if (!rating) return null;
  return h("span", { "aria-label": `rated ${rating} of 5` }, h("span", { "aria-hidden": "true" }, "★".repeat(rating) + "☆".repeat(5 - rating)));
}

async function loadSessionMusic(submission, container) {
  container.textContent = "";
  container.append(h("p", { class: "muted small" }, "Loading…"));
  try {
    const set = await api(submission.recommendations_url);
    container.textContent = "";
    if (!set.items || !set.items.length) {
      container.append(h("p", { class: "muted small" }, "No music was recommended for this session."));
      return;
    }
    const detected = submission.result && submission.result.label;
    const told = detected && set.emotion !== detected && submission.source !== "picker"
      ? ` (you told us you felt ${emotion(set.emotion).name.toLowerCase()})` : "";
    container.append(h("p", { class: "small muted set-caption" }, `For ${emotion(set.emotion).name.toLowerCase()}, strategy “${set.strategy}”${told}:`));
    const list = h("ol", { class: "mini-tracks" });
    for (const item of set.items) {
      const fb = item.feedback || {};
      const verdict = fb.liked === true ? "♥ liked" : fb.liked === false ? "✕ disliked" : null;
      list.append(h("li", {},
        h("strong", {}, item.track.title), ` — ${item.track.artist}`,
        verdict ? h("span", { class: "small" }, ` · ${verdict}`) : null,
        fb.rating ? h("span", { class: "small" }, " · ", stars(fb.rating)) : null));
    }
    container.append(list);
  } catch (err) {
    container.textContent = "";
    container.append(h("p", { class: "small" }, err.status === 404 ? "No music for this session." : `We couldn’t load the music: ${err.message}`));
  }
}

function sessionItem(submission) {
  const result = submission.result;
  const e = result ? emotion(result.label) : null;
  let summary;
  if (submission.status === "done" && result) {
    summary = h("span", {}, h("span", { class: "badge" }, h("span", { class: "swatch-dot", style: { background: e.color }, "aria-hidden": "true" }), result.label_name || e.name),
      submission.source === "picker" ? h("span", { class: "muted small" }, " picked") : h("span", { class: "muted small" }, ` ${percent(result.confidence)} confident`));
  } else if (submission.status === "failed") {
    summary = h("span", { class: "small" }, `Not analysed: ${(submission.error && submission.error.detail) || "something went wrong."}`);
  } else {
    summary = h("span", { class: "muted small" }, "Still being analysed…");
  }
  const music = h("div");
  const details = h("details", {}, h("summary", {}, "Music and your ratings"), music);
  let loaded = false;
  details.addEventListener("toggle", () => {
    if (details.open && !loaded) { loaded = true; loadSessionMusic(submission, music); }
  });
  const removeBtn = h("button", { type: "button", class: "btn btn-secondary btn-small", "aria-label": `Delete the session from ${formatDateTime(submission.created_at)}` }, "Delete");
  const li = h("li", { class: "session", "data-submission-id": submission.id },
    h("div", { class: "session-head" },
      h("a", { href: submission.page_url || `/submissions/${submission.id}/` }, formatDateTime(submission.created_at)),
      summary),
    h("div", { class: "session-foot" }, submission.status === "done" ? details : h("span"), removeBtn));
  removeBtn.addEventListener("click", async () => {
    if (!window.confirm("Delete this session and its recording? This cannot be undone.")) return;
    removeBtn.disabled = true;
    try {
      await api(submission.url || apiUrl("submission", submission.id), { method: "DELETE" });
      li.remove();
      $("sessions-status").textContent = "Session deleted.";
      $("sessions-status").hidden = false;
      loadStats();
    } catch (err) {
      removeBtn.disabled = false;
      showNotice($("sessions-error"), `We couldn’t delete that session: ${err.message}`);
    }
  });
  return li;
}

let nextUrl = `${apiUrl("submissions")}?${query}`;

async function loadSessions() {
  const more = $("load-more");
  more.disabled = true;
  try {
    const page = await api(nextUrl);
    $("sessions-status").hidden = true;
    if (!page.results.length && !$("session-list").children.length) {
      $("sessions-status").hidden = false;
      $("sessions-status").textContent = "No sessions in this date range.";
    }
    page.results.forEach((s) => $("session-list").append(sessionItem(s)));
    nextUrl = page.next;
    more.hidden = !nextUrl;
  } catch (err) {
    $("sessions-status").hidden = true;
    showNotice($("sessions-error"), `We couldn’t load your sessions: ${err.message} Reload the page to try again.`);
  } finally {
    more.disabled = false;
  }
}

$("load-more").addEventListener("click", loadSessions);
loadStats();
loadSessions();
