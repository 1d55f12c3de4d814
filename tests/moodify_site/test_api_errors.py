"""The project's one exception handler turns domain errors (``moodify_site.errors.DomainError``)
and the audio library's errors into 4xx JSON with their sentence."""
import pytest

from ml import errors as audio
from moodify_site.api_errors import exception_handler
from moodify_site.errors import DomainError


@pytest.mark.parametrize(("error", "status"), [
    (audio.AudioDecodeError, 415), (audio.EmptyAudioError, 400), (audio.InvalidAudioError, 400),
    (audio.NoSpeechError, 400), (audio.AudioTooShortError, 400), (audio.AudioTooLongError, 400),
])  # fmt: skip
def test_audio_errors_answer_the_status_of_the_api_contract_never_their_log_line(error, status):
    response = exception_handler(error(detail="ffmpeg: invalid data found"), {})
    assert response.status_code == status
    assert response.data == {"error": error.code, "detail": error.default_message}


def test_every_apps_errors_share_one_base():
    from accounts.services import AccountError
    from catalog.errors import CatalogError
    from emotion.errors import SubmissionError

    assert all(issubclass(cls, DomainError) for cls in (AccountError, CatalogError, SubmissionError))


def test_catalog_errors_answer_400_and_404():
    from recommendations.errors import InvalidFeedbackError, NoEmotionResultError, UnknownEmotionError

    unknown = exception_handler(UnknownEmotionError("Unknown emotion 'bored'."), {})
    assert unknown.status_code == 400 and unknown.data == {"error": "unknown_emotion",
                                                            "detail": "Unknown emotion 'bored'."}
    assert exception_handler(InvalidFeedbackError("A rating must be 1 to 5."), {}).status_code == 400
    missing = exception_handler(NoEmotionResultError("Nothing detected yet."), {})
    assert missing.status_code == 404 and missing.data["error"] == "not_found"


def test_other_exceptions_stay_server_errors():
    assert exception_handler(ValueError("a bug"), {}) is None
