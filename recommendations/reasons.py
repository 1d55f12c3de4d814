"""Why each track is in a set, from the parts of its score: structured reasons (code + values) for
clients, and the plain sentence people read. Plain Python, no database.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .engine import Preferences, Ranked, Target, artist_key

# A learned affinity or believed taste counts as a reason from here (affinity units / mean - prior).
AFFINITY_REASON = 0.5
BELIEF_REASON = 0.1
# A measured attribute counts as low / high outside these bounds (Spotify's 0..1 scales).
LOW, HIGH = 0.35, 0.65
SLOW_BPM, FAST_BPM = 95.0, 125.0
# The sentence names at most this many reasons besides exploration.
SENTENCE_REASONS = 3
STRATEGY_PHRASE = {"match": "to match your mood", "lift": "to lift your mood", "calm": "to calm things down"}


@dataclass(frozen=True)
class Reason:
    code: str
    values: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"code": self.code, **self.values}


def _sound_words(valence: float, energy: float) -> list[str]:
    energy_word = "soft" if energy <= LOW else "high energy" if energy >= HIGH else ""
    # Quiet music measures low in valence whatever its mood: "soft" says it, "melancholic" would not.
    valence_word = "upbeat" if valence >= HIGH else "melancholic" if valence <= LOW and energy > LOW else ""
    return [w for w in (valence_word, energy_word) if w]


def _when(days: int) -> str:
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 7:
        return "this week"
    if days < 14:
        return "last week"
    if days < 60:
        return f"{days // 7} weeks ago"
    return "a while ago"


def _direction(start: Target, goal: Target) -> str:
    words = []
    if goal.valence - start.valence > 0.05:
        words.append("brighter")
    elif start.valence - goal.valence > 0.05:
        words.append("darker")
    if goal.energy - start.energy > 0.05:
        words.append("livelier")
    elif start.energy - goal.energy > 0.05:
        words.append("calmer")
    return " and ".join(words) or "steadier"


def _known_artists(prefs: Preferences) -> set[str]:
    return prefs.artist_affinity.keys() | {k[len("artist:"):] for k in prefs.beliefs.counts if k.startswith("artist:")}


def _history(item: Ranked, prefs: Preferences, known: set[str]) -> list[Reason]:
    c = item.candidate
    reasons = []
    rating = prefs.ratings.get(c.track_id)
    if rating is not None and rating.stars >= 4:
        reasons.append(Reason("rated", {"stars": rating.stars, "when": _when(rating.days_ago)}))
    elif c.track_id in prefs.liked_track_ids:
        reasons.append(Reason("liked_track"))
    key = artist_key(c.artist)
    if prefs.artist_affinity.get(key, 0.0) > AFFINITY_REASON:
        reasons.append(Reason("liked_artist", {"artist": c.artist}))
    favourite = [g for g in c.genres if g in prefs.favourite_genres]
    liked = sorted((g for g in c.genres if prefs.genre_affinity.get(g, 0.0) > AFFINITY_REASON),
                   key=lambda g: -prefs.genre_affinity[g])
    if favourite:
        reasons.append(Reason("favourite_genre", {"genre": favourite[0]}))
    elif liked:
        reasons.append(Reason("liked_genre", {"genre": liked[0]}))
    for family in ("decade", "sound"):
        if item.belief_lift.get(family, 0.0) > BELIEF_REASON:
            value = next(f.partition(":")[2] for f in c.features if f.startswith(f"{family}:"))
            reasons.append(Reason("learned_taste", {"feature": family, "value": value}))
    if prefs.beliefs and not reasons and key not in known and c.track_id not in prefs.recent_track_ids:
        reasons.append(Reason("new_to_you"))
    return reasons


def _journey(item: Ranked, start: Target | None, goal: Target) -> list[Reason]:
    if start is None or item.progress is None:
        return []
    stage = "start" if item.progress == 0 else "arrived" if item.progress >= 1 else "on_the_way"
    return [Reason("journey", {"stage": stage, "progress": round(item.progress, 2),
                               "direction": _direction(start, goal), "from": start.emotion})]


def _sound(item: Ranked, target: Target) -> list[Reason]:
    c = item.candidate
    if c.measured:
        tempo = None if c.tempo is None else "slow" if c.tempo < SLOW_BPM else "fast" if c.tempo > FAST_BPM else None
        instrumental = target.instrumentalness is not None and (c.instrumentalness or 0.0) >= 0.5
        return [Reason("sound", {"words": _sound_words(c.valence, c.energy), "tempo": tempo,
                                 "instrumental": instrumental})]
    if item.parts.mood_hit:
        return [Reason("mood_tag", {"moods": list(item.parts.mood_hit)})]
    return []


def explain(ranked: list[Ranked], target: Target, prefs: Preferences, *,
            start: Target | None = None) -> list[list[Reason]]:
    """The reasons for each ranked item: where it stands on a journey (what orders the set), then
    the strongest first: the listener's history, the track's sound or tags against the target, the
    genre the mood map asks for; and exploration."""
    known = _known_artists(prefs)
    return [_explain(item, target, prefs, start, known) for item in ranked]


def _explain(item: Ranked, target: Target, prefs: Preferences, start: Target | None, known: set[str]) -> list[Reason]:
    reasons = _journey(item, start, target) + _history(item, prefs, known) + _sound(item, target)
    parts = item.parts
    if parts.fit_genre is not None and target.genre_weights.get(parts.fit_genre, 0.0) >= 0.5:
        # The best-fitting genre scores; the others the map also asks for are named with it.
        also = sorted((g for g in item.candidate.genres if g != parts.fit_genre and g in target.genre_weights),
                      key=lambda g: (-target.genre_weights[g], g))
        reasons.append(Reason("genre_fit", {"genres": [parts.fit_genre, *also], "map": target.description}))
    if item.explored and item.explored_feature:
        family, _, value = item.explored_feature.partition(":")
        if family == "artist":
            value = item.candidate.artist
        reasons.append(Reason("explore", {"feature": family, "value": value}))
    return reasons


def _feature_words(family: str, value: str) -> str:
    if family == "decade":
        return f"music from the {value}"
    if family == "sound":
        v, _, e = value.partition(" ")
        words = {"low-valence": "dark", "high-valence": "upbeat", "low-energy": "soft", "high-energy": "lively"}
        described = [words[w] for w in (v, e) if w in words]
        return " and ".join(described) + " music" if described else "music in between"
    return value


def phrase(reason: Reason) -> str:
    v = reason.values
    if reason.code == "rated":
        return f"you rated this {v['stars']} stars {v['when']}"
    if reason.code == "liked_track":
        return "you liked this track before"
    if reason.code == "liked_artist":
        return f"you liked {v['artist']}"
    if reason.code == "favourite_genre":
        return f"{v['genre']} is one of your favourite genres"
    if reason.code == "liked_genre":
        return f"you like {v['genre']}"
    if reason.code == "learned_taste":
        return f"you have enjoyed {_feature_words(v['feature'], v['value'])}"
    if reason.code == "new_to_you":
        return "new to you"
    if reason.code == "journey":
        return {"start": "close to how you feel now", "arrived": "where we are heading"}.get(
            v["stage"], f"a step {v['direction']}")
    if reason.code == "sound":
        words = ([v["tempo"]] if v["tempo"] else []) + v["words"] + (["instrumental"] if v["instrumental"] else [])
        return "sounds " + (" and ".join(words) if len(words) < 3 else ", ".join(words[:-1]) + " and " + words[-1]) \
            if words else "sounds balanced, neither melancholic nor upbeat"
    if reason.code == "mood_tag":
        return "tagged " + " and ".join(v["moods"])
    if reason.code == "genre_fit":
        genres = " and ".join(v["genres"])
        verb = "suit" if len(v["genres"]) > 1 else "suits"
        return f"{genres} {verb} {v['map']}" if v["map"] else f"{genres} {verb} this mood"
    if reason.code == "explore":
        return f"something different, to learn whether you like {_feature_words(v['feature'], v['value'])}"
    return reason.code.replace("_", " ")


def sentence(reasons: list[Reason]) -> str:
    """The reasons people read: the strongest few, and always whether the pick is exploring."""
    shown = [r for r in reasons if r.code != "explore"][:SENTENCE_REASONS] + [r for r in reasons if r.code == "explore"]
    if not shown:
        return "Close to the mood we aimed for."
    text = "; ".join(phrase(r) for r in shown)
    return (text[0].upper() + text[1:] + ".")[:300]


def summary(target: Target) -> str:
    """What the whole set answers: the (possibly unsure) emotion and the strategy."""
    if target.blend:
        named = [f"{e} {p:.0%}" for e, p in target.blend.items()]
        who = "Not sure between " + (", ".join(named[:-1]) + " and " + named[-1] if len(named) > 1 else named[0])
    else:
        who = f"Feeling {target.emotion}"
    text = f"{who}, {STRATEGY_PHRASE.get(target.strategy, target.strategy)}"
    return (text + (f": {target.description}." if target.description else "."))[:300]

