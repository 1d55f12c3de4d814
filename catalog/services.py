"""Writes to the catalog: defaults, CSV import/export, mood tags and the engine's track positions."""
from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from . import defaults
from .csv_format import (
    GENERIC_COLUMNS, RowError, TrackRow, detect_layout, match_key, parse_data_moods, parse_generic,
)
from .errors import CatalogImportError
from .models import Emotion, Genre, Mood, MoodMap, MoodMapGenre, Track, TrackMoodTag

logger = logging.getLogger(__name__)

STARTER_CATALOG = Path(__file__).resolve().parent / "fixtures" / "starter_catalog.csv"


@dataclass
class RowOutcome:
    line: int
    status: str  # created | updated | unchanged | rejected
    track: str
    reasons: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    layout: str
    rows: list[RowOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def summary(self) -> str:
        return ", ".join(f"{self.count(s)} {s}" for s in ("created", "updated", "unchanged", "rejected"))


# ---------------------------------------------------------------------------------------------
# Defaults


def emotions_load_defaults() -> int:
    """Create the default emotions that are missing; existing rows, maybe edited by staff, stay."""
    created = 0
    for order, (code, (name, valence, arousal, color)) in enumerate(defaults.EMOTIONS.items()):
        _, was_created = Emotion.objects.get_or_create(
            code=code, defaults={"name": name, "valence": valence, "arousal": arousal, "color": color,
                                 "order": order})
        created += was_created
    return created


@transaction.atomic
def load_defaults(*, with_starter_catalog: bool = True) -> None:
    """Idempotently install emotions, moods, genres, mood maps and the starter catalog.

    Existing rows are left as staff edited them; only missing ones are created.
    """
    emotions_load_defaults()
    for code, (name, valence, energy, instrumentalness) in defaults.MOODS.items():
        Mood.objects.get_or_create(code=code, defaults={"name": name, "valence": valence, "energy": energy,
                                                        "instrumentalness": instrumentalness})
    for slug, name in defaults.GENRES.items():
        Genre.objects.get_or_create(slug=slug, defaults={"name": name})
    emotions = {e.code: e for e in Emotion.objects.all()}
    moods = {m.code: m for m in Mood.objects.all()}
    genres = {g.slug: g for g in Genre.objects.all()}
    for (emotion, strategy), (description, mood_codes, weights, keywords) in defaults.MOOD_MAPS.items():
        valence, arousal = defaults.default_target(mood_codes)
        mood_map, created = MoodMap.objects.get_or_create(
            emotion=emotions[emotion], strategy=strategy,
            defaults={"target_valence": valence, "target_arousal": arousal, "keywords": keywords,
                      "description": description})
        if created:
            mood_map.moods.set([moods[m] for m in mood_codes])
            MoodMapGenre.objects.bulk_create(
                [MoodMapGenre(mood_map=mood_map, genre=genres[slug], weight=w) for slug, w in weights.items()])
    if with_starter_catalog and not Track.objects.exists():
        report = import_tracks_csv(file=STARTER_CATALOG.open(encoding="utf-8"),
                                   tag_source=TrackMoodTag.Source.CURATOR, track_source=Track.Source.CURATOR)
        logger.info("Starter catalog: %s", report.summary)


# ---------------------------------------------------------------------------------------------
# Import / export


def import_tracks_csv(*, file: Iterable[str] | io.TextIOBase, tag_source: str = TrackMoodTag.Source.IMPORTED,
                      track_source: str = Track.Source.IMPORTED) -> ImportReport:
    """Upsert tracks from a CSV (data_moods or generic layout); bad rows are reported, not fatal.

    Idempotent: the Spotify id, else normalised artist + title, identifies a track.
    """
    try:
        reader = csv.DictReader(file)
        header = reader.fieldnames
    except (UnicodeDecodeError, csv.Error) as exc:
        raise CatalogImportError(f"The file is not a readable UTF-8 CSV ({exc}).") from exc
    if not header:
        raise CatalogImportError("The file is empty: it needs a header row and one row per track.")
    layout = detect_layout(list(header))
    if layout is None:
        raise CatalogImportError(
            "Unrecognised columns: expected at least title and artist (generic layout) or "
            "name, artist, id and mood (data_moods layout).")
    reader.fieldnames = [h.strip().lower() for h in header]
    parse = parse_data_moods if layout == "data_moods" else parse_generic
    moods = {m.code: m for m in Mood.objects.all()}
    genres = {g.slug: g for g in Genre.objects.all()}
    report = ImportReport(layout=layout)
    touched: list[int] = []
    line = 1
    try:
        for line, raw in enumerate(reader, start=2):
            label = f"{(raw.get('artist') or '').strip()} - {(raw.get('title') or raw.get('name') or '').strip()}"
            try:
                if None in raw:
                    raise RowError("the row has more cells than the header")
                row = parse(raw)
                unknown = [m for m in row.moods if m not in moods]
                if unknown:
                    raise RowError(f"unknown mood {', '.join(unknown)} (known: {', '.join(sorted(moods))})")
                with transaction.atomic():
                    status, track_id = _upsert_track(row=row, moods=moods, genres=genres, tag_source=tag_source,
                                           track_source=track_source)
                report.rows.append(RowOutcome(line=line, status=status, track=label))
                touched.append(track_id)
            except RowError as exc:
                report.rows.append(RowOutcome(line=line, status="rejected", track=label, reasons=[str(exc)]))
    except (UnicodeDecodeError, csv.Error) as exc:
        report.rows.append(RowOutcome(line=line + 1, status="rejected", track="",
                                      reasons=[f"unreadable from here on: {exc}"]))
    refresh_positions(track_ids=touched)
    return report


def _upsert_track(*, row: TrackRow, moods: dict[str, Mood], genres: dict[str, Genre], tag_source: str,
                  track_source: str) -> tuple[str, int]:
    key = match_key(row.artist, row.title)
    track = None
    if row.spotify_id:
        track = Track.objects.filter(spotify_id=row.spotify_id).first()
    if track is None:
        track = Track.objects.filter(match_key=key).order_by("id").first()
        if track is not None and row.spotify_id and track.spotify_id and track.spotify_id != row.spotify_id:
            track = None  # same name, different recording
    values: dict[str, Any] = {"title": row.title, "artist": row.artist, "match_key": key}
    for name in ("album", "year", "duration_ms", "spotify_id", "popularity", "explicit", "active"):
        value = getattr(row, name)
        if value not in (None, ""):
            values[name] = value
    values.update({k: v for k, v in row.attributes.items() if v is not None})
    if track is None:
        track = Track.objects.create(source=track_source, **values)
        status = "created"
    else:
        changed = {k: v for k, v in values.items() if getattr(track, k) != v}
        if changed:
            for k, v in changed.items():
                setattr(track, k, v)
            track.save()
        status = "updated" if changed else "unchanged"
    for slug in row.genres:
        genre = genres.get(slugify(slug))
        if genre is None:
            genre = Genre.objects.create(slug=slugify(slug), name=slug.title())
            genres[genre.slug] = genre
        if not track.genres.filter(pk=genre.pk).exists():
            track.genres.add(genre)
            status = "updated" if status == "unchanged" else status
    for code in row.moods:
        tag, created = TrackMoodTag.objects.get_or_create(
            track=track, mood=moods[code], defaults={"source": tag_source})
        if not created and (tag.rejected or tag.source == TrackMoodTag.Source.SUGGESTED):
            tag.source, tag.rejected = tag_source, False
            tag.save(update_fields=["source", "rejected"])
            created = True
        if created and status == "unchanged":
            status = "updated"
    return status, track.pk


def export_tracks_csv(*, tracks: Iterable[Track], out: io.TextIOBase) -> int:
    """Write tracks in the generic layout (re-importable); returns the number of rows."""
    writer = csv.DictWriter(out, fieldnames=GENERIC_COLUMNS)
    writer.writeheader()
    count = 0
    for track in tracks:
        row = {name: getattr(track, name) for name in GENERIC_COLUMNS
               if name not in ("genres", "moods") and hasattr(track, name)}
        row["genres"] = ";".join(g.slug for g in track.genres.all())
        row["moods"] = ";".join(t.mood.code for t in track.mood_tags.all()
                                if not t.rejected and t.source != TrackMoodTag.Source.SUGGESTED)
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
        count += 1
    return count


# ---------------------------------------------------------------------------------------------
# Mood tags and positions


def refresh_positions(*, track_ids: Iterable[int]) -> None:
    """Recompute where the engine places each track: measured valence/energy, else its moods.

    Suggested tags count only for tracks without any confirmed tag.
    """
    moods = {m.pk: (m.valence, m.energy) for m in Mood.objects.all()}
    tags: dict[int, tuple[list, list]] = {}
    for track_id, mood_id, source in TrackMoodTag.objects.filter(
            track_id__in=list(track_ids), rejected=False).values_list("track_id", "mood_id", "source"):
        confirmed, suggested = tags.setdefault(track_id, ([], []))
        (suggested if source == TrackMoodTag.Source.SUGGESTED else confirmed).append(moods[mood_id])
    updates = []
    for track in Track.objects.filter(pk__in=list(track_ids)).only("id", "valence", "energy"):
        confirmed, suggested = tags.get(track.pk, ([], []))
        points = confirmed or suggested
        tag_v = sum(p[0] for p in points) / len(points) if points else None
        tag_e = sum(p[1] for p in points) / len(points) if points else None
        track.est_valence = track.valence if track.valence is not None else tag_v
        track.est_energy = track.energy if track.energy is not None else tag_e
        updates.append(track)
    Track.objects.bulk_update(updates, ["est_valence", "est_energy"])


@transaction.atomic
def tag_tracks(*, tracks: Iterable[Track], mood: Mood, source: str = TrackMoodTag.Source.CURATOR) -> int:
    ids = [t.pk for t in tracks]
    count = 0
    for track_id in ids:
        tag, created = TrackMoodTag.objects.get_or_create(track_id=track_id, mood=mood, defaults={"source": source})
        if not created and (tag.rejected or tag.source != source):
            tag.source, tag.rejected, tag.confidence = source, False, None
            tag.save(update_fields=["source", "rejected", "confidence"])
        count += 1
    refresh_positions(track_ids=ids)
    return count


@transaction.atomic
def untag_tracks(*, tracks: Iterable[Track], mood: Mood) -> int:
    ids = [t.pk for t in tracks]
    deleted, _ = TrackMoodTag.objects.filter(track_id__in=ids, mood=mood).delete()
    refresh_positions(track_ids=ids)
    return deleted


@transaction.atomic
def review_suggestions(*, tags: Iterable[TrackMoodTag], accept: bool) -> int:
    """Accept (the tag becomes a curator tag) or reject (kept, so it is not suggested again)."""
    tags = [t for t in tags if t.source == TrackMoodTag.Source.SUGGESTED and not t.rejected]
    for tag in tags:
        if accept:
            tag.source = TrackMoodTag.Source.CURATOR
        else:
            tag.rejected = True
        tag.save(update_fields=["source", "rejected"])
    refresh_positions(track_ids={t.track_id for t in tags})
    return len(tags)
