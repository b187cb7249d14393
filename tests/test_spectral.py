"""`music2pose.spectral` gives librosa's numbers, bit for bit, on inputs the lesson does not show (other frame rates,
noise, tones, silence, clips shorter than a window, odd lengths, float64), and computing features never imports
librosa or numba (their first-run compile is what the module exists to avoid)."""
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from music2pose import spectral
from music2pose.music import analysis_sr, baseline_features
from music2pose.poses import find_shared_data

librosa = pytest.importorskip("librosa")
REPO = Path(__file__).resolve().parents[1]
SAMPLE_SONG = REPO / "data_samples" / "music" / "song_100to140bpm_30s.flac"
HOP = 512


def _song(path, sr, seconds=None, start=0.0):
    a, native = sf.read(path, dtype="float32", always_2d=True)
    a = a.mean(axis=1)[int(start * native):]
    if seconds: a = a[:int(seconds * native)]
    return spectral.resample(a, native, sr)


def _signals(sr, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(int(4 * sr)) / sr
    tone = 0.3 * np.sin(2 * np.pi * rng.uniform(80, 2000) * t) * (1 + np.sin(2 * np.pi * rng.uniform(0.5, 4) * t))
    clicks = np.zeros(int(6 * sr))
    clicks[(np.arange(0.2, 6, 60 / rng.uniform(70, 180)) * sr).astype(int)] = 1.0
    return {
        "noise": (0.1 * rng.standard_normal(int(rng.uniform(2, 7) * sr))).astype(np.float32),
        "tone": tone.astype(np.float32),
        "clicks": np.convolve(clicks, np.hanning(64))[:len(clicks)].astype(np.float32),
        "silence": np.zeros(int(2 * sr), np.float32),
        "one frame": (0.1 * rng.standard_normal(rng.integers(1, HOP))).astype(np.float32),
        "under a window": (0.1 * rng.standard_normal(rng.integers(HOP, 2048))).astype(np.float32),
        "0.3 s": (0.1 * rng.standard_normal(int(0.3 * sr))).astype(np.float32),
        "float64 noise": 0.1 * rng.standard_normal(int(3 * sr) + int(rng.integers(0, HOP))),
    }


CASES = [(fps, seed, name) for fps, seed in ((24, 1), (30, 2), (60, 3)) for name in _signals(100, 0)]


@pytest.mark.parametrize("fps,seed,name", CASES, ids=[f"{fps}fps-{name}" for fps, _, name in CASES])
def test_every_feature_is_librosas(fps, seed, name):
    sr = analysis_sr(fps)
    y = _signals(sr, seed)[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # librosa: "n_fft too large", "empty frequency set"
        mel = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr, hop_length=HOP))
        env = librosa.onset.onset_strength(S=mel, sr=sr, hop_length=HOP)
        np.testing.assert_array_equal(spectral.log_mel_spectrogram(y, sr, HOP), mel)
        np.testing.assert_array_equal(spectral.onset_strength(mel, HOP), env)
        np.testing.assert_array_equal(spectral.onset_strength(mel, HOP, np.median),
                                      librosa.onset.onset_strength(S=mel, sr=sr, hop_length=HOP, aggregate=np.median))
        np.testing.assert_array_equal(spectral.mfcc(mel), librosa.feature.mfcc(S=mel, n_mfcc=20))
        np.testing.assert_array_equal(spectral.onset_peaks(env, sr, HOP), librosa.onset.onset_detect(onset_envelope=env, sr=sr, hop_length=HOP))
        np.testing.assert_array_equal(spectral.chroma_cens(y, sr, HOP), librosa.feature.chroma_cens(y=y, sr=sr, hop_length=HOP))
        if len(env) > 1:
            np.testing.assert_array_equal(spectral.local_max(env), librosa.util.localmax(env))
        win = max(4, min(len(env), 3 * fps))
        np.testing.assert_array_equal(spectral.tempogram(env, win), librosa.feature.tempogram(onset_envelope=env, sr=sr, hop_length=HOP, win_length=win))
        assert spectral.global_tempo(env, sr, HOP) == librosa.feature.tempo(onset_envelope=env, sr=sr, hop_length=HOP)[0]


@pytest.mark.parametrize("orig_sr,target_sr", [(44100, 15360), (48000, 12288), (22050, 30720), (8000, 15360), (15360, 15360)])
def test_resampling_is_librosas(orig_sr, target_sr):
    y = (0.1 * np.random.default_rng(orig_sr).standard_normal(orig_sr // 3 + 7)).astype(np.float32)
    np.testing.assert_array_equal(spectral.resample(y, orig_sr, target_sr),
                                  librosa.resample(y, orig_sr=orig_sr, target_sr=target_sr, res_type="soxr_hq"))


def test_real_songs_are_librosas():
    music = find_shared_data("music")
    if music is None: pytest.skip("../shared/data/music is not here")
    sr = analysis_sr(30)
    for path in sorted(music.glob("*.ogg")):
        y = _song(path, sr, seconds=25, start=15)
        np.testing.assert_array_equal(spectral.chroma_cens(y, sr, HOP), librosa.feature.chroma_cens(y=y, sr=sr, hop_length=HOP))
        assert spectral.estimate_tuning(y, sr) == librosa.estimate_tuning(y=y, sr=sr, bins_per_octave=36)


def test_cqt_refuses_a_rate_too_low_for_its_top_octave():
    with pytest.raises(ValueError, match="above the Nyquist frequency"):
        spectral.cqt_magnitude(np.zeros(4000, np.float32), 4000)


def test_stft_refuses_an_unknown_window():
    with pytest.raises(ValueError, match="window must be 'hann' or 'ones'"):
        spectral.stft(np.zeros(4096, np.float32), window="hamming")


def test_features_never_import_librosa_or_numba():
    # a fresh interpreter: the generation path (pipeline) and the features of a song, then what got imported
    code = ("import sys\nimport music2pose.pipeline\nfrom music2pose.music import music_features\n"
            f"music_features({str(SAMPLE_SONG)!r}, duration=6)\n"
            "bad = [m for m in ('librosa', 'numba', 'scipy.signal') if m in sys.modules]\nassert not bad, bad\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr


def test_baseline_features_are_unchanged():
    # the 35 features as 04_music computed them with librosa (the beat tracker was numpy already)
    sr = analysis_sr(30)
    y = _song(SAMPLE_SONG, sr, seconds=10)
    ours = baseline_features(y, sr)[0]
    mel = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr, hop_length=HOP))
    env = librosa.onset.onset_strength(S=mel, sr=sr, hop_length=HOP)
    T = len(y) // HOP
    np.testing.assert_array_equal(ours[:, 0], env[:T])
    np.testing.assert_array_equal(ours[:, 1:21], librosa.feature.mfcc(S=mel, n_mfcc=20)[:, :T].T)
    np.testing.assert_array_equal(ours[:, 21:33], librosa.feature.chroma_cens(y=y, sr=sr, hop_length=HOP)[:, :T].T)
    np.testing.assert_array_equal(np.flatnonzero(ours[:, 33]), librosa.onset.onset_detect(onset_envelope=env, sr=sr, hop_length=HOP))
