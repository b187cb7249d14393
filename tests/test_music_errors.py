"""Error paths of music2pose.music (moved out of `nbs/04_music.ipynb`): arrays without their sample rate, missing audio
files, frame rates the analysis clock cannot hit, unknown tempo modes, strided slices, clips shorter than a music
token, a bad fps for the beat phase, precomputed feature files without (or with another) fps, NaN features, and bad
chunk sizes for long songs."""
import numpy as np
import pytest
import soundfile as sf

from music2pose.music import (MusicFeatures, analysis_sr, beat_phase, click_track, load_audio, load_features,
                              music_tokens, stream_music_features, track_beats)
from error_checks import raises


@pytest.fixture(scope="module")
def clicks():
    "A 120 BPM click track, 4 s at 22050 Hz."
    return click_track(bpm=120, seconds=4, sr=22050)[0]


@pytest.fixture(scope="module")
def mf30():
    "Features at 30 fps the way every check below needs them: 120 frames of 35 columns."
    return MusicFeatures.from_array(np.random.default_rng(0).standard_normal((120, 35)).astype(np.float32), fps=30)


def test_load_audio_rejects_bad_input(clicks, tmp_path):
    with raises(ValueError, "sr_in"): load_audio(clicks)
    with raises(FileNotFoundError, "nope.wav"): load_audio(tmp_path / "nope.wav")


def test_beats_and_clock_reject_bad_settings(clicks):
    with raises(ValueError, "not a whole number"): analysis_sr(29.97)
    sr30 = analysis_sr(30)
    with raises(ValueError, "tempo_mode must be one of 'varying', 'steady'"):
        track_beats(click_track(bpm=90, seconds=2, sr=sr30)[0], sr30, tempo_mode="constant")
    with raises(ValueError, "fps > 0"): beat_phase([0.5, 1.0], 10, 0)


def test_features_slices_and_tokens(mf30):
    with raises(ValueError, "step 1"): mf30[::2]
    with raises(ValueError, "shorter than one music token"): music_tokens(mf30[:7])
    with raises(ValueError, "NaN"): MusicFeatures.from_array(np.full((10, 3), np.nan), fps=30)


def test_feature_files_need_their_fps(mf30, tmp_path):
    np.save(tmp_path / "mert.npy", np.random.default_rng(0).standard_normal((300, 64)).astype(np.float32))
    with raises(ValueError, "pass fps="): load_features(tmp_path / "mert.npy")
    mf30.save(tmp_path / "clicks_feats.npz")
    with raises(ValueError, "not 60"): load_features(tmp_path / "clicks_feats.npz", fps=60)


def test_stream_music_features_rejects_bad_input(clicks, tmp_path):
    song = tmp_path / "long.flac"
    sf.write(song, clicks, 22050)
    with raises(FileNotFoundError, "no such audio file"): stream_music_features(tmp_path / "none.flac")
    with raises(ValueError, "chunk_seconds"): stream_music_features(song, chunk_seconds=0)
