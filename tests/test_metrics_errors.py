"""Error paths of music2pose.metrics (moved out of `nbs/08_metrics.ipynb`): Fréchet distances of mismatched shapes, FID
with too few dances or two layouts, unknown feature kinds and BAS conventions, music beats that are missing or not in
seconds (BAS and the tempo lock), boundaries outside the dance, and the streaming FIDk metric asked too early or fed another layout."""
import warnings

import numpy as np
import pytest

from music2pose.metrics import (FIDk, beat_align_score, beat_alignment, dance_features, discontinuity, fid_k,
                                frechet_distance, period_lock, speed_autocorrelation, tempo_lock)
from music2pose.poses import PoseSequence
from error_checks import raises

STANDING = np.array([[.50,.18],[.51,.16],[.49,.16],[.52,.17],[.48,.17],[.55,.30],[.45,.30],[.58,.42],[.42,.42],
                     [.60,.52],[.40,.52],[.53,.55],[.47,.55],[.54,.70],[.46,.70],[.54,.85],[.46,.85]])  # COCO-17


def swinging_dance(seconds=8.0, fps=60.0, bpm=120.0, t0=0.0, seed=0, noise=0.0):
    "The notebook's stand-in: a COCO-17 dancer whose every joint swings once per beat, stopping on the beats."
    r = np.random.default_rng(seed)
    t = np.arange(int(round(seconds * fps))) / fps
    amplitude = r.normal(0, 0.02, (17, 2))
    kp = STANDING[None] + np.cos(np.pi * (t - t0) * bpm / 60)[:, None, None] * amplitude
    return PoseSequence(kp + r.normal(0, noise, kp.shape), fps=fps, layout="coco17")


@pytest.fixture(scope="module")
def dances():
    "Two sets of three dancers at the same tempo, 12 s at 60 fps."
    return ([swinging_dance(12, 60, 80, seed=v, noise=2e-4) for v in range(3)],
            [swinging_dance(12, 60, 80, seed=100 + v, noise=2e-4) for v in range(3)])


def test_frechet_distance_needs_matching_shapes():
    rng = np.random.default_rng(0)
    m1, m2 = rng.normal(size=6), rng.normal(size=6)
    A, B = rng.normal(size=(8, 8)), rng.normal(size=(8, 8))
    S1, S2 = A @ A.T + 0.1 * np.eye(8), B @ B.T + 0.1 * np.eye(8)
    with raises(ValueError, "shapes do not match"): frechet_distance(m1, S1, m2, S2)


def test_fid_rejects_too_few_dances_mixed_layouts_and_unknown_features(dances):
    dances_a, dances_b = dances
    with raises(ValueError, "at least 2 real dances"): fid_k(dances_a[:1], dances_b)
    with raises(ValueError, "convert one set"): fid_k(dances_a, [d.to_layout("openpose18") for d in dances_b])
    with raises(ValueError, "unknown feature kind"): dance_features(dances_a, "spectral")


def test_beat_alignment_rejects_missing_or_foreign_beats():
    swing = swinging_dance(8, 60, bpm=120, t0=0.1)
    with raises(ValueError, "music_beats is empty"): beat_align_score(swing, [])
    with raises(ValueError, "are they in seconds"): beat_align_score(swing, [100.0, 200.0])
    with raises(ValueError, "unknown BAS convention"): beat_alignment([1.0], [1.0], convention="edge")


def test_discontinuity_boundaries_must_lie_inside(dances):
    with raises(ValueError, "must lie in"): discontinuity(dances[0][0], [1])


def test_streaming_fid_rejects_empty_and_mixed_input(dances):
    dances_a = dances[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torchmetrics warns about compute() before update(), which is the point
        with raises(ValueError, "no real dances"): FIDk().compute()
    with raises(ValueError, "convert with"): FIDk().update(real=dances_a[0], fake=dances_a[0].to_layout("openpose18"))


@pytest.mark.parametrize("beats", [[], [1.0], [0.5, np.nan, 1.5], [2.0, 1.0, 3.0], [0.5, 0.5, 1.0]])
def test_tempo_lock_needs_increasing_beats(beats):
    with raises(ValueError, "beat_times must be at least two increasing finite times"): tempo_lock(swinging_dance(4), beats)


def test_tempo_lock_needs_poses():
    with raises(TypeError, "PoseSequence"): tempo_lock(np.zeros((100, 17, 2)), [0.5, 1.0, 1.5])


def test_tempo_lock_edges():
    "A still body locks to nothing; a clip shorter than one beat and a half has no lock to measure (NaN), not an error."
    still = PoseSequence(np.repeat(STANDING[None], 120, 0), fps=60, layout="coco17")
    assert speed_autocorrelation(still).max() == 0 and tempo_lock(still, [0.5, 1.0, 1.5]) == (0.0, 0.0)
    assert np.isnan(period_lock(speed_autocorrelation(swinging_dance(1.0)), 60 * 2.0))
    own, detuned = tempo_lock(swinging_dance(12, 60, 80), np.arange(0, 12, 0.75))
    assert own > 0.5 and own > detuned
