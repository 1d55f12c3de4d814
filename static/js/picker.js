// The mood picker: a result without recording, for people who cannot or prefer not to speak.
import { api, apiUrl, readJsonScript, showNotice, clearNotice, paintSwatches } from "./api.js";
import { openCamera, closeCamera, takeFrames, cameraErrorMessage } from "./camera.js";

const form = document.getElementById("picker-form");
const errorBox = document.getElementById("picker-error");
const status = document.getElementById("picker-status");
const button = document.getElementById("picker-submit");
paintSwatches(form);

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearNotice(errorBox);
  const choice = form.querySelector('input[name="emotion"]:checked');
  if (!choice) {
    showNotice(errorBox, "Choose the mood that fits how you feel, then press the button again.");
    const first = form.querySelector('input[name="emotion"]');
    if (first) first.focus();
    return;
  }
  button.disabled = true;
  status.hidden = false;
  try {
    const submission = await api(apiUrl("picked"), { method: "POST", json: { emotion: choice.value } });
    window.location.assign(submission.page_url || `/submissions/${submission.id}/`);
  } catch (err) {
    status.hidden = true;
    button.disabled = false;
    showNotice(errorBox, err.message);
  }
});


// "Use my face instead of speaking": a few stills, sent without a recording.
const limits = readJsonScript("record-limits", { face_frames: 3 });
const faceBtn = document.getElementById("face-btn");
const faceError = document.getElementById("face-error");
const faceStatus = document.getElementById("face-status");
const preview = document.getElementById("face-preview");

faceBtn.addEventListener("click", async () => {
  clearNotice(faceError);
  faceBtn.disabled = true;
  let stream = null;
  try {
    stream = await openCamera(preview);
  } catch (err) {
    faceBtn.disabled = false;
    showNotice(faceError, cameraErrorMessage(err).replace("so we’ll use your voice only", "so we can’t read your face"));
    return;
  }
  preview.hidden = false;
  faceStatus.hidden = false;
  let frames;
  try {
    frames = await takeFrames(preview, limits.face_frames, 400);
  } finally {
    closeCamera(stream, preview);
    preview.hidden = true;
  }
  const form = new FormData();
  frames.forEach((f, i) => form.append("frames", f, `frame${i}.jpg`));
  faceStatus.querySelector("span:last-child").textContent = "Reading your expression…";
  try {
    const submission = await api(apiUrl("submissions"), { method: "POST", formData: form });
    window.location.assign(submission.page_url || `/submissions/${submission.id}/`);
  } catch (err) {
    faceStatus.hidden = true;
    faceBtn.disabled = false;
    showNotice(faceError, err.message);
  }
});
