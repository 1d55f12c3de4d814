"""Training configuration: the shipped recipe (``TrainConfig()``), retired variant H, and how a
saved ``config.json`` of any age reads back."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ml.augment import AugmentConfig
from ml.features import N_FEATURES
from ml.model import CONFIG_FORMAT, AcousticModelConfig, ModelConfig, WhisperHeadConfig, config_format
from ml.rooms import RoomAugment


# Variant H (shipped until the Whisper front end replaced it): seven acoustic Conv1D networks as
# (training overrides, architecture overrides) -- two of each kind (plain, utterance-relative
# features, speaker-adversarial) plus one with both, all trained with the shared AugmentConfig.
# `TrainConfig.acoustic_h()` rebuilds its configuration.
H_MEMBERS: tuple[tuple[dict[str, Any], dict[str, Any]], ...] = (
    ({"seed": 1234}, {}),
    ({"seed": 1235}, {}),
    ({"seed": 1234}, {"relative_features": N_FEATURES}),
    ({"seed": 1235}, {"relative_features": N_FEATURES}),
    ({"seed": 1234, "speaker_adversarial": 0.3}, {}),
    ({"seed": 1235, "speaker_adversarial": 0.3}, {}),
    ({"seed": 1234, "speaker_adversarial": 0.3}, {"relative_features": N_FEATURES}),
)


# The shipped Whisper head (variant W0 of the model card), three of them folded into one (variant
# RB2x3: the mean of three heads' logits, +1.5 points of clean RAVDESS over one head of RB2).
SHIPPED_HEAD: dict[str, Any] = {"head_units": 256, "members": 3}
SHIPPED_EPOCHS = 40
SHIPPED_ROOM_COPIES = 2
# Besides them, two copies of each clip with six voices of its own training fold 10 dB below it
# (variants RB and RB2 of the model card: +4.5 and +5.1 points in babble at 10 dB for one head).
SHIPPED_BABBLE_COPIES = 2
# And one copy played back 20-45 dB quieter as 16-bit, and two in a synthetic room only (variant
# RB2QR2x3: -30 dB from -2.9 to -0.6 points against clean, the room from -4.3 to -3.2, babble at
# 10 dB 64.8% -> 65.5%, clean RAVDESS +1.1, for three heads).
SHIPPED_QUIET_COPIES = 1
SHIPPED_REVERB_COPIES = 2


@dataclass(frozen=True)
class TrainConfig:
    label_map: str = "default7"
    epochs: int = SHIPPED_EPOCHS
    batch_size: int = 32
    learning_rate: float = 2e-3
    warmup_epochs: int = 1
    weight_decay: float = 1e-4
    label_smoothing: float = 0.05
    class_weights: bool = True
    # Who gets an equal share of the loss: "none" (every clip alike), "corpus" or "speaker".
    # TESS is 70 % of the clips but 2 voices; balancing stops them drowning RAVDESS's 20.
    balance: str = "corpus"
    mixup: float = 0.0  # Beta(a, a) mixing of example pairs within a batch; 0 = off
    # Speaker-adversarial training: a speaker classifier on the pooled embedding behind a
    # gradient-reversal layer whose scale ramps from 0 to this value (Ganin & Lempitsky, 2015),
    # pushing the embedding to carry less about who speaks. Training only; 0 = off.
    speaker_adversarial: float = 0.0
    # Train on the augmented copies too (AugmentConfig's for the acoustic networks, RoomAugment's
    # room/device copies for the Whisper head), not only on the clips as recorded.
    use_augmented: bool = SHIPPED_ROOM_COPIES > 0
    seed: int = 1234
    augment: AugmentConfig = field(default_factory=lambda: AugmentConfig(variants=0))
    # Room and device copies of each training clip (Whisper front end): reverberation, babble of
    # the same training fold's voices, noise, band limits, codecs, gain (ml.rooms); and babble, quiet
    # and room copies.
    room: RoomAugment = field(default_factory=lambda: RoomAugment(
        variants=SHIPPED_ROOM_COPIES, babble_copies=SHIPPED_BABBLE_COPIES, quiet_copies=SHIPPED_QUIET_COPIES,
        reverb_copies=SHIPPED_REVERB_COPIES))
    # The shipped model (variant W0): a dense head over the frozen Whisper encoder's embedding.
    model: ModelConfig = field(default_factory=lambda: WhisperHeadConfig(**SHIPPED_HEAD))
    # Per-member overrides of this config's training fields (e.g. speaker_adversarial) for
    # ensemble member i; architecture overrides live in AcousticModelConfig.member_overrides.
    member_overrides: tuple[dict[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.speaker_adversarial and self.mixup:
            raise ValueError("speaker_adversarial and mixup cannot be combined: a mixed example "
                             "has two speakers")

    @classmethod
    def acoustic_h(cls, **kwargs: Any) -> TrainConfig:
        """Variant H: the seven-network acoustic ensemble shipped before the Whisper front end."""
        model = AcousticModelConfig(members=len(H_MEMBERS), member_overrides=tuple(m for _, m in H_MEMBERS))
        return cls(epochs=25, model=model, member_overrides=tuple(t for t, _ in H_MEMBERS),
                   use_augmented=True, augment=AugmentConfig(), room=RoomAugment(), **kwargs)

    def member(self, i: int) -> TrainConfig:
        """The single-network training config of ensemble member ``i`` (seed ``seed + i`` unless
        its overrides name one)."""
        over = {"seed": self.seed + i,
                **(self.member_overrides[i] if i < len(self.member_overrides) else {})}
        return replace(self, member_overrides=(), model=self.model.member(i), **over)

    def to_dict(self) -> dict[str, Any]:
        """Config format 2: the model as its family saves it (:meth:`ModelConfig.to_dict`)."""
        return {"config_format": CONFIG_FORMAT, **asdict(self), "room": self.room.to_dict(), "model": self.model.to_dict()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        """A saved training config of any format; formats 1 and 2 differ only in the model's
        dict, which :meth:`ModelConfig.from_dict` reads in both."""
        config_format(d)
        d = dict(d)
        aug_d: dict[str, Any] = dict(d.pop("augment", None) or {})  # type: ignore[call-overload]
        if "snr_db" in aug_d:
            aug_d["snr_db"] = tuple(aug_d["snr_db"])
        if aug_d:
            # Saved before channel colouring existed: those models were trained without it.
            aug_d.setdefault("channel_db", 0.0)
        aug = AugmentConfig(**aug_d)
        model = ModelConfig.from_dict(d.pop("model", None) or {})  # type: ignore[arg-type]
        # Saved before room copies existed: trained without them.
        room = RoomAugment.from_dict(d.pop("room", None) or {"variants": 0})  # type: ignore[arg-type]
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        if "member_overrides" in known:
            known["member_overrides"] = tuple(dict(o) for o in known["member_overrides"])
        return cls(**known, augment=aug, model=model, room=room)  # type: ignore[arg-type]
