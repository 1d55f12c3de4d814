"""The two CSV layouts the catalog reads: data_moods.csv and the documented generic layout.

Generic layout (also what export writes), one track per row, UTF-8, header required:
  title, artist (required); album, year, duration_ms, spotify_id, popularity (0..100), explicit
  (true/false), genres and moods (";"-separated slugs), active (true/false), and the audio
  attributes valence, energy, danceability, acousticness, instrumentalness, speechiness,
  liveness (0..1), tempo (BPM), loudness (dB). Empty cells mean unknown.
data_moods layout: name, album, artist, id, release_date, popularity, length, the audio
attributes, and mood (Happy/Sad/Calm/Energetic).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

GENERIC_COLUMNS = [
    "title", "artist", "album", "year", "duration_ms", "spotify_id", "popularity", "explicit",
    "genres", "moods", "active", "valence", "energy", "danceability", "acousticness",
    "instrumentalness", "speechiness", "liveness", "tempo", "loudness",
]
DATA_MOODS_REQUIRED = {"name", "artist", "id", "mood"}
UNIT_ATTRIBUTES = ("valence", "energy", "danceability", "acousticness", "instrumentalness",
                   "speechiness", "liveness")
SPOTIFY_ID = re.compile(r"^[0-9A-Za-z]{22}$")


@dataclass
class TrackRow:
    """One CSV row, validated and normalised, ready to be upserted."""

    title: str
    artist: str
    album: str = ""
    year: int | None = None
    duration_ms: int | None = None
    spotify_id: str | None = None
    popularity: int | None = None
    explicit: bool | None = None
    active: bool | None = None
    genres: list[str] = field(default_factory=list)
    moods: list[str] = field(default_factory=list)
    attributes: dict[str, float | None] = field(default_factory=dict)


class RowError(ValueError):
    pass


def _float(row: dict, name: str, low: float | None = None, high: float | None = None) -> float | None:
    raw = (row.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise RowError(f"{name} {raw!r} is not a number") from None
    if value != value or (low is not None and value < low) or (high is not None and value > high):
        raise RowError(f"{name} {raw} is outside {low}..{high}")
    return value


def _int(row: dict, name: str, low: int, high: int) -> int | None:
    value = _float(row, name, low, high)
    return None if value is None else int(value)


def _bool(row: dict, name: str) -> bool | None:
    raw = (row.get(name) or "").strip().lower()
    if not raw:
        return None
    if raw in {"1", "true", "yes", "y"}:
        return True
    if raw in {"0", "false", "no", "n"}:
        return False
    raise RowError(f"{name} {raw!r} is not true/false")


def _list(raw: str | None) -> list[str]:
    return [part.strip().lower() for part in (raw or "").replace(",", ";").split(";") if part.strip()]


def _attributes(row: dict) -> dict[str, float | None]:
    values = {name: _float(row, name, 0.0, 1.0) for name in UNIT_ATTRIBUTES}
    values["tempo"] = _float(row, "tempo", 0.0, 400.0)
    values["loudness"] = _float(row, "loudness", -80.0, 10.0)
    return values


def _spotify_id(raw: str | None) -> str | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not SPOTIFY_ID.match(raw):
        raise RowError(f"spotify id {raw!r} is not 22 letters and digits")
    return raw


def _text(row: dict, name: str, required: bool = False) -> str:
    value = (row.get(name) or "").strip()
    if required and not value:
        raise RowError(f"{name} is empty")
    if len(value) > 300:
        raise RowError(f"{name} is longer than 300 characters")
    return value


def detect_layout(header: list[str]) -> str | None:
    names = {h.strip().lower() for h in header}
    if DATA_MOODS_REQUIRED <= names:
        return "data_moods"
    if {"title", "artist"} <= names:
        return "generic"
    return None


def parse_generic(row: dict) -> TrackRow:
    return TrackRow(
        title=_text(row, "title", required=True),
        artist=_text(row, "artist", required=True),
        album=_text(row, "album"),
        year=_int(row, "year", 1000, 2100),
        duration_ms=_int(row, "duration_ms", 1, 10 * 3600 * 1000),
        spotify_id=_spotify_id(row.get("spotify_id")),
        popularity=_int(row, "popularity", 0, 100),
        explicit=_bool(row, "explicit"),
        active=_bool(row, "active"),
        genres=_list(row.get("genres")),
        moods=_list(row.get("moods")),
        attributes=_attributes(row),
    )


def _release_year(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    match = re.search(r"(\d{4})", raw)
    if not match:
        raise RowError(f"release_date {raw!r} has no year")
    year = int(match.group(1))
    if not 1000 <= year <= 2100:
        raise RowError(f"release_date {raw!r} is not a plausible year")
    return year


def parse_data_moods(row: dict) -> TrackRow:
    mood = _text(row, "mood", required=True).lower()
    return TrackRow(
        title=_text(row, "name", required=True),
        artist=_text(row, "artist", required=True),
        album=_text(row, "album"),
        year=_release_year(row.get("release_date")),
        duration_ms=_int(row, "length", 1, 10 * 3600 * 1000),
        spotify_id=_spotify_id(row.get("id")),
        popularity=_int(row, "popularity", 0, 100),
        moods=[mood],
        attributes=_attributes(row),
    )


def match_key(artist: str, title: str) -> str:
    """Artist + title, case- and punctuation-insensitive: the import key without a Spotify id."""
    def norm(text: str) -> str:
        return re.sub(r"[^\w]+", " ", text.casefold()).strip()
    return f"{norm(artist)}|{norm(title)}"[:200]
