"""Latency of building one recommendation set with 100,000 tracks in PostgreSQL (Spotify excluded).

The listener likes the first and dislikes the last track of every set (untimed), so reasons,
beliefs and exploration work on a growing history; lift and calm sets are journeys.

Creates a throw-away test database (test_<name>), generates the catalog there (random positions,
1-2 genres each, a mood tag on a third of them), then times services.build_recommendation_set
end to end (target, candidate queries, ranking, storing the set) for results of every emotion.
Run: DATABASE_URL=postgres://... python benchmarks/bench_recommendations.py [--tracks 100000]
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moodify_site.settings.test")
os.environ["SPOTIFY_CLIENT_ID"] = ""  # Spotify time is excluded by the target

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def generate(n: int) -> None:
    from catalog import services
    from catalog.models import Genre, Mood, Track, TrackMoodTag

    services.load_defaults(with_starter_catalog=False)
    rng = random.Random(0)
    genres = list(Genre.objects.all())
    moods = list(Mood.objects.all())
    batch = 10_000
    for start in range(0, n, batch):
        tracks = []
        for i in range(start, min(n, start + batch)):
            v, e = rng.random(), rng.random()
            tracks.append(Track(title=f"Song {i}", artist=f"Artist {i % 20000}", match_key=f"artist {i}|song {i}",
                                valence=v, energy=e, est_valence=v, est_energy=e, popularity=rng.randint(0, 100),
                                year=rng.randint(1955, 2025), tempo=rng.uniform(60, 180),
                                source=Track.Source.IMPORTED, explicit=rng.random() < 0.1))
        created = Track.objects.bulk_create(tracks, batch_size=5000)
        through = Track.genres.through
        through.objects.bulk_create([through(track_id=t.pk, genre_id=g.pk) for t in created
                                     for g in rng.sample(genres, rng.randint(1, 2))], batch_size=10000)
        TrackMoodTag.objects.bulk_create([TrackMoodTag(track=t, mood=rng.choice(moods), source="imported")
                                          for t in created if rng.random() < 0.33], batch_size=10000)
    with connection.cursor() as cursor:
        # Where autovacuum leaves a table soon after a bulk load (PostgreSQL 13+ vacuums after
        # inserts too): statistics, and the visibility map that lets the candidate boxes read the
        # covering position index alone.
        cursor.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="print where the time goes (cProfile, top 30)")
    parser.add_argument("--show-queries", action="store_true", help="print the SQL of the last set built")
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        generate(args.tracks)
        print(f"generated {args.tracks} tracks in {time.perf_counter() - started:.1f} s")
        from catalog.models import Emotion
        from recommendations import services
        from tests.recommendations.factories import EmotionResultFactory, UserFactory

        user = UserFactory()
        user.profile.excluded_genres.set([])
        codes = list(Emotion.objects.values_list("code", flat=True))
        timings = {"match": [], "lift": [], "calm": []}
        query_counts: list[int] = []
        sql_ms: list[float] = []
        cache.clear()  # a fresh database: no mood maps cached from an earlier run
        profiler = cProfile.Profile() if args.profile else None
        for run in range(args.runs + 10):
            if run == 10:
                with connection.cursor() as cursor:
                    # What autovacuum has long done on a live site: statistics for the tables the
                    # listener's history lives in, created empty above. Without them the planner
                    # joined the listener's recent results to their submissions with a nested loop
                    # of sequential scans, growing with every set (3 ms at 200 results).
                    cursor.execute("ANALYZE")
            label = codes[run % len(codes)]
            unsure = run % 3 == 0
            probs = {label: 0.4, codes[(run + 1) % len(codes)]: 0.35, codes[(run + 2) % len(codes)]: 0.25} \
                if unsure else {label: 0.9}
            result = EmotionResultFactory(submission__user=user, label=label, confidence=0.4 if unsure else 0.9,
                                          probabilities=probs)
            strategy = ("match", "lift", "calm")[run % 3]
            with CaptureQueriesContext(connection) as queries:
                if profiler and run >= 10:
                    profiler.enable()
                t0 = time.perf_counter()
                rec_set = services.build_recommendation_set(result=result, strategy=strategy)
                elapsed = (time.perf_counter() - t0) * 1000
                if profiler:
                    profiler.disable()
            if run >= 10:
                query_counts.append(len(queries))
                sql_ms.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
            assert rec_set.items.count() == 10
            # A listener with a growing history (untimed): likes the first track, dislikes the last.
            services.record_feedback(user=user, recommendation=rec_set.items.get(rank=1), action="like")
            services.record_feedback(user=user, recommendation=rec_set.items.get(rank=10), action="dislike")
            if run >= 10:  # warm-up
                timings[strategy].append(elapsed)
        everything = sorted(t for ts in timings.values() for t in ts)
        p = lambda q: everything[min(len(everything) - 1, int(q * len(everything)))]  # noqa: E731
        print(f"build_recommendation_set over {len(everything)} results, {args.tracks} tracks: "
              f"p50 {statistics.median(everything):.1f} ms, p95 {p(0.95):.1f} ms, max {everything[-1]:.1f} ms")
        print(f"  queries per set: median {statistics.median(query_counts):.0f}, max {max(query_counts)}; "
              f"time in SQL (as the driver sees it): median {statistics.median(sql_ms):.1f} ms")
        for strategy, ts in timings.items():
            ts.sort()
            print(f"  {strategy}: p50 {statistics.median(ts):.1f} ms, p95 {ts[int(0.95 * len(ts))]:.1f} ms")
        if args.show_queries:
            for q in queries.captured_queries:
                print(f"  [{float(q['time']) * 1000:.2f} ms] {q['sql'][:400]}")
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
