"""Error paths of music2pose.synth (moved out of `nbs/05_synth.ipynb`): scores whose beats do not increase or whose
sections do not cover the clip, energies outside [0, 1], score JSON that is not one (named by its file), tempi and
tempo changes `make_score` cannot make, and audio files of an unknown format or with more than one channel."""
import numpy as np
import pytest

from music2pose.synth import Score, Section, make_score, write_audio
from error_checks import raises


def test_score_rejects_inconsistent_grids_and_sections():
    sc = Score(4.0, 22050, np.arange(0, 4, 0.5), [Section(0, 2, .3, "intro"), Section(2, 4, .9, "chorus")], seed=0)
    with raises(ValueError, "strictly increasing"): Score(4.0, 22050, [1, 0.5], sc.sections, 0)
    with raises(ValueError, "cover [0, seconds]"): Score(4.0, 22050, [0, 1], [Section(0, 3, .5, "a")], 0)
    with raises(ValueError, "energy must be in [0, 1]"): Section(0, 1, 1.5, "loud")
    with raises(ValueError, "x.json"): Score.from_json('{"sr": 1}', "x.json")


def test_make_score_rejects_bad_tempi():
    with raises(ValueError, "bpm must be in"): make_score(10, 20, seed=0)
    with raises(ValueError, "tempo_change time"): make_score(10, 100, seed=0, tempo_change=(12, 120))


def test_write_audio_rejects_unknown_formats_and_stereo(tmp_path):
    audio = np.zeros(22050, np.float32)
    with raises(ValueError, "unknown audio format"): write_audio(tmp_path / "demo.mp3", audio, 22050)
    with raises(ValueError, "mono"): write_audio(tmp_path / "demo.wav", np.stack([audio, audio]), 22050)
