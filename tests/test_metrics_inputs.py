"""Bad and edge-case inputs of music2pose.metrics: each must give a clear error or a documented value."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from music2pose.metrics import (BeatAlign, DivK, FIDk, beat_align_score, beat_alignment, beat_grid, bone_length_cv,
                                dance_features, discontinuity, diversity, diversity_from_features, fid_from_features,
                                fid_k, frechet_distance, geometric_features, jitter, kinetic_features, median_speed,
                                motion_beats, best_grid_alignment)
from music2pose.poses import PoseSequence

STANDING = np.array([[.50, .18], [.51, .16], [.49, .16], [.52, .17], [.48, .17], [.55, .30], [.45, .30], [.58, .42],
                     [.42, .42], [.60, .52], [.40, .52], [.53, .55], [.47, .55], [.54, .70], [.46, .70], [.54, .85],
                     [.46, .85]])


def dancer(frames=240, fps=60.0, seed=0, bpm=120.0):
    r = np.random.default_rng(seed)
    t = np.arange(frames) / fps
    kp = STANDING[None] + np.cos(np.pi * t * bpm / 60)[:, None, None] * r.normal(0, 0.02, (17, 2))
    return PoseSequence(kp, fps=fps, layout="coco17")


def still(frames=120):
    return PoseSequence(np.repeat(STANDING[None], frames, 0), fps=60, layout="coco17")


# -- sets -----------------------------------------------------------------------------------------
def test_empty_sets():
    with pytest.raises(ValueError, match="real is empty"): fid_k([], [dancer(), dancer(seed=1)])
    with pytest.raises(ValueError, match="fake is empty"): fid_k([dancer(), dancer(seed=1)], [])
    with pytest.raises(ValueError, match="is empty"): diversity([])


def test_one_sample_fid_is_undefined():
    with pytest.raises(ValueError, match="at least 2 fake dances"): fid_k([dancer(), dancer(seed=1)], [dancer(seed=2)])
    with pytest.raises(ValueError, match="at least 2 real dances"): fid_k(dancer(), [dancer(), dancer(seed=1)])
    with pytest.raises(ValueError, match="at least 2 dances"): diversity([dancer()])


def test_mismatched_layouts_between_sets():
    real = [dancer(), dancer(seed=1)]
    fake = [d.to_layout("openpose18") for d in real]
    with pytest.raises(ValueError, match="convert one set"): fid_k(real, fake)
    with pytest.raises(ValueError, match="mixes keypoint layouts"): dance_features([real[0], fake[0]])
    feats_real, feats_fake = dance_features(real), dance_features(fake)  # arrays: caught by their sizes
    with pytest.raises(ValueError, match="different sizes"): fid_from_features(feats_real, feats_fake)


def test_features_as_arrays_and_tensors():
    a = np.random.default_rng(0).normal(size=(10, 4))
    assert fid_from_features(a, a) == pytest.approx(0, abs=1e-9)
    assert fid_from_features(torch.tensor(a), torch.tensor(a)) == pytest.approx(0, abs=1e-9)
    with pytest.raises(ValueError, match=r"shape \(N, D\)"): fid_from_features(a[0], a)
    with pytest.raises(TypeError, match="must be a PoseSequence"): dance_features([a])


def test_constant_real_feature_does_not_explode():
    real = np.zeros((5, 3)); real[:, 0] = np.arange(5)
    fake = real.copy(); fake[:, 1] = 0.5  # a feature the real set never varies: scale 1, not 1e-10
    assert fid_from_features(real, fake) == pytest.approx(0.25)


# -- sequences ------------------------------------------------------------------------------------
def test_too_short_for_acceleration_and_jerk():
    with pytest.raises(ValueError, match="at least 5 frames"): kinetic_features(dancer(frames=4))
    with pytest.raises(ValueError, match="at least 3 frames"): kinetic_features(dancer(frames=2, fps=30))
    with pytest.raises(ValueError, match="at least 4 frames"): jitter(dancer(frames=3))
    assert np.isfinite(kinetic_features(dancer(frames=5))).all()


def test_all_missing_joints():
    gone = dancer().replace(confidence=np.zeros((240, 17)))
    with pytest.raises(ValueError, match="every joint is missing"): kinetic_features(gone)
    with pytest.raises(ValueError, match="torso length"): geometric_features(gone)
    with pytest.raises(ValueError, match="no joint is visible"): jitter(gone)
    with pytest.raises(ValueError, match="no joint is visible"): median_speed(gone)
    with pytest.raises(ValueError, match="no body bone"): bone_length_cv(gone)
    assert len(motion_beats(gone)) == 0


def test_one_joint_never_visible_gives_nan_feature_and_fid_refuses_it():
    c = np.ones((240, 17)); c[:, 9] = 0
    d = dancer().replace(confidence=c)
    f = kinetic_features(d).reshape(17, 3)
    assert np.isnan(f[9]).all() and np.isfinite(np.delete(f, 9, 0)).all()
    with pytest.raises(ValueError, match="contain NaN"): fid_k([d, dancer(seed=1)], [dancer(), dancer(seed=2)])


def test_nans_short_gaps_are_filled_long_ones_ignored():
    d = dancer()
    c = d.confidence.copy(); c[50:53, 9] = 0                  # 3 frames: filled
    assert kinetic_features(d.replace(confidence=c)) == pytest.approx(kinetic_features(d), rel=0.05)
    c[100:200, 10] = 0                                        # 100 frames: ignored, not poisoning
    f = kinetic_features(d.replace(confidence=c))
    assert np.isfinite(f).all()
    assert np.isfinite(jitter(d.replace(confidence=c)))
    assert median_speed(d.replace(confidence=c)) == pytest.approx(median_speed(d), rel=0.1)


def test_median_speed_is_the_typical_frame_not_the_mean():
    d = dancer(frames=600)
    assert median_speed(still()) == 0
    assert median_speed(d.resample(30)) == pytest.approx(median_speed(d), rel=0.05)   # per second, whatever the fps
    held = d.replace(keypoints=np.repeat(d.keypoints[::12], 12, 0)[:len(d)])        # still, then a jump, twelve frames apart
    assert median_speed(held) < 0.2 * median_speed(d)
    with pytest.raises(TypeError): median_speed(d.keypoints)
    with pytest.raises(ValueError, match="no joint is visible"): median_speed(dancer(frames=2))


def test_no_motion_beats_and_no_music_beats():
    assert len(motion_beats(still())) == 0
    for conv in ("fact", "bailando"): assert beat_align_score(still(), [0.5, 1.0], conv) == 0.0
    with pytest.raises(ValueError, match="music_beats is empty"): beat_align_score(dancer(), [])
    with pytest.raises(ValueError, match="music_beats is empty"): beat_alignment([1.0], [])
    with pytest.raises(ValueError, match="are they in seconds"): beat_align_score(dancer(), [480.0])
    with pytest.raises(ValueError, match="sigma must be"): beat_alignment([1.0], [1.0], sigma=0)
    with pytest.raises(ValueError, match="finite"): beat_alignment([np.nan], [1.0])


def test_beat_alignment_conventions_differ_as_documented():
    music = np.arange(10) * 0.5
    motion = np.array([0.5, 1.0])                  # few motion beats, all on music beats
    assert beat_alignment(motion, music, convention="fact") == pytest.approx(1.0)
    # over music beats: 2 of 10 are danced, the other 8 are >= 0.5 s from a motion beat (exp(-50) ~ 0)
    assert beat_alignment(motion, music, convention="bailando") == pytest.approx(0.2, abs=1e-9)


def test_bas_resample_invariance():
    d = dancer(frames=600, bpm=100)
    music = beat_grid(100, d.duration, 0.0)
    for conv in ("fact", "bailando"):
        assert beat_align_score(d.resample(30), music, conv) == pytest.approx(beat_align_score(d, music, conv), abs=0.03)


def test_beat_grid_and_best_phase():
    assert beat_grid(120, 2.0, 0.25) == pytest.approx([0.25, 0.75, 1.25, 1.75])
    assert beat_grid(120, 2.0, 1.25) == pytest.approx([0.25, 0.75, 1.25, 1.75])  # offsets wrap to the first beat
    with pytest.raises(ValueError, match="bpm must be"): beat_grid(0, 2.0)
    score, phase = best_grid_alignment(dancer(frames=600, bpm=100), 100)
    assert score > 0.9 and min(phase, 0.6 - phase) < 0.02


def test_discontinuity_bad_frames():
    with pytest.raises(ValueError, match="must lie in"): discontinuity(dancer(), [239])
    with pytest.raises(TypeError, match="integer frame indices"): discontinuity(dancer(), [10.5])
    assert discontinuity(dancer(), [])["position"].shape == (0,)


def test_frechet_bad_inputs():
    with pytest.raises(ValueError, match="finite"): frechet_distance([0.0], [[np.nan]], [0.0], [[1.0]])
    assert frechet_distance([0, 0], np.zeros((2, 2)), [0, 0], np.zeros((2, 2))) == 0.0


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 6), st.integers(1, 8), st.integers(0, 10_000))
def test_frechet_is_symmetric_nonnegative_and_matches_scipy(n, d, seed):
    from scipy import linalg
    r = np.random.default_rng(seed)
    a, b = r.normal(size=(n, d)), r.normal(size=(d, d))
    s1, s2 = np.cov(a, rowvar=False).reshape(d, d), b @ b.T + np.eye(d)
    m1, m2 = r.normal(size=d), r.normal(size=d)
    fd = frechet_distance(m1, s1, m2, s2)
    assert fd >= 0 and fd == pytest.approx(frechet_distance(m2, s2, m1, s1), rel=1e-6, abs=1e-8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        naive = ((m1 - m2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(linalg.sqrtm(s1 @ s2)).real
    assert fd == pytest.approx(naive, rel=1e-4, abs=1e-4)


# -- torchmetrics wrappers ------------------------------------------------------------------------
def test_metric_wrappers_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(ValueError, match="no real dances"): FIDk().compute()
        with pytest.raises(ValueError, match="no dances"): BeatAlign().compute()
        with pytest.raises(ValueError, match="no dances"): DivK().compute()
    with pytest.raises(ValueError, match="give real"): FIDk().update()
    with pytest.raises(ValueError, match="unknown BAS convention"): BeatAlign("edge")
    with pytest.raises(ValueError, match="2 dances but 1 beat lists"): BeatAlign().update([dancer(), dancer()], [[1.0]])
    m = FIDk(); m.update(real=[dancer(), dancer(seed=1)])
    with pytest.raises(ValueError, match="no fake dances"): m.compute()


def test_metric_wrappers_reset_and_values():
    m = FIDk()
    real = [dancer(seed=s) for s in range(3)]
    m.update(real=real, fake=real)
    assert float(m.compute()) == pytest.approx(0, abs=1e-9)
    m.reset(); m.update(real=real, fake=[dancer(seed=s) for s in range(3, 6)])
    assert float(m.compute()) == pytest.approx(fid_k(real, [dancer(seed=s) for s in range(3, 6)]))
    dv = DivK(); dv.update(dances=real)
    assert float(dv.compute()) == pytest.approx(diversity_from_features(dance_features(real)))
