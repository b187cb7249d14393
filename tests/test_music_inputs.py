"""Bad and unusual inputs for music2pose.music: files that are not audio, arrays of the wrong shape, silence,
clips shorter than a token, the feature files of the precomputed-feature path, and the numpy beat tracker against
librosa's on any onset envelope."""
import numpy as np
import pytest
import soundfile as sf
from hypothesis import assume, given, settings, strategies as st

from music2pose.music import (BASELINE_NAMES, MusicFeatures, beat_frames, click_track, feature_stats, load_audio, load_features,
                              music_features, music_tokens, normalize_features)

SR = 22050


@pytest.fixture
def clicks():
    audio, times = click_track(bpm=120, seconds=3, sr=SR)
    return audio


# -- files -----------------------------------------------------------------------------------------------------

def test_missing_file_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.wav"):
        load_audio(tmp_path / "nope.wav")
    with pytest.raises(FileNotFoundError, match="nope.ogg"):
        music_features(tmp_path / "nope.ogg")


def test_empty_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty.wav: the file is empty"):
        load_audio(tmp_path / "empty.wav")


def test_folder_is_not_audio(tmp_path):
    with pytest.raises(ValueError, match="is a folder"):
        load_audio(tmp_path)


@pytest.mark.parametrize("name, content", [
    ("notes.mp3", b"these are my notes, not music\n" * 20),
    ("random.wav", np.random.default_rng(0).bytes(5000)),
    ("song.flac", b"fLaC" + b"\x00" * 100),
])
def test_non_audio_and_corrupt_files(tmp_path, name, content):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ValueError, match=rf"{name}: not a readable audio file"):
        load_audio(tmp_path / name)


def test_truncated_wav_reads_what_is_there_or_fails_clearly(tmp_path, clicks):
    sf.write(tmp_path / "full.wav", clicks, SR, subtype="PCM_16")
    data = (tmp_path / "full.wav").read_bytes()
    (tmp_path / "header_only.wav").write_bytes(data[:30])  # cut inside the header
    with pytest.raises(ValueError, match="header_only.wav"):
        load_audio(tmp_path / "header_only.wav")
    (tmp_path / "half.wav").write_bytes(data[: len(data) // 2])  # a download that stopped half way
    y, sr = load_audio(tmp_path / "half.wav")
    assert 0 < len(y) <= len(clicks) // 2 + 1


def test_wav_with_no_samples(tmp_path):
    sf.write(tmp_path / "zero.wav", np.zeros((0, 1)), SR)
    with pytest.raises(ValueError, match="zero.wav: contains no samples"):
        load_audio(tmp_path / "zero.wav")


def test_float_wav_with_nan(tmp_path, clicks):
    bad = clicks.copy(); bad[100] = np.nan
    sf.write(tmp_path / "nan.wav", bad, SR, subtype="FLOAT")
    with pytest.raises(ValueError, match="nan.wav: 1 samples are NaN"):
        load_audio(tmp_path / "nan.wav")


def test_offset_past_the_end(tmp_path, clicks):
    sf.write(tmp_path / "c.flac", clicks, SR)
    with pytest.raises(ValueError, match="past the end"):
        load_audio(tmp_path / "c.flac", offset=10)
    with pytest.raises(ValueError, match="past the end"):
        load_audio(clicks, sr_in=SR, offset=10)
    with pytest.raises(ValueError, match="offset must be >= 0"):
        load_audio(clicks, sr_in=SR, offset=-1)


@pytest.mark.parametrize("ext", ["wav", "flac", "ogg", "mp3"])
@pytest.mark.parametrize("native", [8000, 44100, 48000])
def test_formats_and_rates_give_the_same_duration(tmp_path, ext, native):
    if ext == "mp3" and native == 8000: native = 16000  # mp3 has no 8 kHz in MPEG-1 layer III
    t = np.arange(2 * native) / native
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 660 * t)], 1) * 0.3
    sf.write(tmp_path / f"tone.{ext}", stereo, native)
    y, sr = load_audio(tmp_path / f"tone.{ext}")
    assert sr == SR and y.ndim == 1 and y.dtype == np.float32
    assert abs(len(y) / sr - 2.0) < 0.06


# -- arrays ----------------------------------------------------------------------------------------------------

def test_array_needs_its_rate(clicks):
    with pytest.raises(ValueError, match="sr_in"):
        load_audio(clicks)


@pytest.mark.parametrize("bad, message", [
    (np.zeros((2, 3, 100)), "1-D"),
    (np.zeros(()), "1-D"),
    (np.zeros((4, 4)), "at most 8 channels"),
    (np.zeros((100, 20)), "at most 8 channels"),
])
def test_wrong_array_dims(bad, message):
    with pytest.raises(ValueError, match=message):
        load_audio(bad, sr_in=SR)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_arrays(clicks, value):
    bad = clicks.copy(); bad[10:13] = value
    with pytest.raises(ValueError, match="audio array: 3 samples are NaN or infinite"):
        load_audio(bad, sr_in=SR)
    with pytest.raises(ValueError, match="NaN or infinite"):
        music_features(bad, sr_in=SR)


def test_non_numeric_arrays():
    with pytest.raises(TypeError, match="float or integer PCM"):
        load_audio(np.array(["a", "b"]), sr_in=SR)
    with pytest.raises(TypeError, match="float or integer PCM"):
        load_audio(np.ones(100, dtype=bool), sr_in=SR)


def test_integer_pcm_is_scaled():
    pcm = np.array([-32768, 0, 16384, 32767], dtype=np.int16)
    y, _ = load_audio(pcm, sr_in=SR, sr=None)
    np.testing.assert_allclose(y, [-1.0, 0.0, 0.5, 32767 / 32768], atol=1e-6)
    u8 = np.array([0, 128, 255], dtype=np.uint8)
    np.testing.assert_allclose(load_audio(u8, sr_in=SR, sr=None)[0], [-1.0, 0.0, 127 / 128], atol=1e-6)


def test_empty_array():
    with pytest.raises(ValueError, match="no samples"):
        load_audio(np.zeros(0), sr_in=SR)


def test_bad_rates(clicks):
    with pytest.raises(ValueError, match="sample rate must be > 0"):
        load_audio(clicks, sr_in=0)
    with pytest.raises(ValueError, match="sr must be a positive whole number"):
        load_audio(clicks, sr_in=SR, sr=-5)
    with pytest.raises(ValueError, match="fps must be a positive number"):
        music_features(clicks, sr_in=SR, fps=0)
    with pytest.raises(ValueError, match="not a whole number"):
        music_features(clicks, sr_in=SR, fps=29.97)


# -- what the features do with odd audio -----------------------------------------------------------------------

def test_silence_is_allowed_and_documented():
    mf = music_features(np.zeros(3 * SR, np.float32), fps=30, sr_in=SR)
    assert mf.features.shape == (90, 35) and np.isfinite(mf.features).all()
    assert (mf.column("onset_env") == 0).all()
    assert (mf.column("onset_peak") == 0).all() and (mf.column("beat") == 0).all()
    assert len(mf.beat_times) == 0 and mf.tempo == 0.0
    chroma = mf.features[:, [BASELINE_NAMES.index(f"chroma_{c}") for c in ("C", "A")]]
    assert (chroma == 0).all()
    assert np.ptp(mf.column("mfcc_0")) == 0  # MFCC sits on the log floor


def test_shorter_than_one_token(clicks):
    with pytest.raises(ValueError, match="shorter than one music token"):
        music_features(clicks[: int(0.2 * SR)], fps=30, sr_in=SR)  # 6 frames
    mf = music_features(clicks[: int(0.3 * SR)], fps=30, sr_in=SR)  # 9 frames: one token
    assert len(mf) == 8 or len(mf) == 9
    assert music_tokens(mf).shape == (1, 8 * 35)


def test_very_loud_and_dc_audio_is_finite(clicks):
    assert np.isfinite(music_features(clicks * 1e4, sr_in=SR).features).all()
    assert np.isfinite(music_features(np.full(SR, 0.5, np.float32), sr_in=SR).features).all()


@settings(max_examples=15, deadline=None)
@given(seconds=st.floats(0.4, 3.0), fps=st.sampled_from([24, 30, 60]))
def test_frame_count_rule(seconds, fps):
    n = int(seconds * SR)
    mf = music_features(np.random.default_rng(0).standard_normal(n).astype(np.float32) * 0.1, fps=fps, sr_in=SR)
    # resampled length is ceil(n * ratio); T = that // 512, i.e. floor(duration * fps) up to one resampled sample
    expected = int(np.ceil(n * fps * 512 / SR)) // 512
    assert len(mf) == expected and abs(len(mf) - seconds * fps) <= 1


# -- tokens and precomputed features ----------------------------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(T=st.integers(8, 300), D=st.integers(1, 40), k=st.sampled_from([1, 2, 4, 8]))
def test_tokens_are_reshaped_frames(T, D, k):
    f = np.arange(T * D, dtype=np.float32).reshape(T, D)
    tok = music_tokens(f, k)
    assert tok.shape == (T // k, k * D)
    np.testing.assert_array_equal(tok.reshape(-1, D), f[: (T // k) * k])  # nothing reordered, tail dropped


def test_tokens_reject_bad_shapes():
    with pytest.raises(ValueError, match=r"\(\.\.\., T, D\)"):
        music_tokens(np.zeros(20))


def test_music_features_constructor_checks():
    with pytest.raises(ValueError, match=r"shape \(T, D\)"):
        MusicFeatures(np.zeros(10))
    with pytest.raises(ValueError, match="2 names for 3 feature columns"):
        MusicFeatures(np.zeros((10, 3)), names=["a", "b"])
    with pytest.raises(ValueError, match="beat_times must be finite and increasing"):
        MusicFeatures(np.zeros((10, 3)), beat_times=[0.5, 0.2])
    with pytest.raises(ValueError, match="my.npy: 1 feature values are NaN/inf"):
        f = np.zeros((10, 3)); f[4, 1] = np.inf
        MusicFeatures(f, source="my.npy")
    with pytest.raises(ValueError, match="fps must be > 0"):
        MusicFeatures(np.zeros((10, 3)), fps=-1)
    with pytest.raises(TypeError, match="slices by frame range"):
        MusicFeatures(np.zeros((10, 3)))[[1, 2]]
    with pytest.raises(KeyError, match="no feature 'tempo'"):
        MusicFeatures(np.zeros((10, 3))).column("tempo")


def test_load_features_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="none.npy"):
        load_features(tmp_path / "none.npy", fps=30)
    (tmp_path / "feats.txt").write_text("1 2 3")
    with pytest.raises(ValueError, match="are .npy or .npz"):
        load_features(tmp_path / "feats.txt", fps=30)
    (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="broken.npz: cannot read features"):
        load_features(tmp_path / "broken.npz", fps=30)
    np.savez(tmp_path / "two.npz", a=np.zeros((8, 2)), b=np.zeros((8, 2)))
    with pytest.raises(ValueError, match="which one"):
        load_features(tmp_path / "two.npz", fps=30)
    np.savez(tmp_path / "one.npz", mert=np.ones((16, 4)))
    assert load_features(tmp_path / "one.npz", fps=30).features.shape == (16, 4)
    np.save(tmp_path / "flat.npy", np.zeros(16))
    with pytest.raises(ValueError, match=r"shape \(T, D\)"):
        load_features(tmp_path / "flat.npy", fps=30)


def test_feature_stats_checks():
    with pytest.raises(ValueError, match="at least one frame"):
        feature_stats([])
    with pytest.raises(ValueError, match=r"\(T, 3\)"):
        feature_stats([np.zeros((4, 3)), np.zeros((4, 2))])
    mf = MusicFeatures(np.ones((10, 3)))
    mean, std = feature_stats([mf])
    np.testing.assert_array_equal(std, 1.0)  # constant columns are centred, not divided by zero
    assert (normalize_features(mf, mean, std).features == 0).all()
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        normalize_features(mf, mean[:2], std)


# -- beat tracking with a tempo that changes (tempo_mode) -------------------------------------------------------

def test_unknown_tempo_mode_is_refused_in_one_line(clicks):
    from music2pose.music import track_beats
    for call in (lambda: music_features(clicks, sr_in=SR, tempo_mode="constant"),
                 lambda: track_beats(clicks, SR, tempo_mode="")):
        with pytest.raises(ValueError, match="tempo_mode must be one of 'varying', 'steady'") as e:
            call()
        assert "\n" not in str(e.value)


def test_local_tempo_refuses_a_bad_prior(clicks):
    from music2pose.music import local_tempo
    for bad in (0, -120, float("nan")):
        with pytest.raises(ValueError, match="start_bpm must be a positive number"):
            local_tempo(clicks, SR, start_bpm=bad)


@pytest.mark.parametrize("mode", ["varying", "steady"])
def test_silence_has_no_beats_in_either_mode(mode):
    from music2pose.music import track_beats
    mf = music_features(np.zeros(2 * SR, np.float32), fps=30, sr_in=SR, tempo_mode=mode)
    assert len(mf.beat_times) == 0 and mf.tempo == 0.0 and (mf.column("beat") == 0).all()
    beats, tempo, curve = track_beats(np.zeros(SR, np.float32), SR, tempo_mode=mode)
    assert len(beats) == 0 and tempo == 0.0 and (curve == 0).all()


@pytest.mark.parametrize("mode", ["varying", "steady"])
def test_clips_of_one_token_and_dc_audio_track_in_either_mode(clicks, mode):
    mf = music_features(clicks[: int(0.3 * SR)], fps=30, sr_in=SR, tempo_mode=mode)   # 9 frames, shorter than the tempo window
    assert mf.features.shape[1] == 35 and np.isfinite(mf.tempo) and mf.tempo >= 0
    with pytest.raises(ValueError, match="shorter than one music token"):
        music_features(clicks[: int(0.2 * SR)], fps=30, sr_in=SR, tempo_mode=mode)
    dc = music_features(np.full(SR, 0.5, np.float32), sr_in=SR, tempo_mode=mode)
    assert np.isfinite(dc.features).all() and np.isfinite(dc.tempo)
    with pytest.raises(ValueError, match="NaN or infinite"):
        bad = clicks.copy(); bad[5] = np.nan
        music_features(bad, sr_in=SR, tempo_mode=mode)


def test_tempo_curve_has_one_value_per_onset_frame_and_stays_in_range(clicks):
    from music2pose.music import TEMPO_RANGE, local_tempo, track_beats
    sr = 15360
    audio, _ = click_track(bpm=100, seconds=8, sr=sr)
    curve = local_tempo(audio, sr)
    assert curve.shape == (1 + len(audio) // 512,)
    assert TEMPO_RANGE[0] * 0.9 <= curve.min() and curve.max() <= TEMPO_RANGE[1] * 1.1
    beats, tempo, followed = track_beats(audio, sr)
    assert tempo == 100.0 and np.ptp(followed) == 0 and len(beats) >= 10


@settings(max_examples=60, deadline=None)
@given(frames=st.integers(12, 900), density=st.floats(0.02, 1.0), silent_start=st.booleans(), varying=st.booleans(),
       tightness=st.sampled_from([10.0, 100.0, 400.0]), seed=st.integers(0, 2**16))
def test_beat_frames_are_librosas(frames, density, silent_start, varying, tightness, seed):
    "The numpy tracker picks librosa's beat frames on any onset envelope, one tempo or one per frame."
    import librosa.beat
    rng = np.random.default_rng(seed)
    env = ((rng.random(frames) ** 3) * (rng.random(frames) < density)).astype(np.float32)
    if silent_start: env[: frames // 3] = 0
    assume((env > 0).sum() >= 2)
    bpm = rng.uniform(60, 200, frames).round(1) if varying else rng.uniform(40, 240)
    theirs = librosa.beat.beat_track(onset_envelope=env, sr=22050, hop_length=735, bpm=bpm, tightness=tightness)[1]
    assert np.array_equal(beat_frames(env, 22050 / 735, bpm, tightness), theirs)


def test_beat_frames_with_no_frame_to_keep():
    "An onset only in the first frame (which the local score leaves out): librosa finds no beat; its trim loops run off the array, ours stop."
    import librosa.beat
    env = np.zeros(100, np.float32)
    env[0] = 1
    assert librosa.beat.beat_track(onset_envelope=env, sr=22050, hop_length=735, bpm=120.0)[1].size == 0
    assert beat_frames(env, 22050 / 735, 120.0).size == 0


def test_beat_frames_reject_bad_tempi():
    env = np.ones(50, np.float32)
    with pytest.raises(ValueError, match="bpm has 3 values for 50 frames"): beat_frames(env, 30.0, [100.0, 110.0, 120.0])
    with pytest.raises(ValueError, match="bpm must be positive"): beat_frames(env, 30.0, 0.0)
