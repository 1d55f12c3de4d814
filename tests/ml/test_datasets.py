import csv
from pathlib import Path

import pytest

from ml.datasets import LABEL_MAPS, discover, parse_cremad, parse_path, parse_ravdess, parse_savee, parse_tess
from tests.ml.conftest import data_dir, needs_data


def test_ravdess_codes_give_emotion_actor_and_gender() -> None:
    c = parse_ravdess("Actor_12/03-01-06-02-01-02-12.flac")
    assert (c.corpus, c.speaker, c.emotion, c.gender) == ("ravdess", "RAV12", "fearful", "female")
    assert parse_ravdess("03-01-02-01-01-01-07.wav").emotion == "calm"
    assert parse_ravdess("03-01-02-01-01-01-07.wav").gender == "male"


def test_ravdess_song_and_foreign_names_are_not_speech_clips() -> None:
    assert parse_ravdess("03-02-03-01-01-01-01.wav") is None  # song channel
    assert parse_ravdess("03-01-09-01-01-01-01.wav") is None  # no emotion 09
    assert parse_ravdess("OAF_back_angry.wav") is None


@pytest.mark.parametrize(
    ("path", "speaker", "emotion"),
    [
        ("OAF_angry/OAF_back_angry.wav", "OAF", "angry"),
        ("YAF_pleasant_surprised/YAF_back_ps.wav", "YAF", "surprised"),
        ("OAF_Fear/OAF_bar_fear.wav", "OAF", "fearful"),
        # the original corpus's mislabelled file: the folder names the speaker
        ("OAF_neutral/OA_bite_neutral.ogg", "OAF", "neutral"),
        ("YAF_disgust/YAF_week_disgust.ogg", "YAF", "disgust"),
    ],
)
def test_tess_folder_and_suffix(path: str, speaker: str, emotion: str) -> None:
    c = parse_tess(path)
    assert c is not None and (c.corpus, c.speaker, c.emotion) == ("tess", speaker, emotion)


def test_cremad_names() -> None:
    c = parse_cremad("AudioWAV/1001_DFA_ANG_XX.wav")
    assert (c.corpus, c.speaker, c.emotion) == ("cremad", "CREMA1001", "angry")
    assert parse_cremad("1091_IEO_SAD_HI.wav").emotion == "sad"
    assert parse_cremad("1001_DFA_XYZ_XX.wav") is None


@pytest.mark.parametrize(
    ("path", "speaker", "emotion"),
    [("AudioData/DC/a01.wav", "SAVEE_DC", "angry"), ("JE/sa15.wav", "SAVEE_JE", "sad"),
     ("KL/su03.wav", "SAVEE_KL", "surprised"), ("ALL/JK_n22.wav", "SAVEE_JK", "neutral")],
)  # fmt: skip
def test_savee_both_layouts(path: str, speaker: str, emotion: str) -> None:
    c = parse_savee(path)
    assert c is not None and (c.speaker, c.emotion) == (speaker, emotion)


def test_parse_path_picks_the_right_corpus() -> None:
    assert parse_path("x/03-01-05-01-01-01-01.wav").corpus == "ravdess"
    assert parse_path("x/1001_DFA_ANG_XX.wav").corpus == "cremad"
    assert parse_path("DC/d05.wav").corpus == "savee"
    assert parse_path("readme.wav") is None


def test_label_maps() -> None:
    d = LABEL_MAPS["default7"]
    assert d.labels[d.target("calm")] == "neutral"
    assert d.labels[d.target("surprised")] == "surprised"
    m = LABEL_MAPS["mood4"]
    assert {m.labels[m.target(e)] for e in ("angry", "happy", "sad", "calm")} == set(m.labels)
    c = LABEL_MAPS["cremad6"]
    assert c.target("surprised") is None and c.labels[c.target("calm")] == "neutral"


@needs_data
def test_parsers_agree_with_the_manifest() -> None:
    root = data_dir() / "speech"
    rows = {r["path"]: r for r in csv.DictReader((root / "manifest.csv").open())}
    clips = discover(data_dir())
    assert len(clips) == len(rows) == 4000
    for c in clips:
        r = rows[str(Path(c.path).relative_to(root))]
        assert (c.corpus, c.speaker, c.emotion, c.gender) == (
            r["corpus"], r["speaker"], r["emotion"], r["gender"])  # fmt: skip
    assert len({c.speaker for c in clips}) == 22
