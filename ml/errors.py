"""Typed audio and face-image errors with a code and a sentence; callers decide how to answer them (the web site
maps codes to HTTP statuses in ``moodify_site.api_errors``)."""

from __future__ import annotations


class InputError(Exception):
    """Base class: an input we cannot turn into a prediction, with a code and a sentence the user
    can act on."""

    code: str = "invalid_input"
    default_message: str = "We could not use this input. Please try again."

    def __init__(self, user_message: str | None = None, *, detail: str | None = None) -> None:
        self.user_message = user_message or self.default_message
        # `detail` is for logs (decoder stderr, measured values); never shown to users.
        self.detail = detail
        super().__init__(self.user_message)

    def __str__(self) -> str:
        return self.user_message

    def to_dict(self) -> dict[str, str]:
        return {"error": self.code, "detail": self.user_message}


class AudioError(InputError):
    """A recording we cannot turn into a prediction."""

    code = "invalid_audio"
    default_message = "We could not use this recording. Please record again."


class InvalidAudioError(AudioError):
    code = "invalid_audio"
    default_message = "This recording contains invalid audio samples. Please record again."


class EmptyAudioError(InvalidAudioError):
    code = "empty_file"
    default_message = "The uploaded file is empty. Please record again and upload the recording."


class AudioDecodeError(AudioError):
    code = "undecodable_audio"
    default_message = (
        "We could not read this file as audio. Please upload a WAV, FLAC, MP3, OGG/Opus, "
        "WebM or MP4/AAC recording."
    )


class NoSpeechError(AudioError):
    code = "no_speech"
    default_message = (
        "We could not hear any speech in this recording. "
        "Please record again closer to the microphone."
    )


class AudioTooShortError(AudioError):
    code = "too_short"
    default_message = "The recording has too little speech. Please speak for at least a second."


class AudioTooLongError(AudioError):
    code = "too_long"
    default_message = "The recording is too long. Please upload a shorter one."


class FaceError(InputError):
    """A camera frame or photo we cannot read a facial expression from."""

    code = "invalid_image"
    default_message = "We could not use this picture. Please try again."


class ImageDecodeError(FaceError):
    code = "undecodable_image"
    default_message = "We could not read this file as a picture. Please send a JPEG or PNG image."


class NoFaceError(FaceError):
    code = "no_face"
    default_message = (
        "We could not find a face in the picture. Please face the camera in good light, "
        "with nothing covering your face."
    )


__all__ = [
    "InputError",
    "AudioError",
    "FaceError",
    "ImageDecodeError",
    "NoFaceError",
    "AudioDecodeError",
    "AudioTooLongError",
    "AudioTooShortError",
    "EmptyAudioError",
    "InvalidAudioError",
    "NoSpeechError",
]
