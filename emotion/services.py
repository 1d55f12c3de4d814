"""Writes on voice submissions: accept an upload, move it through its states, store its result,
and keep recordings only as long as their owner chose."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from celery import Task, current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Profile, User
from accounts.services import profile_ensure
from catalog.errors import UnknownEmotionError
from emotion import selectors
from emotion.audio_probe import AudioHeader, audio_probe
from emotion.errors import (
    AnalysisUnavailableError,
    FileTooLargeError,
    MissingAudioError,
    NoVoiceToLearnError,
)
from emotion.frames import frames_delete, frames_have_face, frames_load, frames_save, frames_sweep, frames_validate
from emotion.handoff import decoded_discard, decoded_save, decoded_sweep, decoded_take
from emotion.models import EmotionResult, VoiceExample, VoiceSubmission, recordings_storage
from emotion.realtime import publish_submission_state
from emotion.signals import emotion_result_stored
from operations.context import bind_submission
from operations.metrics import (
    ANALYSIS_SECONDS,
    ANALYSIS_STAGES,
    SUBMISSION_LATENCY,
    SUBMISSIONS_CREATED,
    SUBMISSIONS_DONE,
    SUBMISSIONS_FAILED,
)

import numpy as np

if TYPE_CHECKING:
    from ml import Prediction
    from ml.face import FacePrediction

logger = logging.getLogger(__name__)

PICKER_MODEL_VERSION = "picker"
ANALYZE_TASK = "emotion.tasks.analyze_submission"
REANALYZE_TASK = "emotion.tasks.reanalyze_submission"
MISSING_RECORDING_DETAIL = "The recording was deleted before it could be analysed. Please record again."
STUCK_DETAIL = "Analysing this recording took far longer than it should, so we stopped. Please record again."
FRAMES_GONE_DETAIL = "The camera pictures were deleted before they could be analysed. Please try again."
# A recording without usable speech is no error when the camera saw a face: the face carries the result.
VOICE_MISSING_CODES = ("no_speech", "too_short")


@dataclass(frozen=True)
class Analysis:
    """What the analysis found: the voice's prediction and, with the camera on, the face's; a
    signal that is missing says why (an ``ml.errors`` code)."""

    voice: Prediction | None
    face: FacePrediction | None = None
    voice_missing: str = ""
    face_missing: str = ""
    camera: bool = False


@dataclass(frozen=True)
class AudioCheck:
    duration_s: float
    content_type: str  # detected from the content, never the type the client declared
    # The decoded samples (16 kHz mono), handed to the analysis so it need not decode again.
    waveform: np.ndarray | None = field(default=None, repr=False, compare=False)


def _too_long_message() -> str:
    return f"The recording is too long. Please keep it under {settings.EMOTION_MAX_DURATION_S:.0f} seconds."


def audio_validate(*, data: bytes) -> AudioCheck:
    """Check ``data`` holds usable speech: its header first (container, channels, sample rate,
    length: refused before anything is decoded), then by decoding it.

    Raises the typed ``ml.errors.AudioError`` subclasses (empty, undecodable, too long, silent,
    too little speech, invalid samples) so the API can answer 4xx with their sentence.
    """
    from ml.audio import load_audio, prepare_speech
    from ml.errors import AudioTooLongError

    header = _header_check(data=data)
    max_s = settings.EMOTION_MAX_DURATION_S
    try:
        waveform, sr = load_audio(data, max_duration_s=max_s)
    except AudioTooLongError as exc:
        raise AudioTooLongError(_too_long_message(), detail=exc.detail) from exc
    duration = len(waveform) / sr
    if duration > max_s:
        raise AudioTooLongError(_too_long_message(), detail=f"{duration:.1f} s")
    prepare_speech(waveform, sr)
    return AudioCheck(duration_s=duration, content_type=header.content_type, waveform=waveform)


def _header_check(*, data: bytes) -> AudioHeader:
    from ml.errors import AudioTooLongError, InvalidAudioError

    header = audio_probe(data=data)
    if header.channels > settings.EMOTION_MAX_CHANNELS:
        raise InvalidAudioError(
            f"The recording has {header.channels} channels. Please upload a mono or stereo recording.",
            detail=f"{header.channels} channels",
        )
    if header.sample_rate > settings.EMOTION_MAX_SAMPLE_RATE:
        raise InvalidAudioError(
            f"The recording's sample rate ({header.sample_rate} Hz) is higher than we accept. Please record "
            f"at {settings.EMOTION_MAX_SAMPLE_RATE // 1000} kHz or less (phones and browsers use 44.1 or 48 kHz).",
            detail=f"sample rate {header.sample_rate}",
        )
    if header.duration_s is not None and header.duration_s > settings.EMOTION_MAX_DURATION_S:
        raise AudioTooLongError(_too_long_message(), detail=f"{header.duration_s:.1f} s in the header")
    return header


def audio_validate_warm_up() -> None:
    """Run the upload check once on a generated second of sound (a web process calls it at start):
    decoders, resampler and the voice activity model are loaded before the first upload."""
    import io

    import numpy as np
    import soundfile as sf

    from ml.errors import NoSpeechError

    t = np.arange(16000) / 16000
    buffer = io.BytesIO()
    sf.write(buffer, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 16000, format="WAV")
    try:
        audio_validate(data=buffer.getvalue())  # a WAV: read by libsndfile, no ffprobe
    except NoSpeechError:
        pass  # a tone is not a voice: refused, as it should be, after everything has loaded


def _retention_deadline(*, profile: Profile, created_at: datetime) -> datetime | None:
    if profile.recording_retention == Profile.Retention.DAYS_30:
        return created_at + timedelta(days=settings.EMOTION_RETENTION_DAYS)
    return None


def submission_create(
    *, user: User, audio: UploadedFile | None, source: str = VoiceSubmission.Source.UPLOAD,
    frames: list[UploadedFile] | None = None,
) -> VoiceSubmission:
    """Validate a recording by its content (and any camera frames), store it privately and queue
    its analysis. Without a recording, frames with a face make a face-only submission.

    With frames in which a face is found, a recording without speech is accepted: the face then
    carries the result. Raises ``AnalysisUnavailableError`` when the queue cannot be reached; the
    submission is then stored as failed and its recording kept or deleted per its owner's
    retention choice.
    """
    from ml.errors import NoFaceError

    frame_data = frames_validate(files=frames or [])
    if audio is None and not frame_data:
        raise MissingAudioError()
    if audio is None:
        if not frames_have_face(frames=frame_data):
            raise NoFaceError()
        data, check, source = b"", AudioCheck(duration_s=0.0, content_type=""), VoiceSubmission.Source.FACE
    else:
        data = _audio_bytes(audio)
        check = _audio_or_face_check(data=data, frames=frame_data)

    profile = profile_ensure(user=user)
    now = timezone.now()
    submission = VoiceSubmission(
        user=user,
        source=source,
        original_filename=(audio.name or "")[:255] if audio is not None else "",
        content_type=check.content_type,
        size_bytes=len(data),
        duration_s=round(check.duration_s, 3) if audio is not None else None,
        delete_audio_after=_retention_deadline(profile=profile, created_at=now) if audio is not None else None,
        face_frames=len(frame_data),
    )
    try:
        with transaction.atomic():
            if data:
                submission.audio.save("recording", ContentFile(data), save=False)
            submission.save()
            bind_submission(submission.id)
            if frame_data:
                frames_save(submission_id=submission.id, frames=frame_data)
            if check.waveform is not None and settings.EMOTION_HAND_OVER_DECODED:
                decoded_save(submission_id=submission.id, waveform=check.waveform)
            transaction.on_commit(lambda: _enqueue_analysis(submission.id))
    except AnalysisUnavailableError:
        raise
    except Exception:
        # The row is not there (or rolled back): a file written for it would be kept forever.
        if submission.audio:
            submission.audio.storage.delete(submission.audio.name)
        decoded_discard(submission_id=submission.id)
        frames_delete(submission_id=submission.id)
        raise
    SUBMISSIONS_CREATED.labels(source=source).inc()
    logger.info("submission accepted: %s, %.1f s, %d bytes, %d camera frame(s)", check.content_type or "no audio",
                check.duration_s, len(data), len(frame_data), extra={"submission_id": str(submission.id)})
    return submission


def _audio_bytes(audio: UploadedFile) -> bytes:
    from ml.errors import EmptyAudioError

    # Uploads over the cap are stopped while they stream (moodify_site.uploads); this is for callers
    # that hand a file over directly.
    if audio.size is not None and audio.size > settings.EMOTION_MAX_UPLOAD_BYTES:
        raise FileTooLargeError()
    data = audio.read()
    if not data:
        raise EmptyAudioError()
    return data


def _audio_or_face_check(*, data: bytes, frames: list[bytes]) -> AudioCheck:
    """The recording's check; one without enough speech passes when a frame shows a face."""
    from ml.errors import AudioError

    try:
        return audio_validate(data=data)
    except AudioError as exc:
        if exc.code not in VOICE_MISSING_CODES or not frames or not frames_have_face(frames=frames):
            raise
        header = audio_probe(data=data)
        return AudioCheck(duration_s=header.duration_s or 0.0, content_type=header.content_type)


def _enqueue_analysis(submission_id: UUID, *, replace_result: bool = False, fail_if_unavailable: bool = True) -> None:
    """Queue the analysis (or, for a done submission, its re-analysis); if the broker cannot be
    reached, raise ``AnalysisUnavailableError``, after failing a first analysis with its sentence
    so the submission is not left `queued` forever (a re-analysis leaves the result in place;
    ``fail_if_unavailable`` False: the reaper's retry leaves the submission queued)."""
    try:
        _task(REANALYZE_TASK if replace_result else ANALYZE_TASK).delay(str(submission_id))
    except Exception as exc:
        logger.exception("submission %s: could not be queued", submission_id)
        error = AnalysisUnavailableError()
        if not replace_result and fail_if_unavailable:
            submission_fail(submission_id=submission_id, code=error.code, detail=error.user_message)
        raise error from exc


def _task(name: str) -> Task:
    # Looked up by name: emotion.tasks imports this module, never the other way round.
    return current_app.tasks[name]


@transaction.atomic
def submission_create_picked(*, user: User, emotion: str) -> VoiceSubmission:
    """A submission for a mood the person picked instead of recording; it is done at once."""
    from catalog.models import Emotion

    if not Emotion.objects.filter(code=emotion).exists():
        raise UnknownEmotionError()
    now = timezone.now()
    submission = VoiceSubmission.objects.create(
        user=user,
        source=VoiceSubmission.Source.PICKER,
        status=VoiceSubmission.Status.DONE,
        started_at=now,
        finished_at=now,
    )
    result = EmotionResult.objects.create(
        submission=submission,
        label=emotion,
        probabilities={emotion: 1.0},
        confidence=1.0,
        model_version=PICKER_MODEL_VERSION,
    )
    transaction.on_commit(lambda: emotion_result_stored.send(sender=EmotionResult, result=result))
    SUBMISSIONS_CREATED.labels(source=VoiceSubmission.Source.PICKER).inc()
    return submission


def _too_many_attempts_message() -> str:
    return (
        f"We tried to analyse this recording {settings.EMOTION_MAX_ATTEMPTS} times and our analyser stopped "
        "each time. Please record again, or upload the clip as a WAV file."
    )


def submission_start_processing(*, submission_id: UUID | str) -> VoiceSubmission | None:
    """Mark the submission `processing`; None when it is gone, already finished (redelivery), or
    out of attempts (a recording that keeps killing the worker: then it is `failed`)."""
    with transaction.atomic():
        submission = VoiceSubmission.objects.select_for_update().filter(id=submission_id).first()
        if submission is None or submission.is_finished:
            return None
        if submission.attempts >= settings.EMOTION_MAX_ATTEMPTS:
            logger.error("submission %s: giving up after %d attempts", submission_id, submission.attempts)
            _mark_failed(submission, code="too_many_attempts", detail=_too_many_attempts_message())
            return None
        submission.status = VoiceSubmission.Status.PROCESSING
        submission.started_at = timezone.now()
        submission.attempts += 1
        submission.save(update_fields=["status", "started_at", "attempts"])
        transaction.on_commit(lambda: publish_submission_state(submission))
    return submission


def submission_analyze(*, submission_id: UUID | str) -> str:
    """Run the models on a queued submission's recording (and camera frames) and store the result
    (safe to run twice).

    Returns "done", "failed" (the recording cannot be used: the submission says why) or "skipped"
    (gone, finished already, or out of attempts). Anything else (the database or Redis away, a
    bug, a time limit) propagates for the task to retry or report.
    """
    from ml.errors import AudioError

    submission = submission_start_processing(submission_id=submission_id)
    if submission is None:
        return "skipped"
    if not submission.audio and not submission.face_frames:
        submission_fail(submission_id=submission_id, code="audio_missing", detail=MISSING_RECORDING_DETAIL)
        return "failed"
    face, face_missing = _face_signal(submission)
    voice, voice_missing = None, ""
    if submission.audio:
        try:
            voice = _predict(submission)
        except AudioError as exc:
            if face is None or exc.code not in VOICE_MISSING_CODES:
                logger.info("submission %s rejected: %s (%s)", submission_id, exc.code, exc.detail)
                submission_fail(submission_id=submission_id, code=exc.code, detail=exc.user_message)
                return "failed"
            voice_missing = exc.code
    else:
        voice_missing = "no_recording"
    if voice is None and face is None:
        submission_fail(submission_id=submission_id, code=face_missing, detail=_face_missing_detail(face_missing))
        return "failed"
    analysis = Analysis(voice=voice, face=face, voice_missing=voice_missing, face_missing=face_missing,
                        camera=submission.face_frames > 0)  # fmt: skip
    submission_store_result(submission_id=submission_id, prediction=voice, analysis=analysis)
    return "done"


def _face_missing_detail(code: str) -> str:
    from ml.errors import NoFaceError

    return FRAMES_GONE_DETAIL if code == "frames_gone" else NoFaceError.default_message


def _face_signal(submission: VoiceSubmission) -> tuple[FacePrediction | None, str]:
    """The face's prediction from the submission's frames, or why there is none. The frames are
    deleted here, analysed or not."""
    from ml.errors import FaceError
    from ml.face import get_face_predictor

    if not submission.face_frames:
        return None, ""
    try:
        frames = frames_load(submission_id=submission.id)
        if not frames:  # an earlier attempt analysed and deleted them, then stopped
            return None, "frames_gone"
        return get_face_predictor().predict(frames), ""
    except FaceError as exc:
        logger.info("submission %s: no face signal (%s)", submission.id, exc.code)
        return None, exc.code
    finally:
        frames_delete(submission_id=submission.id)


def result_reanalyze(*, submission_id: UUID | str) -> str:
    """Run the current model on a done submission's kept recording and replace its result.

    Returns "done", "skipped" (no recording left) or "rejected" (the model refuses the recording:
    the stored result stays, and the worker log says why).
    """
    from ml.errors import AudioError

    submission = VoiceSubmission.objects.filter(id=submission_id).first()
    if submission is None or not submission.audio:
        return "skipped"
    try:
        prediction = _predict(submission)
    except AudioError as exc:
        logger.warning("re-analysis of %s rejected: %s (%s)", submission_id, exc.code, exc.detail)
        return "rejected"
    submission_replace_result(submission_id=submission_id, prediction=prediction)
    return "done"


def _predict(submission: VoiceSubmission) -> Prediction:
    """The model's answer for the recording, through the owner's personal adapter: from the samples
    the upload request decoded when they are there (emotion.handoff), else by decoding the stored
    file (a retry, a re-analysis)."""
    from ml import get_predictor
    from ml.audio import SAMPLE_RATE

    predictor = get_predictor()
    adapter = selectors.voice_adapter_for(user=submission.user, predictor=predictor)
    samples = decoded_take(submission_id=submission.id)
    if samples is not None:
        return predictor.predict(samples, SAMPLE_RATE, adapter=adapter)
    return predictor.predict_file(submission.audio.path, adapter=adapter)


def _voice_fields(prediction: Prediction) -> dict[str, Any]:
    """EmotionResult fields from an ``ml.Prediction``."""
    return {
        "label": prediction.label,
        "probabilities": {k: float(v) for k, v in prediction.probabilities.items()},
        "confidence": float(prediction.confidence),
        "model_version": str(prediction.model_version)[:64],
        "adapter_version": str(prediction.adapter_version)[:40],
        "embedding": (None if prediction.embedding is None
                      else np.asarray(prediction.embedding, "<f4").tobytes()),  # fmt: skip
        "speech_duration_s": prediction.speech_duration_s,
        "timings_ms": {k: round(float(v), 2) for k, v in (prediction.timings_ms or {}).items()},
        "timeline": [
            {"start_s": float(seg.start_s), "end_s": float(seg.end_s), "label": seg.label,
             "probabilities": {k: round(float(v), 4) for k, v in seg.probabilities.items()}}
            for seg in prediction.timeline
        ],  # fmt: skip
    }


def _result_fields(analysis: Analysis, *, stored_face: dict | None = None) -> dict[str, Any]:
    """EmotionResult fields: the voice's alone with the camera off; with it on, the fused result
    and each signal's own (``stored_face``: a face result kept from an earlier analysis)."""
    from emotion.fusion import Signal, fuse
    from emotion.selectors import fusion_rules

    voice = analysis.voice
    fields = _voice_fields(voice) if voice is not None else {"speech_duration_s": None, "timings_ms": {},
                                                              "timeline": []}  # fmt: skip
    if not analysis.camera and stored_face is None:
        return {**fields, "voice": None, "face": None, "fusion": None}
    if stored_face is not None:
        face_json = stored_face
    elif analysis.face is not None:
        f = analysis.face
        face_json = {"label": f.label, "probabilities": {k: float(v) for k, v in f.probabilities.items()},
                     "confidence": float(f.confidence), "model_version": f.model_version[:64],
                     "frames_used": f.frames_used, "frames_total": f.frames_total,
                     "timings_ms": {k: round(float(v), 2) for k, v in f.timings_ms.items()}}  # fmt: skip
    else:
        face_json = {"missing": analysis.face_missing or "no_face"}
    voice_json = ({"label": voice.label, "probabilities": fields["probabilities"], "confidence": fields["confidence"],
                   "model_version": fields["model_version"]} if voice is not None
                  else {"missing": analysis.voice_missing or "no_speech"})  # fmt: skip
    rules = fusion_rules()
    as_signal = {k: Signal(probabilities=v["probabilities"], confidence=v["confidence"], label=v["label"])
                 for k, v in (("voice", voice_json), ("face", face_json)) if "missing" not in v}  # fmt: skip
    fused = fuse(voice=as_signal.get("voice"), face=as_signal.get("face"), rules=rules)
    versions = [v["model_version"] for v in (voice_json, face_json) if "model_version" in v]
    return {
        **fields,
        "label": fused.label,
        "probabilities": {k: round(v, 6) for k, v in fused.probabilities.items()},
        "confidence": round(fused.confidence, 6),
        "model_version": "+".join(versions)[:64],
        "voice": voice_json,
        "face": face_json,
        "fusion": {"weights": {k: round(v, 4) for k, v in fused.weights.items()}, "rule": fused.rule,
                   "settings": {"face_weight": rules.face_weight, "voice_weight": rules.voice_weight,
                                "min_confidence": rules.min_confidence}},
    }  # fmt: skip


def submission_store_result(*, submission_id: UUID | str, prediction: Prediction | None,
                            analysis: Analysis | None = None) -> EmotionResult | None:
    """Store the model's prediction (or, with the camera on, the ``analysis`` of voice and face)
    and finish the submission (idempotent).

    With retention "none" the recording is deleted as soon as the result is safely committed. A
    redelivered task (with neither a prediction nor an analysis) finds the stored result and returns it.
    """
    analysis = analysis or (Analysis(voice=prediction) if prediction is not None else None)
    with transaction.atomic():
        submission = VoiceSubmission.objects.select_for_update().filter(id=submission_id).first()
        if submission is None:
            return None
        existing = EmotionResult.objects.filter(submission=submission).first()
        if existing is not None or analysis is None:
            return existing
        result = EmotionResult.objects.create(submission=submission, **_result_fields(analysis))
        submission.status = VoiceSubmission.Status.DONE
        submission.finished_at = timezone.now()
        submission.failure_code = ""
        submission.failure_detail = ""
        fields = ["status", "finished_at", "failure_code", "failure_detail"]
        if profile_ensure(user=submission.user).recording_retention == Profile.Retention.NONE:
            fields += _forget_recording(submission)
        submission.save(update_fields=fields)
        submission.result = result
        transaction.on_commit(lambda: publish_submission_state(submission))
        transaction.on_commit(lambda: emotion_result_stored.send(sender=EmotionResult, result=result))
    _count_done(submission, result)
    return result


def _count_done(submission: VoiceSubmission, result: EmotionResult) -> None:
    SUBMISSIONS_DONE.inc()
    for stage in ANALYSIS_STAGES:
        if stage in result.timings_ms:
            ANALYSIS_SECONDS.labels(stage=stage).observe(result.timings_ms[stage] / 1000)
    SUBMISSION_LATENCY.observe((submission.finished_at - submission.created_at).total_seconds())
    logger.info("submission done: %s (%.2f), model %s", result.label, result.confidence, result.model_version,
                extra={"submission_id": str(submission.id)})


def submission_fail(*, submission_id: UUID | str, code: str, detail: str) -> VoiceSubmission | None:
    """Finish the submission as `failed` with a code and a sentence the user can act on."""
    with transaction.atomic():
        submission = VoiceSubmission.objects.select_for_update().filter(id=submission_id).first()
        if submission is None or submission.is_finished:
            return submission
        _mark_failed(submission, code=code, detail=detail)
    return submission


def _mark_failed(submission: VoiceSubmission, *, code: str, detail: str) -> None:
    """Inside the caller's transaction, with the row locked: `failed`, then published on commit."""
    submission.status = VoiceSubmission.Status.FAILED
    submission.finished_at = timezone.now()
    submission.failure_code = code[:40]
    submission.failure_detail = detail
    fields = ["status", "finished_at", "failure_code", "failure_detail"]
    transaction.on_commit(lambda: decoded_discard(submission_id=submission.id))
    transaction.on_commit(lambda: frames_delete(submission_id=submission.id))
    if profile_ensure(user=submission.user).recording_retention == Profile.Retention.NONE:
        fields += _forget_recording(submission)
    submission.save(update_fields=fields)
    transaction.on_commit(lambda: SUBMISSIONS_FAILED.labels(reason=submission.failure_code).inc())
    transaction.on_commit(lambda: publish_submission_state(submission))
    logger.info("submission failed: %s", submission.failure_code, extra={"submission_id": str(submission.id)})


def _forget_recording(submission: VoiceSubmission) -> list[str]:
    """Detach the recording inside the current transaction; the file goes once it commits.

    Returns the fields to save. Deleting in the same transaction as the status change means every
    published state already says `has_audio: false`.
    """
    if not submission.audio:
        return []
    name, storage = submission.audio.name, submission.audio.storage
    submission.audio = ""
    submission.audio_deleted_at = timezone.now()
    transaction.on_commit(lambda: storage.delete(name))
    return ["audio", "audio_deleted_at"]


def recording_delete(*, submission_id: UUID | str, publish: bool = True) -> bool:
    """Delete the recording file (the submission and its result stay). True if a file was removed."""
    with transaction.atomic():
        submission = VoiceSubmission.objects.select_for_update().filter(id=submission_id).first()
        if submission is None or not submission.audio:
            return False
        submission.save(update_fields=_forget_recording(submission))
        if publish:
            transaction.on_commit(lambda: publish_submission_state(submission))
    return True


def submission_delete(*, submission: VoiceSubmission) -> None:
    """Delete a submission, its result and (through ``recording_delete_with_submission``) its recording."""
    with transaction.atomic():
        submission.delete()


def recording_delete_with_submission(sender: Any, instance: VoiceSubmission, **kwargs: Any) -> None:
    """post_delete receiver: however a submission goes (the API, the admin, a deleted user's
    cascade), its recording goes once the deletion commits."""
    if instance.audio:
        name, storage = instance.audio.name, instance.audio.storage
        transaction.on_commit(lambda: storage.delete(name))
    # Bound now: Django clears the instance's pk once the delete is done, before these run.
    submission_id = instance.id
    transaction.on_commit(lambda: decoded_discard(submission_id=submission_id))
    transaction.on_commit(lambda: frames_delete(submission_id=submission_id))


def submission_delete_all_for_user(*, user: User) -> int:
    count = 0
    for submission in VoiceSubmission.objects.filter(user=user):
        submission_delete(submission=submission)
        count += 1
    return count


def recordings_purge_expired(*, now: datetime | None = None) -> int:
    """Delete recordings past their retention deadline (run hourly by Celery beat)."""
    now = now or timezone.now()
    expired = VoiceSubmission.objects.filter(delete_audio_after__lte=now).exclude(audio="")
    count = 0
    for submission_id in expired.values_list("id", flat=True):
        count += recording_delete(submission_id=submission_id, publish=False)
    return count


def submissions_fail_stuck(*, now: datetime | None = None) -> int:
    """Fail submissions left `queued` or `processing` for longer than EMOTION_STUCK_AFTER_S (a lost
    task, a worker that never came back) with a sentence; their recordings follow the retention
    choice like any failure's (run by Celery beat). Returns how many were failed."""
    count = 0
    for submission_id in selectors.submissions_stuck(now=now).values_list("id", flat=True):
        failed = submission_fail(submission_id=submission_id, code="stuck", detail=STUCK_DETAIL)
        count += failed is not None and failed.failure_code == "stuck"
    return count


def submissions_requeue_lost(*, now: datetime | None = None) -> int:
    """Send the analysis task again for submissions queued so long that their task may be lost
    (run by Celery beat with the reaper). A duplicate of a task that was only slow finds the
    submission finished, or waits for the first to release it, and changes nothing. Returns how
    many were sent again."""
    count = 0
    for submission_id in selectors.submissions_lost(now=now).values_list("id", flat=True):
        logger.warning("submission %s: still queued after %d s, its analysis is queued again",
                       submission_id, settings.EMOTION_REQUEUE_AFTER_S)  # fmt: skip
        try:
            _enqueue_analysis(submission_id, fail_if_unavailable=False)
        except AnalysisUnavailableError:
            break  # the broker is away: the next run tries again
        count += 1
    return count


def recordings_delete_orphans(*, now: datetime | None = None) -> int:
    """Delete recording files no submission points to (a process that died between writing a file
    and committing its row, a delete that failed), and decoded samples no analysis took (a worker
    that died), once older than EMOTION_STUCK_AFTER_S."""
    storage = recordings_storage()
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.EMOTION_STUCK_AFTER_S)
    count = decoded_sweep(older_than=cutoff) + frames_sweep(older_than=cutoff)
    if not storage.exists("recordings"):
        return count
    for folder in storage.listdir("recordings")[0]:
        names = {f"recordings/{folder}/{name}" for name in storage.listdir(f"recordings/{folder}")[1]}
        names -= set(VoiceSubmission.objects.filter(audio__in=names).values_list("audio", flat=True))
        for name in names:
            if storage.get_modified_time(name) < cutoff:
                storage.delete(name)
                count += 1
    return count


def retention_apply_to_existing(*, user: User) -> None:
    """Apply a changed retention choice to the recordings already stored."""
    profile = profile_ensure(user=user)
    stored = VoiceSubmission.objects.filter(user=user).exclude(audio="")
    if profile.recording_retention == Profile.Retention.NONE:
        for submission_id in stored.exclude(status=VoiceSubmission.Status.QUEUED).exclude(
            status=VoiceSubmission.Status.PROCESSING
        ).values_list("id", flat=True):
            recording_delete(submission_id=submission_id, publish=False)
    elif profile.recording_retention == Profile.Retention.DAYS_30:
        for submission in stored:
            submission.delete_audio_after = submission.created_at + timedelta(days=settings.EMOTION_RETENTION_DAYS)
            submission.save(update_fields=["delete_audio_after"])
    else:
        stored.update(delete_audio_after=None)


def submission_reanalyze(*, submission_id: UUID | str) -> str:
    """Analyse a kept recording again (staff, after a model update or a failure on our side).

    Returns "queued", "no_recording" (nothing left to analyse) or "busy" (already in the queue);
    raises ``AnalysisUnavailableError`` when the queue cannot be reached.
    A failed submission goes through the normal pipeline again; a done one keeps its status while
    the task replaces the result in place, so the music and ratings built on it stay in history.
    """
    with transaction.atomic():
        submission = VoiceSubmission.objects.select_for_update().filter(id=submission_id).first()
        if submission is None or not submission.audio:
            return "no_recording"
        if not submission.is_finished:
            return "busy"
        if submission.status == VoiceSubmission.Status.FAILED:
            submission.status = VoiceSubmission.Status.QUEUED
            # Until a worker starts it, started_at says when it was queued again (for the reaper).
            submission.started_at, submission.finished_at = timezone.now(), None
            submission.failure_code = submission.failure_detail = ""
            submission.attempts = 0  # staff ask again, usually after a fix: the cap starts over
            submission.save(update_fields=[
                "status", "started_at", "finished_at", "failure_code", "failure_detail", "attempts"])
            transaction.on_commit(lambda: publish_submission_state(submission))
            transaction.on_commit(lambda: _enqueue_analysis(submission.id))
        else:
            transaction.on_commit(lambda: _enqueue_analysis(submission.id, replace_result=True))
    return "queued"


def submission_replace_result(*, submission_id: UUID | str, prediction: Prediction) -> EmotionResult | None:
    """Overwrite a done submission's result with a new prediction and announce it like a new one."""
    with transaction.atomic():
        result = (EmotionResult.objects.select_for_update(of=("self",)).select_related("submission")
                  .filter(submission_id=submission_id).first())
        if result is None:
            return None
        # The frames are long gone: a kept face result is fused again with the new voice result.
        stored_face = result.face if result.fusion is not None else None
        for name, value in _result_fields(Analysis(voice=prediction), stored_face=stored_face).items():
            setattr(result, name, value)
        result.save()
        transaction.on_commit(lambda: publish_submission_state(result.submission))
        transaction.on_commit(lambda: emotion_result_stored.send(sender=EmotionResult, result=result))
    return result


def voice_example_record(*, user: User, submission: VoiceSubmission, emotion: str,
                         source: str) -> VoiceExample | None:
    """Keep a result's recording as a labelled example of the user's voice: the emotion they
    confirmed or corrected it to, and the pooled encoder output the analysis kept (no audio).

    One example per submission: a later answer replaces an earlier one. Returns None for an
    emotion the model has no class for (the correction still counts for the music). Raises
    ``NoVoiceToLearnError`` (with a sentence) when the submission has nothing to learn from.
    """
    from ml.personal import model_label

    result = EmotionResult.objects.filter(submission=submission, submission__user=user).first()
    if result is None:
        raise NoVoiceToLearnError("There is no analysed recording here yet, so there is nothing to learn from.")
    if not result.embedding:
        raise NoVoiceToLearnError(
            "This result has no analysed recording to learn from (a mood you picked yourself, or a result "
            "from before Moodify learned voices). Record yourself to teach Moodify your voice.")
    label = model_label(emotion)
    if label is None:
        return None
    with transaction.atomic():
        example, _ = VoiceExample.objects.update_or_create(
            submission=submission, user=user,
            defaults={"label": label, "source": source, "embedding": bytes(result.embedding),
                      "model_version": result.model_version})  # fmt: skip
    return example


def voice_example_confirm(*, user: User, submission: VoiceSubmission) -> VoiceExample:
    """ "Yes, that's right": the detected emotion becomes a labelled example of the user's voice."""
    result = EmotionResult.objects.filter(submission=submission, submission__user=user).first()
    if result is None:
        raise NoVoiceToLearnError("There is no detected emotion to confirm yet.")
    example = voice_example_record(user=user, submission=submission, emotion=result.label,
                                   source=VoiceExample.Source.CONFIRMATION)  # fmt: skip
    assert example is not None  # the model's own label always has a class
    return example


def voice_examples_reset(*, user: User) -> int:
    """Forget everything Moodify learned about the user's voice; returns how many examples went."""
    with transaction.atomic():
        deleted, _ = VoiceExample.objects.filter(user=user).delete()
    return deleted
