"""A small, configurable share of each set explores the listener's taste, and says so."""
import pytest

from recommendations import services
from recommendations.models import TasteBelief
from tests.recommendations.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("share", "explored"), [(0.0, 0), (0.1, 1), (0.2, 2), (0.3, 3)])
def test_the_configured_share_of_a_set_explores_and_is_marked(catalog, result_for, settings, share, explored):
    settings.RECOMMENDATION_EXPLORE_SHARE = share
    rec_set = services.build_recommendation_set(result=result_for("happy"), strategy="match")
    items = list(rec_set.items.all())
    marked = [i for i in items if i.explored]
    assert len(marked) == explored and len(items) == 10
    assert items[0].explored is False  # the first track is always the best we know
    for item in marked:
        assert "something different, to learn whether you like" in item.why.lower()
        assert any(r["code"] == "explore" for r in item.reasons)
    assert not any("something different" in i.why.lower() for i in items if not i.explored)


def test_explored_tracks_stay_in_the_mood_asked_for(catalog, result_for, settings):
    settings.RECOMMENDATION_EXPLORE_SHARE = 0.3
    opposite = {"happy": {"sad", "calm"}, "sad": {"happy", "energetic"}, "angry": {"calm", "sad"}}
    for label, wrong in opposite.items():
        rec_set = services.build_recommendation_set(result=result_for(label), strategy="match")
        for item in rec_set.items.filter(explored=True):
            moods = set(item.track.mood_tags.values_list("mood__code", flat=True))
            assert moods and not moods <= wrong, (label, item.track, moods)


def test_feedback_teaches_about_tracks_never_shown(catalog, result_for, user):
    """Liking tracks of one decade and disliking the rest brings more of that decade next time."""
    first = services.build_recommendation_set(result=result_for("happy"), strategy="match")
    decade = next(i.track.year for i in first.items.all() if i.track.year) // 10 * 10
    for item in first.items.all():
        liked = item.track.year and item.track.year // 10 * 10 == decade
        services.record_feedback(user=user, recommendation=item, action="like" if liked else "dislike")
    belief = TasteBelief.objects.get(user=user, feature=f"decade:{decade}s")
    assert belief.liked >= 1 and belief.disliked == 0

    def of_decade(rec_set):
        return sum(1 for i in rec_set.items.all() if i.track.year and i.track.year // 10 * 10 == decade)

    fresh = services.build_recommendation_set(result=result_for("happy", owner=UserFactory()), strategy="match")
    later = services.build_recommendation_set(result=result_for("happy"), strategy="match")
    shown_before = {i.track_id for i in first.items.all()}
    new_of_decade = [i for i in later.items.all() if i.track_id not in shown_before
                     and i.track.year and i.track.year // 10 * 10 == decade]
    assert of_decade(later) > of_decade(fresh)
    assert new_of_decade, "tracks never rated, of the liked decade"
    assert any(f"you have enjoyed music from the {decade}s" in i.why for i in new_of_decade)
