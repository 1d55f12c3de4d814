"""The project's one exception handler turns any domain error (code, user_message[, http_status]) into 4xx JSON."""
from moodify_site.api_errors import exception_handler


class _AudioStyleError(Exception):
    """Shaped like ml.errors.AudioError: `detail` is a log line that must never reach the user."""

    code = "undecodable_audio"
    http_status = 415

    def __init__(self) -> None:
        super().__init__("ffmpeg: invalid data found")
        self.user_message = "We could not read this file as audio."
        self.detail = "ffmpeg: invalid data found"


def test_domain_error_with_its_own_status():
    response = exception_handler(_AudioStyleError(), {})
    assert response.status_code == 415
    assert response.data == {"error": "undecodable_audio", "detail": "We could not read this file as audio."}


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
