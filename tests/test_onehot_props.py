"""Property tests for music2pose.onehot: the round trip and batched == unbatched, on random poses
including empty and one-frame sequences, missing joints, NaN/inf and far out-of-frame coordinates."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from music2pose.onehot import keypoints_to_onehot, onehot_to_keypoints

SLACK = 1e-6  # float32 rounding in coord * (bins - 1) and bin / (bins - 1)
COORD = st.floats(-2, 3, width=32) | st.sampled_from([0.0, 1.0, 0.5, np.nan, np.inf, -np.inf, 1e30, -1e30])
CONF = st.floats(0, 1, width=32) | st.sampled_from([0.0, 1.0, 1e-4])


@st.composite
def raw_poses(draw, batch: int | None = None):
    "keypoints ([B,] T, K, 2), confidence ([B,] T, K) with confidence 0 wherever a coordinate is not finite, and bins."
    T, K, bins = draw(st.integers(0, 8)), draw(st.integers(1, 5)), draw(st.integers(2, 700))
    lead = () if batch is None else (batch,)
    keypoints = draw(arrays(np.float32, (*lead, T, K, 2), elements=COORD))
    confidence = draw(arrays(np.float32, (*lead, T, K), elements=CONF))
    confidence[~np.isfinite(keypoints).all(-1)] = 0
    return keypoints, confidence, bins


def check_round_trip(keypoints, confidence, bins, value, method, window):
    image = keypoints_to_onehot(keypoints, confidence, bins=bins, value=value)
    assert image.shape == (2 * keypoints.shape[1], bins, keypoints.shape[0])
    back, conf_back = onehot_to_keypoints(image, method=method, window=window)
    present = confidence > 0
    np.testing.assert_array_equal(conf_back.numpy() > 0, present)                      # missing survives
    assert np.isnan(back.numpy()[~present]).all()
    expected = np.clip(np.nan_to_num(keypoints, posinf=1.0, neginf=0.0), 0, 1)         # out of frame: clipped
    error = np.abs(back.numpy() - expected)[present]
    assert (error <= 0.5 / (bins - 1) + SLACK).all(), error.max()
    expected_conf = confidence if value == "confidence" else present.astype(np.float32)
    np.testing.assert_array_equal(conf_back.numpy(), expected_conf)                    # confidence survives exactly


@settings(max_examples=50, deadline=None)
@given(raw_poses(), st.sampled_from(["one", "confidence"]), st.sampled_from(["argmax", "soft"]), st.integers(0, 4))
def test_round_trip(pose, value, method, window):
    keypoints, confidence, bins = pose
    check_round_trip(keypoints, confidence, bins, value, method, window)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 3).flatmap(lambda b: raw_poses(batch=b)), st.sampled_from(["one", "confidence"]))
def test_batched_equals_unbatched(pose, value):
    keypoints, confidence, bins = pose
    batch = keypoints_to_onehot(keypoints, confidence, bins=bins, value=value)
    singles = [keypoints_to_onehot(k, c, bins=bins, value=value) for k, c in zip(keypoints, confidence)]
    assert torch.equal(batch, torch.stack(singles))
    kp_batch, conf_batch = onehot_to_keypoints(batch)
    for i, image in enumerate(singles):
        kp, conf = onehot_to_keypoints(image)
        assert torch.equal(conf_batch[i], conf)
        assert torch.allclose(kp_batch[i], kp, equal_nan=True, atol=0, rtol=0)


@settings(max_examples=50, deadline=None)
@given(raw_poses(), st.integers(1, 6))
def test_soft_argmax_is_exact_on_clean_images(pose, window):
    keypoints, confidence, bins = pose
    image = keypoints_to_onehot(keypoints, confidence, bins=bins, value="confidence")
    soft, _ = onehot_to_keypoints(image, method="soft", window=window)
    hard, _ = onehot_to_keypoints(image, method="argmax")
    assert torch.allclose(soft, hard, equal_nan=True, atol=0, rtol=0)
