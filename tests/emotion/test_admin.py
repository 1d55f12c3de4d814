import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

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
