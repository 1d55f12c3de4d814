"""Late fusion of the voice's and the face's calibrated probabilities, per submission.

Pure functions on plain values (the rules come from ``FusionSettings``, which staff edit in the
admin). When both signals are there and clear, their probabilities are mixed with the default
weights (60% face, 40% voice); when one is missing (no face found, no speech) or unclear (its
own confidence under the threshold) while the other is clear, the other carries the whole result.
"""
from __future__ import annotations

from dataclasses import dataclass, field

VOICE, FACE = "voice", "face"


@dataclass(frozen=True)
class Signal:
    """One modality's calibrated result."""

    probabilities: dict[str, float]
    confidence: float
    label: str


@dataclass(frozen=True)
class FusionRules:
    face_weight: float = 0.6
    voice_weight: float = 0.4
    min_confidence: float = 0.35


@dataclass(frozen=True)
class Fused:
    label: str
    probabilities: dict[str, float]
    confidence: float
    weights: dict[str, float] = field(default_factory=dict)  # sums to 1
    # both | voice_only | face_only (the other is missing) | voice_clear | face_clear (the other is
    # unclear) | both_unclear (neither clear: the default weights)
    rule: str = "both"


def _weights(voice: Signal | None, face: Signal | None, rules: FusionRules) -> tuple[dict[str, float], str]:
    if voice is None and face is None:
        raise ValueError("fusion needs at least one signal")
    if face is None:
        return {FACE: 0.0, VOICE: 1.0}, "voice_only"
    if voice is None:
        return {FACE: 1.0, VOICE: 0.0}, "face_only"
    face_clear = face.confidence >= rules.min_confidence
    voice_clear = voice.confidence >= rules.min_confidence
    if face_clear != voice_clear:
        return ({FACE: 1.0, VOICE: 0.0}, "face_clear") if face_clear else ({FACE: 0.0, VOICE: 1.0}, "voice_clear")
    total = rules.face_weight + rules.voice_weight
    if total <= 0:
        raise ValueError("at least one fusion weight must be above 0")
    weights = {FACE: rules.face_weight / total, VOICE: rules.voice_weight / total}
    return weights, "both" if face_clear else "both_unclear"


def fuse(*, voice: Signal | None, face: Signal | None, rules: FusionRules) -> Fused:
    """The combined result. Ties between labels go to the label the heavier-weighted signal ranks
    higher (the face's by default; with equal weights, the more confident signal's)."""
    weights, rule = _weights(voice, face, rules)
    signals = {name: s for name, s in ((FACE, face), (VOICE, voice)) if s is not None and weights[name] > 0}
    labels = sorted({lab for s in signals.values() for lab in s.probabilities})
    mixed = {lab: sum(weights[n] * s.probabilities.get(lab, 0.0) for n, s in signals.items()) for lab in labels}
    total = sum(mixed.values()) or 1.0
    probabilities = {lab: p / total for lab, p in mixed.items()}
    top = max(probabilities.values())
    tied = [lab for lab, p in probabilities.items() if top - p <= 1e-9]
    if len(tied) > 1:
        lead = max(signals, key=lambda n: (weights[n], signals[n].confidence, n == FACE))
        own = signals[lead].probabilities
        label = max(tied, key=lambda lab: (own.get(lab, 0.0), -labels.index(lab)))
    else:
        label = tied[0]
    return Fused(label=label, probabilities=probabilities, confidence=probabilities[label],
                 weights=weights, rule=rule)  # fmt: skip
