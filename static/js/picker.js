// The mood picker: a result without recording, for people who cannot or prefer not to speak.
import { api, apiUrl, showNotice, clearNotice, paintSwatches } from "./api.js";

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
