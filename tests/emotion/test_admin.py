import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from emotion import services
from emotion.models import EmotionResult
from emotion.signals import emotion_result_stored
from tests.emotion.factories import kept_submission

pytestmark = pytest.mark.django_db


def test_staff_can_inspect_submissions_in_the_admin_without_a_recording_link(client, user_factory, speech_clip, api_client):
    body = api_client.post("/api/v1/submissions/", {"audio": SimpleUploadedFile("a.wav", speech_clip)}, format="multipart").json()
    admin = user_factory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get("/admin/emotion/voicesubmission/")
    assert listing.status_code == 200 and body["id"] in listing.content.decode()
    page = client.get(f"/admin/emotion/voicesubmission/{body['id']}/change/")
    assert page.status_code == 200
    assert "/recordings/" not in page.content.decode()
    assert client.get(f"/admin/accounts/user/{admin.id}/change/").status_code == 200


def test_staff_set_the_fusion_weights_and_threshold_in_the_admin(client, user_factory):
    from emotion.models import FusionSettings
    from emotion.selectors import fusion_rules

    client.force_login(user_factory(is_staff=True, is_superuser=True))
    assert fusion_rules().face_weight == 0.6 and fusion_rules().voice_weight == 0.4  # the defaults
    added = client.post("/admin/emotion/fusionsettings/add/",
                        {"face_weight": "0.5", "voice_weight": "0.5", "min_confidence": "0.3"})  # fmt: skip
    assert added.status_code == 302
    rules = fusion_rules()
    assert (rules.face_weight, rules.voice_weight, rules.min_confidence) == (0.5, 0.5, 0.3)
    # One row only: no second one to add, none to delete.
    assert client.get("/admin/emotion/fusionsettings/add/").status_code == 403
    row = FusionSettings.objects.get()
    bad = client.post(f"/admin/emotion/fusionsettings/{row.pk}/change/",
                      {"face_weight": "1.5", "voice_weight": "0", "min_confidence": "0.3"})  # fmt: skip
    assert bad.status_code == 200 and "less than or equal to 1" in bad.content.decode()
    zero = client.post(f"/admin/emotion/fusionsettings/{row.pk}/change/",
                       {"face_weight": "0", "voice_weight": "0", "min_confidence": "0.3"})  # fmt: skip
    assert zero.status_code == 200 and "At least one of the two weights" in zero.content.decode()
    assert fusion_rules().face_weight == 0.5


def test_admin_rerun_replaces_the_result_in_place_and_skips_what_it_cannot_redo(
    client, user, user_factory, speech_clip, predictor, committed, emotions
):
    with committed():
        done = kept_submission(user, speech_clip)
    EmotionResult.objects.filter(submission=done).update(label="sad", model_version="old-model")
    result_pk = EmotionResult.objects.get(submission=done).pk
    picked = services.submission_create_picked(user=user, emotion="calm")

    announced = []
    handler = lambda sender, result, **kw: announced.append(result.submission_id)  # noqa: E731
    emotion_result_stored.connect(handler)
    staff = user_factory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    try:
        with committed():
            response = client.post(
                "/admin/emotion/voicesubmission/",
                {"action": "rerun_analysis", "_selected_action": [str(done.id), str(picked.id)]},
                follow=True,
            )
    finally:
        emotion_result_stored.disconnect(handler)

    page = response.content.decode()
    assert "1 submission(s) queued for analysis again." in page
    assert "1 skipped: their recording is no longer kept" in page
    result = EmotionResult.objects.get(submission=done)
    assert result.pk == result_pk and result.model_version == predictor.version
    assert result.label in predictor.labels and set(result.probabilities) == set(predictor.labels)
    assert announced == [done.id]
    done.refresh_from_db()
    assert done.status == "done" and done.audio
