// Settings: save preferences through the profile API, and delete the account.
import { api, apiUrl, showNotice, clearNotice } from "./api.js";

const form = document.getElementById("profile-form");
const status = document.getElementById("profile-status");
const saveBtn = document.getElementById("profile-save");

function clearFieldErrors() {
  form.querySelectorAll("[data-error-for]").forEach((el) => { el.textContent = ""; });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearFieldErrors();
  clearNotice(status);
  const checked = (name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((el) => el.value);
  const favourite = checked("favourite_genres");
  const excluded = checked("excluded_genres");
  const both = favourite.filter((g) => excluded.includes(g));
  if (both.length) {
    form.querySelector('[data-error-for="excluded_genres"]').textContent = "A genre can’t be both loved and left out. Untick it in one of the two lists.";
    showNotice(status, "Please fix the highlighted field.");
    return;
  }
  const market = form.market.value.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(market)) {
    form.querySelector('[data-error-for="market"]').textContent = "Enter a two-letter country code, such as US or GB.";
    form.market.focus();
    showNotice(status, "Please fix the highlighted field.");
    return;
  }
  const payload = {
    strategy: (form.querySelector('input[name="strategy"]:checked') || {}).value,
    favourite_genres: favourite,
    excluded_genres: excluded,
    market,
    allow_explicit: form.allow_explicit.checked,
    recording_retention: (form.querySelector('input[name="recording_retention"]:checked') || {}).value,
  };
  saveBtn.disabled = true;
  try {
    const profile = await api(apiUrl("profile"), { method: "PATCH", json: payload });
    form.market.value = profile.market || market;
    showNotice(status, "Your preferences are saved.", "success");
  } catch (err) {
    if (err.fields) {
      for (const [field, messages] of Object.entries(err.fields)) {
        const slot = form.querySelector(`[data-error-for="${field}"]`);
        if (slot) slot.textContent = [].concat(messages).join(" ");
      }
    }
    showNotice(status, err.message);
  } finally {
    saveBtn.disabled = false;
  }
});

const deleteForm = document.getElementById("delete-form");
const deleteError = document.getElementById("delete-error");
deleteForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearNotice(deleteError);
  // People without a Moodify password (Spotify sign-up) confirm by typing their email address.
  const confirmField = deleteForm.password || deleteForm.confirm_email;
  if (!confirmField.value) {
    showNotice(deleteError, deleteForm.password
      ? "Enter your password to confirm it’s really you."
      : "Type your email address to confirm it’s really you.");
    confirmField.focus();
    return;
  }
  if (!document.getElementById("delete-confirm").checked) {
    showNotice(deleteError, "Tick the box to confirm you want to delete everything.");
    document.getElementById("delete-confirm").focus();
    return;
  }
  const button = document.getElementById("delete-btn");
  button.disabled = true;
  button.textContent = "Deleting…";
  try {
    await api(apiUrl("account"), { method: "DELETE", json: { [confirmField.name]: confirmField.value } });
    window.location.assign("/?account_deleted=1");
  } catch (err) {
    button.disabled = false;
    button.textContent = "Delete my account and recordings";
    showNotice(deleteError, err.status === 400 || err.status === 403 ? (err.body && err.body.detail) || "That did not match. Try again." : err.message);
  }
});

// API tokens: revoke one through the API and take its row off the list.
const tokenStatus = document.getElementById("tokens-status");
document.querySelectorAll("[data-token-id]").forEach((button) => {
  button.addEventListener("click", async () => {
    clearNotice(tokenStatus);
    button.disabled = true;
    try {
      await api(apiUrl("token", button.dataset.tokenId), { method: "DELETE" });
      button.closest("[data-token-row]").remove();
      showNotice(tokenStatus, "The token is revoked: programs using it are signed out.", "success");
    } catch (err) {
      button.disabled = false;
      showNotice(tokenStatus, err.message);
    }
  });
});
