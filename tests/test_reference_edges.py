"Edge cases of music2pose.reference that do not belong in the lesson."
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from music2pose.poses import PoseSequence
from music2pose.reference import (condition_inputs, default_reference_pose, phase_mask, reference_pose_from,
                                  reference_sequence, sample_pose_aware_frames)


def _seq(T=20, seed=0):
    rng = np.random.default_rng(seed)
    kp = rng.uniform(0.2, 0.8, (T, 18, 2))
    conf = rng.uniform(0.5, 1.0, (T, 18))
    conf[rng.random((T, 18)) < 0.1] = 0
    return PoseSequence(kp, conf, fps=30, layout="openpose18")


@given(st.integers(0, 80), st.sampled_from([8, 16, 64]), st.integers(1, 3))
@settings(max_examples=60, deadline=None)
def test_mask_is_known_frames(n, length, height):
    m = phase_mask(n, length, height)
    assert m.shape == (8, height, length // 8)
    known = m[:, 0].T.reshape(-1)  # column-major over (column, phase) = frame order
    expected = (torch.arange(length) < min(n, length)).float()
    assert torch.equal(known, expected)


def test_mask_other_phase_count():
    m = phase_mask(5, 12, 1, frames_per_column=4)
    assert m.shape == (4, 1, 3)
    assert m[:, 0].T.reshape(-1).tolist() == [1] * 5 + [0] * 7


@pytest.mark.parametrize("bad,match", [(1.5, "n must be an int"), (True, "n must be an int"), (-3, "n must be an integer >= 0")])
def test_mask_bad_n(bad, match):
    with pytest.raises((TypeError, ValueError), match=match):
        phase_mask(bad, 16, 1)


def test_mask_batched_2d_rejected():
    with pytest.raises(ValueError, match="1-D integer tensor"):
        phase_mask(torch.zeros(2, 2, dtype=torch.long), 16, 1)


def test_median_reference_ignores_missing():
    s = _seq()
    ref = reference_pose_from(s, "median", min_visible=0.0)
    kp = np.where(s.visible[..., None], s.keypoints, np.nan)
    assert np.allclose(ref.keypoints[0], np.nanmedian(kp, 0))
    assert ref.visible.all()


def test_never_seen_joint_stays_missing():
    s = _seq()
    conf = s.confidence.copy(); conf[:, 3] = 0
    ref = reference_pose_from(s.replace(confidence=conf), "median", min_visible=0.0)
    assert not ref.visible[0, 3] and np.isnan(ref.keypoints[0, 3]).all()


def test_reference_from_coco_converts():
    coco = _seq().to_layout("coco17")
    assert reference_pose_from(coco).layout == "openpose18"


def test_reference_sequence_converts_layout_and_keeps_fps():
    s = _seq().replace(fps=60)
    r = reference_sequence(default_reference_pose(), 24, s.to_layout("coco17"), 5)
    assert r.layout == "openpose18" and r.fps == 60 and len(r) == 24


@pytest.mark.parametrize("bad", [2.0, True, "3"])
def test_reference_sequence_bad_types(bad):
    with pytest.raises(TypeError, match="must be an int"):
        reference_sequence(default_reference_pose(), 8, _seq(), bad)


def test_default_pose_bad_frame():
    with pytest.raises(ValueError, match="frame_size"):
        default_reference_pose((0, 10))


def test_condition_inputs_dtype():
    x = condition_inputs(torch.randn(1, 4, 2, 2, dtype=torch.float64), torch.randn(1, 4, 2, 2, dtype=torch.float64),
                         phase_mask(torch.tensor([3]), 16, 2))
    assert x.dtype == torch.float64 and x.shape == (1, 16, 2, 2)


def test_sampler_numpy_reproducible_and_bounds():
    a = sample_pose_aware_frames(np.random.default_rng(1), 500, window_frames=64)
    b = sample_pose_aware_frames(np.random.default_rng(1), 500, window_frames=64)
    assert torch.equal(a, b) and a.dtype == torch.long and 0 <= a.min() and a.max() <= 64
    assert (sample_pose_aware_frames(None, 100, p_zero=1.0, p_stitch=0.0) == 0).all()
    assert (sample_pose_aware_frames(None, 100, p_zero=0.0, p_stitch=1.0) == 16).all()
    with pytest.raises(ValueError, match="stitch_frames=16 is more than max_n=8"):
        sample_pose_aware_frames(None, 4, window_frames=64, max_n=8)
