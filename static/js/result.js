// The result page: live status over the submission WebSocket (polling when it is unavailable),
// the emotion with a probability chart, the "that's not how I feel" correction, and the
// recommendations with a strategy switch.
import { api, readJsonScript, showNotice, clearNotice, h, percent, emotionLookup, paintSwatches } from "./api.js";
import { trackItem } from "./tracks.js";

const cfg = readJsonScript("page-config");
const emotions = readJsonScript("emotions-data", []);
const emotion = emotionLookup(emotions);
const $ = (id) => document.getElementById(id);
paintSwatches($("correction-form"));

// How long before the page says the wait is unusual, and when it stops waiting and says so
// instead of spinning forever. (Overridable through window.moodifyTiming, for browser tests.)
const { slowAfterMs: SLOW_AFTER_MS, giveUpAfterMs: GIVE_UP_AFTER_MS } = {
  slowAfterMs: 45000, giveUpAfterMs: 180000, ...(window.moodifyTiming || {}),
};

let finished = false;
let socket = null;
let pollTimer = null;
let pollDelay = 1500;
let reconnectTimer = null;
let reconnectDelay = 1000;
let slowTimer = null;
let giveUpTimer = null;
let chart = null;
let timelineChart = null;
let journeyChart = null;
let currentSubmission = null;
let currentStrategy = null;
let recsLoaded = false;
let recsRequest = 0;
// The strategy of the set the page asked for and has not got ("" for the submission's own), or null.
let waitingFor = "";
// How long the page waits for a set that is on its way before it says it is late.
const RECS_PATIENCE_MS = 30000;
let resultShown = false;

// --- status ---------------------------------------------------------------------------------
const STATUS_TEXT = {
  queued: "Uploaded. Waiting for our listener…",
  processing: "Listening to your voice…",
  done: "Done.",
  failed: "We could not analyse this recording.",
};

function showStatus(status) {
  $("status-text").textContent = STATUS_TEXT[status] || "Checking on your recording…";
  const order = ["queued", "processing", "done"];
  const at = order.indexOf(status);
  document.querySelectorAll(".progress-steps li").forEach((li) => {
    const i = order.indexOf(li.dataset.step);
    li.classList.toggle("is-done", at >= 0 && (i < at || status === "done"));
    li.classList.toggle("is-current", i === at && status !== "done");
  });
}

function stopWaiting() {
  finished = true;
  clearTimeout(pollTimer);
  clearTimeout(reconnectTimer);
  clearTimeout(slowTimer);
  clearTimeout(giveUpTimer);
  $("status-spinner").hidden = true;
  $("status-slow").hidden = true;
  $("live-mode").textContent = "";
  if (socket && socket.readyState <= 1 && recsLoaded) socket.close();
}

function renderSubmission(submission) {
  currentSubmission = submission;
  showStatus(submission.status);
  if (submission.status === "done" && submission.result) {
    stopWaiting();
    $("status-card").hidden = true;
    if (!resultShown) renderResult(submission);
    if (!recsLoaded) loadRecommendations();
  } else if (submission.status === "failed") {
    stopWaiting();
    const detail = (submission.error && submission.error.detail) || "Something went wrong while analysing your recording. Please record again.";
    $("status-error-text").textContent = detail;
    $("status-error").hidden = false;
    $("live-mode").textContent = "";
  }
}

function renderResult(submission) {
  resultShown = true;
  const result = submission.result;
  const e = emotion(result.label);
  const picked = submission.source === "picker";
  $("result-card").hidden = false;
  $("emotion-name").textContent = result.label_name || e.name;
  $("emotion-name").style.color = "";
  $("emotion-heading").textContent = picked ? "The mood you picked" : "Detected emotion";
  $("emotion-confidence").textContent = picked ? "You picked this mood." : `${percent(result.confidence)} confident`;
  $("chart-section").hidden = picked;
  $("not-my-mood").textContent = picked ? "Pick a different mood" : "That’s not how I feel";
  $("yes-my-mood").hidden = picked; // a picked mood has no recording to learn the voice from
  if (!picked) renderChart(result.probabilities || {});
  renderTimeline(picked ? [] : result.timeline || []);
  renderSignals(result.signals);
  if (result.low_confidence && !picked) {
    const box = $("low-confidence");
    box.textContent = "";
    box.append(h("p", {}, h("strong", {}, "We’re not sure about this one. "),
      `Our best guess is ${e.name.toLowerCase()}, but only ${percent(result.confidence)} confident. If it doesn’t sound right, tell us how you feel and we’ll pick music for that instead.`));
    box.hidden = false;
    openCorrection(false);
  }
}

// With the camera on: what the voice and the face each said, and the weights that combined them.
function renderSignals(signals) {
  const section = $("signals-section");
  section.hidden = !signals;
  if (!signals) return;
  const list = $("signals");
  list.textContent = "";
  const describe = (s) => (s.available ? `${s.label_name} (${percent(s.confidence)} confident)` : s.reason_text);
  const w = signals.weights;
  list.append(
    h("dt", {}, "Your voice"), h("dd", { id: "signal-voice" }, describe(signals.voice)),
    h("dt", {}, "Your face"), h("dd", { id: "signal-face" }, describe(signals.face)),
    h("dt", {}, "Combined"), h("dd", { id: "signal-weights" },
      `${percent(w.face)} face, ${percent(w.voice)} voice. ${signals.rule_text}`),
  );
}

function renderChart(probabilities) {
  const codes = Object.keys(probabilities).sort((a, b) => probabilities[b] - probabilities[a]);
  const names = codes.map((c) => emotion(c).name);
  const values = codes.map((c) => Math.round(probabilities[c] * 1000) / 10);
  const list = $("prob-list");
  list.textContent = "";
  codes.forEach((c, i) => list.append(h("li", {}, `${names[i]}: ${values[i]}%`)));
  if (!window.Chart) return;
  if (chart) chart.destroy();
  chart = new window.Chart($("prob-chart"), {
    type: "bar",
    data: {
      labels: names,
      datasets: [{ label: "Probability (%)", data: values, backgroundColor: codes.map((c) => emotion(c).color), borderRadius: 6 }],
    },
    options: {
      indexAxis: "y",
      maintainAspectRatio: false,
      animation: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : { duration: 400 },
      scales: {
        x: { min: 0, max: 100, ticks: { callback: (v) => `${v}%`, color: "#3f3b4b" }, grid: { color: "#ece8f2" } },
        y: { ticks: { color: "#1d1a24", font: { weight: "600" } }, grid: { display: false } },
      },
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: (ctx) => `${ctx.parsed.x}%` } } },
    },
  });
}

function clock(seconds) {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

// One stacked bar per analysed window: how the mood moved over a longer recording.
function renderTimeline(timeline) {
  const section = $("timeline-section");
  section.hidden = timeline.length < 2;
  if (section.hidden) return;
  const spans = timeline.map((seg) => `${clock(seg.start_s)}–${clock(seg.end_s)}`);
  const list = $("timeline-list");
  list.textContent = "";
  timeline.forEach((seg, i) => list.append(h("li", {}, `${spans[i]}: ${emotion(seg.label).name} (${percent(seg.probabilities[seg.label])})`)));
  if (!window.Chart) return;
  const codes = Object.keys(timeline[0].probabilities);
  if (timelineChart) timelineChart.destroy();
  timelineChart = new window.Chart($("timeline-chart"), {
    type: "bar",
    data: {
      labels: spans,
      datasets: codes.map((c) => ({
        label: emotion(c).name,
        data: timeline.map((seg) => Math.round((seg.probabilities[c] || 0) * 1000) / 10),
        backgroundColor: emotion(c).color,
      })),
    },
    options: {
      maintainAspectRatio: false,
      animation: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : { duration: 400 },
      scales: {
        x: { stacked: true, ticks: { color: "#3f3b4b" }, grid: { display: false } },
        y: { stacked: true, min: 0, max: 100, ticks: { callback: (v) => `${v}%`, color: "#3f3b4b" }, grid: { color: "#ece8f2" } },
      },
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } }, tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${ctx.parsed.y}%` } } },
    },
  });
}

// --- live updates -------------------------------------------------------------------------------
function connectSocket() {
  if (!("WebSocket" in window) || !cfg.websocket_path) { startPolling(); return; }
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  try {
    socket = new WebSocket(`${scheme}://${window.location.host}${cfg.websocket_path}`);
  } catch (_) { startPolling(); return; }
  socket.addEventListener("open", () => {
    reconnectDelay = 1000;
    // Back on the socket (the server sends the current state at once): polling can stop.
    clearTimeout(pollTimer);
    pollTimer = null;
    $("live-mode").textContent = "Live: this page updates by itself.";
  });
  socket.addEventListener("message", (event) => {
    let message;
    try { message = JSON.parse(event.data); } catch (_) { return; }
    if (message.type === "submission" && message.submission) renderSubmission(message.submission);
    else if (message.type === "recommendations" && message.recommendations) {
      // Only the set the page is waiting for: others (another tab's strategy, a correction made
      // elsewhere) must not replace the one shown.
      const set = message.recommendations;
      if (waitingFor !== null && (!waitingFor || set.strategy === waitingFor)) renderSet(set);
    }
  });
  socket.addEventListener("close", () => {
    socket = null;
    if (finished) return;
    // The server restarted or the network blinked: poll meanwhile, and come back to the socket.
    startPolling();
    reconnectTimer = setTimeout(connectSocket, reconnectDelay);
    reconnectDelay = Math.min(reconnectDelay * 2, 15000);
  });
}

function startPolling() {
  if (finished || pollTimer) return;
  $("live-mode").textContent = "Checking for updates every few seconds.";
  const poll = async () => {
    try {
      renderSubmission(await api(cfg.submission_url));
    } catch (err) {
      if (err.status === 404 || err.status === 401 || err.status === 403) {
        stopWaiting();
        $("status-error-text").textContent = err.message;
        $("status-error").hidden = false;
        return;
      }
    }
    if (!finished) {
      pollDelay = Math.min(pollDelay * 1.3, 5000);
      pollTimer = setTimeout(poll, pollDelay);
    }
  };
  pollTimer = setTimeout(poll, pollDelay);
}

function startTimers() {
  slowTimer = setTimeout(() => {
    if (finished) return;
    showNotice($("status-slow"), "This is taking longer than usual — Moodify may be busy. We’ll keep checking; you can leave this page and find the result in your history later.", "warning");
  }, SLOW_AFTER_MS);
  giveUpTimer = setTimeout(() => {
    if (finished) return;
    stopWaiting();
    $("status-slow").hidden = true;
    $("status-text").textContent = "Still no result.";
    $("status-error-text").textContent = "We still don’t have a result for this recording. Reload the page to check again, or record a new one.";
    $("status-error").hidden = false;
  }, GIVE_UP_AFTER_MS);
}

// --- recommendations ------------------------------------------------------------------------------
function setRecsStatus(text, busy) {
  const el = $("recs-status");
  el.textContent = "";
  if (!text) return;
  if (busy) el.append(h("span", { class: "spinner", "aria-hidden": "true" }));
  el.append(h("span", {}, text));
}

function renderSet(set, { focus = false } = {}) {
  recsLoaded = true;
  waitingFor = null;
  recsRequest++;
  currentStrategy = set.strategy;
  $("recs-card").hidden = false;
  $("recs-error").hidden = true;
  setRecsStatus("");
  document.querySelectorAll('input[name="strategy"]').forEach((el) => { el.checked = el.value === set.strategy; });
  const doing = { match: "to match it", lift: "to lift it", calm: "to calm it" }[set.strategy] || "";
  const forEl = $("recs-for");
  forEl.textContent = "";
  forEl.append("For feeling ", h("strong", { "data-emotion": set.emotion }, emotion(set.emotion).name.toLowerCase()), doing ? `, ${doing}.` : ".");
  $("recs-summary").textContent = set.summary || "";
  renderJourney(set);
  const notice = $("recs-notice");
  if (set.notice) showNotice(notice, set.notice, "info"); else clearNotice(notice);
  const list = $("track-list");
  list.textContent = "";
  if (!set.items || !set.items.length) {
    list.append(h("li", { class: "notice notice-warning" }, "We couldn’t find tracks for this mood yet. Try another option above, or widen your genres in Settings."));
  } else {
    set.items.forEach((item) => list.append(trackItem(item)));
  }
  reflectCorrection(set);
  if (socket && finished) socket.close();
  if (focus) $("recs-title").focus();
}

// Lift and calm sets travel from the listener's mood to the target: the arc, on valence (x) and
// energy (y), with each track where it sits.
function renderJourney(set) {
  const journey = set.journey;
  const section = $("journey-section");
  section.hidden = !journey || !journey.steps || !journey.steps.length;
  if (section.hidden) return;
  const from = emotion(journey.from.emotion).name.toLowerCase();
  const to = emotion(journey.to.emotion).name.toLowerCase();
  const smoothed = journey.readings > 1 ? ` (your last ${journey.readings} recordings together)` : "";
  $("journey-desc").textContent = `The first tracks sit close to how you feel${smoothed}, then each one moves a step toward ${{ lift: "a lifted", calm: "a calmer" }[set.strategy] || "the"} mood. Across: darker to brighter; up: calmer to livelier.`;
  const list = $("journey-list");
  list.textContent = "";
  const titles = new Map((set.items || []).map((item) => [item.rank, item.track.title]));
  journey.steps.forEach((step) => list.append(h("li", {},
    `${step.rank}. ${titles.get(step.rank) || ""}: brightness ${percent(step.track.valence)}, energy ${percent(step.track.energy)}`)));
  if (!window.Chart) return;
  if (journeyChart) journeyChart.destroy();
  const point = (p) => ({ x: Math.round(p.valence * 100), y: Math.round(p.energy * 100) });
  journeyChart = new window.Chart($("journey-chart"), {
    type: "scatter",
    data: {
      datasets: [
        { label: "The path", data: journey.steps.map((s) => point(s.aim)), showLine: true, borderColor: "#b9b2c9", borderDash: [6, 4], pointRadius: 0 },
        { label: "Tracks, in order", data: journey.steps.map((s) => ({ ...point(s.track), rank: s.rank })), showLine: true, borderColor: "#6b4fbb", backgroundColor: "#6b4fbb", pointRadius: 5 },
        { label: `You (${from})`, data: [point(journey.from)], backgroundColor: emotion(journey.from.emotion).color, pointRadius: 9, pointStyle: "rectRounded" },
        { label: `Target (${to}, ${set.strategy})`, data: [point(journey.to)], backgroundColor: "#1d1a24", pointRadius: 9, pointStyle: "star" },
      ],
    },
    options: {
      maintainAspectRatio: false,
      animation: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : { duration: 400 },
      scales: {
        x: { min: 0, max: 100, title: { display: true, text: "brightness (valence)" }, ticks: { color: "#3f3b4b" }, grid: { color: "#ece8f2" } },
        y: { min: 0, max: 100, title: { display: true, text: "energy" }, ticks: { color: "#3f3b4b" }, grid: { color: "#ece8f2" } },
      },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 12 } },
        tooltip: { callbacks: { label: (ctx) => (ctx.raw.rank ? `${ctx.raw.rank}. ${titles.get(ctx.raw.rank) || ""}` : ctx.dataset.label) } },
      },
    },
  });
}

// Coming back to a result someone corrected earlier: say what they told us, not "we're unsure".
function reflectCorrection(set) {
  const result = currentSubmission && currentSubmission.result;
  if (!result || currentSubmission.source === "picker" || !set.emotion || set.emotion === result.label) return;
  const note = $("corrected-note");
  if (note.hidden) {
    note.textContent = `You told us you feel ${emotion(set.emotion).name.toLowerCase()}, so the music below is for that.`;
    note.hidden = false;
  }
  $("low-confidence").hidden = true;
  $("correction-form").hidden = true;
  $("not-my-mood").setAttribute("aria-expanded", "false");
  $("not-my-mood").textContent = "Pick a different mood";
}

// Sets are built in the background and pushed on the socket; asked for before then, the API
// answers 202 and the page waits for the push, asking again now and then in case it never comes.
async function loadRecommendations({ strategy = null, since = Date.now(), focus = false } = {}) {
  const request = ++recsRequest;
  waitingFor = strategy || "";
  $("recs-card").hidden = false;
  $("recs-error").hidden = true;
  setRecsStatus(strategy ? "Finding different music…" : "Finding music for you…", true);
  const url = strategy ? `${cfg.recommendations_url}?strategy=${encodeURIComponent(strategy)}` : cfg.recommendations_url;
  try {
    const body = await api(url);
    if (request !== recsRequest || waitingFor === null) return;
    if (body && Array.isArray(body.items)) { renderSet(body, { focus }); return; }
    if (Date.now() - since < RECS_PATIENCE_MS) {
      // With the socket open the push brings the set; asking again is only the fallback.
      const live = socket && socket.readyState === WebSocket.OPEN;
      setTimeout(() => {
        if (request === recsRequest && waitingFor !== null) loadRecommendations({ strategy, since, focus });
      }, live ? 5 * cfg.recommendations_retry_ms : cfg.recommendations_retry_ms);
      return;
    }
    setRecsStatus("");
    $("recs-error-text").textContent = "Your music is taking longer than usual to arrive. Try again in a moment.";
    $("recs-error").hidden = false;
  } catch (err) {
    if (request !== recsRequest) return;
    setRecsStatus("");
    $("recs-error-text").textContent = err.message;
    $("recs-error").hidden = false;
  }
}

$("recs-retry").addEventListener("click", () => loadRecommendations({ strategy: currentStrategy }));
document.querySelectorAll('input[name="strategy"]').forEach((input) => {
  input.addEventListener("change", () => {
    if (input.checked && input.value !== currentStrategy) {
      loadRecommendations({ strategy: input.value });
    }
  });
});

// --- correction -----------------------------------------------------------------------------------
function openCorrection(focus = true) {
  $("correction-form").hidden = false;
  $("not-my-mood").setAttribute("aria-expanded", "true");
  if (focus) {
    const first = $("correction-form").querySelector("input");
    if (first) first.focus();
  }
}

$("not-my-mood").addEventListener("click", () => {
  if ($("correction-form").hidden) openCorrection();
  else {
    $("correction-form").hidden = true;
    $("not-my-mood").setAttribute("aria-expanded", "false");
  }
});

$("correction-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const errorBox = $("correction-error");
  clearNotice(errorBox);
  const choice = $("correction-form").querySelector('input[name="emotion"]:checked');
  if (!choice) {
    showNotice(errorBox, "Choose the mood that fits how you feel.");
    return;
  }
  const button = $("correction-submit");
  button.disabled = true;
  button.textContent = "Saving…";
  try {
    recsRequest++;
    const set = await api(cfg.correction_url, { method: "POST", json: { emotion: choice.value } });
    const e = emotion(choice.value);
    const note = $("corrected-note");
    note.textContent = `Thanks — you told us you feel ${e.name.toLowerCase()}. Here is music for that.`;
    note.hidden = false;
    $("low-confidence").hidden = true;
    $("correction-form").hidden = true;
    $("not-my-mood").setAttribute("aria-expanded", "false");
    $("not-my-mood").textContent = "Pick a different mood";
    renderSet(set, { focus: true });
  } catch (err) {
    showNotice(errorBox, err.message);
  } finally {
    button.disabled = false;
    button.textContent = "Use this mood";
  }
});

// --- confirmation: "yes, that's right" teaches Moodify the user's voice ----------------------------
$("yes-my-mood").addEventListener("click", async () => {
  const button = $("yes-my-mood");
  const errorBox = $("confirm-error");
  clearNotice(errorBox);
  button.disabled = true;
  try {
    const answer = await api(cfg.confirm_url, { method: "POST", json: {} });
    const note = $("confirm-note");
    note.textContent = `Thanks — Moodify will remember how you sound when you feel ${emotion(answer.label).name.toLowerCase()}. ` +
      `It has learned from ${answer.examples} of your recordings.`;
    note.hidden = false;
    button.hidden = true;
  } catch (err) {
    showNotice(errorBox, err.message);
    button.disabled = false;
  }
});

// --- start -------------------------------------------------------------------------------------------
startTimers();
connectSocket();
api(cfg.submission_url)
  .then((submission) => { if (!finished) renderSubmission(submission); })
  .catch((err) => {
    if (err.status === 404 || err.status === 401 || err.status === 403) {
      stopWaiting();
      $("status-error-text").textContent = err.message;
      $("status-error").hidden = false;
    } else {
      startPolling();
    }
  });
