"""Curators see why tracks rank where they do for an emotion and strategy ("preview this mood map")."""
import re

import pytest
from django.contrib.auth.models import Permission

from tests.recommendations.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/recommendations/recommendationset/preview/"


@pytest.fixture
def curator(client, catalog):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_moodmap"),
                              Permission.objects.get(codename="view_recommendationset"))
    client.force_login(user)
    return client


def rows(page: str) -> list[list[str]]:
    body = page.split('<table id="preview-table">')[1].split("</tbody>")[0].split("<tbody>")[1]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_the_preview_shows_each_rank_with_its_score_parts(curator):
    response = curator.get(URL, {"emotion": "sad", "strategy": "match", "tracks": 20})
    page = response.content.decode()
    assert response.status_code == 200
    assert "melancholic classical and blues" in page and "closeness" in page and "genre fit" in page
    table = rows(page)
    assert len(table) == 20
    scores = [float(r[14]) for r in table]
    assert scores[:5] == sorted(scores[:5], reverse=True)  # a match set is best first (before diversity bites)
    # The parts multiply out to the score: closeness x genre fit x affinity x belief + bonuses, x freshness x diversity.
    for r in table:
        closeness, fit, mood, popularity, affinity, belief, fresh, diverse = (
            float(r[6]), float(r[7].split()[0]), float(r[8]), float(r[9]), float(r[10]), float(r[11]), float(r[12]),
            float(r[13]))
        assert (closeness * fit * affinity * belief + mood + popularity) * fresh * diverse == pytest.approx(
            float(r[14]), abs=0.02)
    assert "sad" in table[0][3] and "genre_fit" in table[0][15]


def test_a_lift_preview_shows_the_journey(curator):
    page = curator.get(URL, {"emotion": "sad", "strategy": "lift", "tracks": 10}).content.decode()
    assert "Journey from valence" in page
    table = rows(page)
    assert "journey" in table[0][15] and "sad" in table[0][3] and "happy" in table[-1][3]


def test_bad_choices_get_a_sentence_not_an_error_page(curator):
    response = curator.get(URL, {"emotion": "bored", "strategy": "sideways"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is no emotion with that code." in page and "Choose match, lift or calm." in page
    assert curator.get(URL, {"emotion": "sad", "strategy": "match", "tracks": "lots"}).status_code == 400


def test_only_curators_may_preview(client, catalog):
    assert client.get(URL).status_code == 302  # signed out: to the sign-in page
    client.force_login(UserFactory(is_staff=True))  # staff without the mood map permission
    assert client.get(URL, {"emotion": "sad", "strategy": "match"}).status_code == 403


def test_the_mood_map_list_links_to_its_preview(curator):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    curator.force_login(superuser)
    page = curator.get("/admin/catalog/moodmap/").content.decode()
    assert f'href="{URL}?emotion=sad&amp;strategy=lift"' in page
    assert "Preview a mood map" in curator.get("/admin/recommendations/recommendationset/").content.decode()
