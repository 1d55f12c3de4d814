// The record page: microphone permission, level meter, a timer within the site's limits, review, re-record,
// upload instead. Records PCM WAV itself (Web Audio) so every browser sends the same format.
import { api, apiUrl, readJsonScript, showNotice, clearNotice } from "./api.js";
import { encodeWav } from "./wav.js";
import { openCamera, closeCamera, takeFrame, cameraErrorMessage } from "./camera.js";

const limits = readJsonScript("record-limits");
const prompts = readJsonScript("record-prompts", []);
const $ = (id) => document.getElementById(id);

const els = {
  prompt: $("prompt"), nextPrompt: $("next-prompt"),
  error: $("rec-error"), warning: $("rec-warning"),
  indicator: $("rec-indicator"), elapsed: $("elapsed"),
  levelBar: $("level-bar"), levelHint: $("level-hint"),
  start: $("start-btn"), stop: $("stop-btn"),
  review: $("review"), playback: $("playback"), send: $("send-btn"), rerecord: $("rerecord-btn"),
  sendStatus: $("send-status"),
  cameraToggle: $("camera-toggle"), cameraPreview: $("camera-preview"),
  uploadForm: $("upload-form"), uploadError: $("upload-error"), file: $("audio-file"), uploadBtn: $("upload-btn"), uploadStatus: $("upload-status"),
};

// --- prompts -----------------------------------------------------------------------------
let promptIndex = 0;
els.nextPrompt.addEventListener("click", () => {
  if (!prompts.length) return;
  promptIndex = (promptIndex + 1) % prompts.length;
  els.prompt.textContent = prompts[promptIndex];
});

// --- microphone errors --------------------------------------------------------------------
const MIC_DENIED =
  "Moodify can’t use your microphone because access was blocked. To allow it, click the " +
  "microphone or padlock icon in your browser’s address bar, choose “Allow”, then press " +
  "“Start recording” again. You can also upload a recording or pick your mood instead.";

function micErrorMessage(err) {
  switch (err && err.name) {
    case "NotAllowedError":
    case "PermissionDeniedError":
    case "SecurityError":
      return MIC_DENIED;
    case "NotFoundError":
    case "DevicesNotFoundError":
    case "OverconstrainedError":
      return "We couldn’t find a microphone. Plug one in or switch it on in your system settings, then try again — or upload a recording below.";
    case "NotReadableError":
    case "TrackStartError":
    case "AbortError":
      return "Your microphone is in use by another app or was blocked by your system. Close other apps using it, then try again.";
    default:
      return "We couldn’t start your microphone. Reload the page and try again, or upload a recording below.";
  }
}

async function warnIfAlreadyDenied() {
  try {
    if (!navigator.permissions) return;
    const status = await navigator.permissions.query({ name: "microphone" });
    const apply = () => {
      if (status.state === "denied") showNotice(els.error, MIC_DENIED, "error");
      else if (els.error.textContent === MIC_DENIED) clearNotice(els.error);
    };
    apply();
    status.onchange = apply;
  } catch (_) { /* Not every browser can query the microphone permission; the prompt will tell. */ }
}

// --- recording ------------------------------------------------------------------------------
const state = {
  stream: null, ctx: null, analyser: null, node: null, chunks: [], sampleRate: 44100,
  startedAt: 0, timer: null, raf: null, heardSeconds: 0, quietSince: 0, blob: null, recording: false,
  camera: null, frames: [], frameTimer: null,
};

// --- camera (off unless ticked): a few stills spread over the first seconds of speaking ---------
async function startCamera() {
  state.frames = [];
  if (!els.cameraToggle.checked) return;
  try {
    state.camera = await openCamera(els.cameraPreview);
    els.cameraPreview.hidden = false;
  } catch (err) {
    state.camera = null;
    showNotice(els.warning, cameraErrorMessage(err), "warning");
    return;
  }
  const gapMs = Math.max(500, (limits.min_seconds * 1000) / (limits.face_frames + 1));
  state.frameTimer = setInterval(async () => {
    if (state.frames.length >= limits.face_frames) { clearInterval(state.frameTimer); return; }
    const blob = await takeFrame(els.cameraPreview);
    if (blob && state.frames.length < limits.face_frames) state.frames.push(blob);
  }, gapMs);
}

function stopCamera() {
  clearInterval(state.frameTimer);
  closeCamera(state.camera, els.cameraPreview);
  state.camera = null;
  els.cameraPreview.hidden = true;
}

function formatTime(seconds) {
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function recordedSeconds() {
  const samples = state.chunks.reduce((n, c) => n + c.length, 0);
  return samples / state.sampleRate;
}

async function workletNode(ctx, onSamples) {
  if (!ctx.audioWorklet || !window.AudioWorkletNode) return null;
  const timeout = new Promise((resolve) => setTimeout(() => resolve("timeout"), 1500));
  try {
    const loaded = await Promise.race([ctx.audioWorklet.addModule(new URL("./recorder-worklet.js", import.meta.url)), timeout]);
    if (loaded === "timeout") return null;
    const node = new AudioWorkletNode(ctx, "moodify-recorder");
    node.port.onmessage = (e) => onSamples(e.data);
    return node;
  } catch (_) {
    return null;
  }
}

async function startRecording() {
  clearNotice(els.error);
  clearNotice(els.warning);
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.AudioContext) {
    showNotice(els.error, "This browser can’t record audio on this page. Use a recent Chrome, Firefox, Safari or Edge — or upload a recording below.");
    return;
  }
  els.start.disabled = true;
  els.levelHint.textContent = "Waiting for permission to use your microphone…";
  try {
    state.stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: false, autoGainControl: true },
    });
  } catch (err) {
    els.start.disabled = false;
    els.levelHint.textContent = "";
    showNotice(els.error, micErrorMessage(err));
    els.start.focus();
    return;
  }

  try {
    state.ctx = new AudioContext();
    state.sampleRate = state.ctx.sampleRate;
    const source = state.ctx.createMediaStreamSource(state.stream);
    state.analyser = state.ctx.createAnalyser();
    state.analyser.fftSize = 2048;
    source.connect(state.analyser);
    state.chunks = [];
    const onSamples = (samples) => { if (state.recording) state.chunks.push(samples); };
    state.node = await workletNode(state.ctx, onSamples);
    if (!state.node) {
      // Older browsers, and some headless or locked-down ones where the worklet never loads.
      state.node = state.ctx.createScriptProcessor(4096, 1, 1);
      state.node.onaudioprocess = (e) => onSamples(new Float32Array(e.inputBuffer.getChannelData(0)));
    }
    source.connect(state.node);
    // Keep the graph pulling samples without playing the microphone back through the speakers.
    const mute = state.ctx.createGain();
    mute.gain.value = 0;
    state.node.connect(mute).connect(state.ctx.destination);
  } catch (err) {
    cleanup();
    els.start.disabled = false;
    showNotice(els.error, "We couldn’t start recording in this browser. Upload a recording below instead.");
    return;
  }

  state.recording = true;
  state.startedAt = performance.now();
  state.heardSeconds = 0;
  state.quietSince = performance.now();
  els.review.hidden = true;
  els.start.hidden = true;
  els.start.disabled = false;
  els.stop.hidden = false;
  els.indicator.hidden = false;
  els.stop.focus();
  els.levelHint.textContent = "Recording… speak now.";
  state.timer = setInterval(tick, 200);
  meter();
  startCamera();
}

let lastHint = "";
function setHint(text) {
  if (text !== lastHint) { els.levelHint.textContent = text; lastHint = text; }
}

function meter() {
  if (!state.recording) return;
  const data = new Float32Array(state.analyser.fftSize);
  state.analyser.getFloatTimeDomainData(data);
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i] * data[i];
  const rms = Math.sqrt(sum / data.length);
  const db = 20 * Math.log10(rms + 1e-9);
  const pct = Math.max(0, Math.min(100, ((db + 60) / 60) * 100));
  els.levelBar.style.width = `${pct}%`;
  const now = performance.now();
  if (db > -45) {
    state.heardSeconds += 1 / 60;
    state.quietSince = now;
    setHint("We can hear you. Keep talking…");
  } else if (now - state.quietSince > 2000) {
    setHint("We can’t hear you yet — speak up or move closer to the microphone.");
  }
  state.raf = requestAnimationFrame(meter);
}

function tick() {
  const elapsed = (performance.now() - state.startedAt) / 1000;
  els.elapsed.textContent = formatTime(Math.min(elapsed, limits.max_seconds));
  if (elapsed >= limits.max_seconds) stopRecording({ reachedLimit: true });
}

function cleanup() {
  state.recording = false;
  stopCamera();
  clearInterval(state.timer);
  cancelAnimationFrame(state.raf);
  if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
  if (state.ctx) state.ctx.close().catch(() => {});
  state.stream = null;
  state.ctx = null;
  els.levelBar.style.width = "0%";
  els.indicator.hidden = true;
}

function stopRecording({ reachedLimit = false } = {}) {
  if (!state.recording) return;
  cleanup();
  els.stop.hidden = true;
  els.start.hidden = false;
  const seconds = recordedSeconds();
  if (seconds < limits.min_seconds) {
    showNotice(els.error, `That was only ${seconds.toFixed(1)} seconds. Please record at least ${limits.min_seconds} seconds so we can hear your voice.`);
    setHint("");
    els.start.textContent = "Try again";
    els.start.focus();
    return;
  }
  state.blob = encodeWav(state.chunks, state.sampleRate);
  if (els.playback.src) URL.revokeObjectURL(els.playback.src);
  els.playback.src = URL.createObjectURL(state.blob);
  els.review.hidden = false;
  els.start.hidden = true;
  els.start.textContent = "Start recording";
  setHint(reachedLimit
    ? `Stopped at ${limits.max_seconds} seconds, the maximum. Listen back if you like, then send it.`
    : `Recorded ${seconds.toFixed(1)} seconds. Listen back if you like, then send it.`);
  if (state.heardSeconds < 0.5) {
    showNotice(els.warning, "We barely heard anything. Check that your microphone isn’t muted, then record again — or send it anyway.", "warning");
  }
  els.send.focus();
}

function rerecord() {
  state.blob = null;
  state.chunks = [];
  state.frames = [];
  els.review.hidden = true;
  els.start.hidden = false;
  els.elapsed.textContent = "0:00";
  clearNotice(els.error);
  clearNotice(els.warning);
  startRecording();
}

async function submit(blob, filename, source, errorEl, buttons, statusEl, frames = []) {
  clearNotice(errorEl);
  const form = new FormData();
  form.append("audio", blob, filename);
  form.append("source", source);
  frames.forEach((f, i) => form.append("frames", f, `frame${i}.jpg`));
  buttons.forEach((b) => { b.disabled = true; });
  statusEl.hidden = false;
  try {
    const submission = await api(apiUrl("submissions"), { method: "POST", formData: form });
    statusEl.querySelector("span:last-child").textContent = "Uploaded. Opening your result…";
    window.location.assign(submission.page_url || `/submissions/${submission.id}/`);
  } catch (err) {
    statusEl.hidden = true;
    buttons.forEach((b) => { b.disabled = false; });
    showNotice(errorEl, err.message);
  }
}

els.start.addEventListener("click", startRecording);
els.stop.addEventListener("click", () => stopRecording());
els.rerecord.addEventListener("click", rerecord);
els.send.addEventListener("click", () => {
  if (state.blob) submit(state.blob, "recording.wav", "recording", els.error, [els.send, els.rerecord], els.sendStatus, state.frames);
});

els.uploadForm.addEventListener("submit", (event) => {
  event.preventDefault();
  clearNotice(els.uploadError);
  const file = els.file.files && els.file.files[0];
  if (!file) {
    showNotice(els.uploadError, "Choose an audio file first.");
    els.file.focus();
    return;
  }
  if (file.size === 0) {
    showNotice(els.uploadError, "That file is empty. Choose a recording with a few seconds of speech.");
    return;
  }
  if (file.size > limits.max_upload_bytes) {
    showNotice(els.uploadError, `That file is ${(file.size / 1048576).toFixed(1)} MB; the limit is ${Math.round(limits.max_upload_bytes / 1048576)} MB. Trim it to ${limits.max_seconds} seconds or less and try again.`);
    return;
  }
  submit(file, file.name, "upload", els.uploadError, [els.uploadBtn], els.uploadStatus);
});

warnIfAlreadyDenied();
