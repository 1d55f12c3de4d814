// Renders a recommendation set: tracks with the "why", a Spotify player (loaded on request,
// so nothing is fetched from Spotify until someone wants to listen) and feedback controls
// that save instantly.
import { api, apiUrl, h } from "./api.js";

function formatDuration(ms) {
  if (!ms) return "";
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

const STRATEGY_PHRASE = { match: "to match your mood", lift: "to lift your mood", calm: "to calm things down" };
const VALENCE_WORD = { high: "bright", mid: "balanced", low: "melancholic" };
const ENERGY_WORD = { high: "energetic", mid: "steady", low: "gentle" };

function listWords(words) {
  return words.length > 1 ? `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}` : words.join("");
}

// Sets stored before reasons were per track carry a compact "why" ("sad -> lift: upbeat pop; high
// valence, mid energy"); people read "Feeling sad, to lift your mood: upbeat pop. Bright and
// steady." Newer sets carry a sentence already, shown as it came.
export function readableWhy(why) {
  const [head, ...reasons] = why.split("; ");
  const m = head.match(/^(?:unsure \((.+)\)|([\w-]+)) -> (\w+)(?::\s*(.+))?$/);
  if (!m) return why;
  const [, blend, emotion, strategy, description] = m;
  const who = blend ? `Not sure between ${listWords(blend.split(" / "))}` : `Feeling ${emotion}`;
  const sentence = `${who}, ${STRATEGY_PHRASE[strategy] || strategy}${description ? `: ${description}` : ""}.`;
  const details = reasons.map((reason) => {
    const sound = reason.match(/^(high|mid|low) valence, (high|mid|low) energy(, instrumental)?$/);
    if (sound) return listWords([VALENCE_WORD[sound[1]], ENERGY_WORD[sound[2]], ...(sound[3] ? ["instrumental"] : [])]);
    const tagged = reason.match(/^tagged (.+)$/);
    if (!tagged) return reason;
    const moods = listWords(tagged[1].split("/"));
    return `${/^[aeiou]/i.test(moods) ? "an" : "a"} ${moods} track`;
  });
  if (!details.length) return sentence;
  const rest = details.join("; ");
  return `${sentence} ${rest.charAt(0).toUpperCase()}${rest.slice(1)}.`;
}

function sendFeedback(itemId, payload) {
  return api(apiUrl("feedback", itemId), { method: "POST", json: payload });
}

function player(item) {
  const track = item.track;
  const label = `${track.title} by ${track.artist}`;
  const wrap = h("div", { class: "track-player" });
  if (track.embed_url) {
    const button = h("button", { type: "button", class: "btn btn-secondary btn-small", "aria-label": `Play ${label} on Spotify` }, "▶ Play preview");
    button.addEventListener("click", () => {
      const frame = h("iframe", {
        src: track.embed_url, title: `Spotify player: ${label}`, loading: "lazy",
        allow: "autoplay; clipboard-write; encrypted-media; fullscreen; picture-in-picture",
      });
      button.replaceWith(frame);
      sendFeedback(item.id, { action: "played" }).catch(() => {});
    });
    wrap.append(button);
  }
  const links = h("p", { class: "small track-links" });
  if (track.spotify_url) {
    links.append(h("a", { href: track.spotify_url, target: "_blank", rel: "noopener", "aria-label": `Open ${label} in Spotify (new tab)` }, "Open in Spotify ↗"));
  } else {
    const q = encodeURIComponent(`${track.title} ${track.artist}`);
    links.append(h("span", { class: "muted" }, "Not linked to Spotify. "),
      h("a", { href: `https://open.spotify.com/search/${q}`, target: "_blank", rel: "noopener", "aria-label": `Search for ${label} on Spotify (new tab)` }, "Search for it ↗"));
  }
  wrap.append(links);
  return wrap;
}

function feedbackControls(item) {
  const track = item.track;
  const fb = item.feedback || {};
  const state = h("span", { class: "save-state", role: "status", "aria-live": "polite" });
  const like = h("button", { type: "button", class: "toggle like", "aria-pressed": String(fb.liked === true), "aria-label": `Like ${track.title}` }, "♥ Like");
  const dislike = h("button", { type: "button", class: "toggle dislike", "aria-pressed": String(fb.liked === false), "aria-label": `Dislike ${track.title}` }, "✕ Dislike");

  async function save(payload, apply, revert) {
    apply();
    state.classList.remove("is-error");
    state.textContent = "Saving…";
    try {
      await sendFeedback(item.id, payload);
      state.textContent = "Saved";
    } catch (err) {
      revert();
      state.classList.add("is-error");
      state.textContent = `Not saved: ${err.message}`;
    }
  }

  function setLiked(value) {
    like.setAttribute("aria-pressed", String(value === true));
    dislike.setAttribute("aria-pressed", String(value === false));
  }

  like.addEventListener("click", () => {
    const before = like.getAttribute("aria-pressed") === "true" ? true : dislike.getAttribute("aria-pressed") === "true" ? false : null;
    if (before === true) return;
    save({ action: "like" }, () => setLiked(true), () => setLiked(before));
  });
  dislike.addEventListener("click", () => {
    const before = like.getAttribute("aria-pressed") === "true" ? true : dislike.getAttribute("aria-pressed") === "true" ? false : null;
    if (before === false) return;
    save({ action: "dislike" }, () => setLiked(false), () => setLiked(before));
  });

  const stars = h("fieldset", { class: "stars" }, h("legend", {}, "Rating"));
  const name = `rating-${item.id}`;
  const labels = [];
  let current = fb.rating || 0;
  const paint = (n) => labels.forEach((l, i) => l.classList.toggle("is-on", i < n));
  for (let n = 1; n <= 5; n++) {
    const id = `${name}-${n}`;
    const input = h("input", { type: "radio", name, id, value: String(n), checked: n === current });
    const label = h("label", { for: id, title: `${n} star${n > 1 ? "s" : ""}` },
      h("span", { "aria-hidden": "true" }, "★"), h("span", { class: "visually-hidden" }, `${n} star${n > 1 ? "s" : ""} for ${track.title}`));
    input.addEventListener("change", () => {
      const before = current;
      save({ action: "rate", rating: n }, () => { current = n; paint(n); }, () => {
        current = before;
        paint(before);
        stars.querySelectorAll("input").forEach((el) => { el.checked = Number(el.value) === before; });
      });
    });
    label.addEventListener("mouseenter", () => paint(n));
    label.addEventListener("mouseleave", () => paint(current));
    labels.push(label);
    stars.append(input, label);
  }
  paint(current);

  return h("div", { class: "track-feedback" }, like, dislike, stars, state);
}

export function trackItem(item) {
  const track = item.track;
  const meta = [track.artist, track.album, track.year, formatDuration(track.duration_ms)].filter(Boolean).join(" · ");
  return h("li", { class: "track", "data-item-id": item.id },
    h("div", { class: "track-head" },
      h("span", { class: "track-rank", "aria-hidden": "true" }, String(item.rank)),
      h("div", { class: "track-text" },
        h("h3", { class: "track-title" }, track.title),
        h("p", { class: "track-meta" }, meta),
        item.explored ? h("span", { class: "badge badge-explore", title: "Picked to learn what you like: rate it and the next sets know more." }, "Something new") : null)),
    item.why ? h("p", { class: "track-why" }, h("strong", {}, "Why: "), readableWhy(item.why)) : null,
    player(item),
    feedbackControls(item));
}
