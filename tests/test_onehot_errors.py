"""Error paths of music2pose.onehot (moved out of `nbs/03_onehot.ipynb`): keypoints, confidences and options the image
builder refuses, images of the wrong shape or with an unknown read-back option, the wrong sequence-or-batch function,
batches of sequences that do not fit together, and segment hops that would skip frames."""
import numpy as np
import pytest

from music2pose.onehot import (keypoints_to_onehot, onehot_segments, onehot_to_keypoints, onehot_to_pose,
                               onehot_to_poses, pose_to_onehot, poses_to_onehot)
from music2pose.poses import PoseSequence
from error_checks import raises


@pytest.fixture(scope="module")
def dance():
    "The notebook's synthetic dancer (swaying, waving its right arm), 96 frames at 60 fps, OpenPose-18."
    t = np.arange(96) / 60.0
    base = np.array([[.5,.18],[.51,.16],[.49,.16],[.52,.17],[.48,.17],[.55,.3],[.45,.3],[.58,.42],[.42,.42],
                     [.6,.52],[.4,.52],[.53,.55],[.47,.55],[.54,.7],[.46,.7],[.54,.85],[.46,.85]])
    kp = base[None] + 0.04 * np.sin(2 * np.pi * 0.5 * t)[:, None, None] * np.array([1, .1])
    kp[:, 10, 1] -= 0.2 * (1 + np.sin(2 * np.pi * 1.0 * t)) / 2
    return PoseSequence(kp, fps=60.0, layout="coco17").to_layout("openpose18")


@pytest.fixture(scope="module")
def small():
    "Two frames of two keypoints: one missing in frame 0, one out of the frame in frame 1."
    kp = np.array([[[0.25, 0.75], [np.nan, np.nan]], [[1.3, -0.2], [0.5, 0.5]]])
    conf = np.array([[0.9, 0.0], [0.4, 1e-4]])
    return kp, conf


def test_keypoints_to_onehot_rejects_bad_input(small):
    kp, conf = small
    with raises(ValueError, "NaN/inf but have non-zero confidence"): keypoints_to_onehot(kp, np.ones((2, 2)))
    with raises(ValueError, "(..., T, K, 2)"): keypoints_to_onehot(kp[..., 0], conf)
    with raises(ValueError, "confidence must have shape"): keypoints_to_onehot(kp, conf[:, :1])
    with raises(ValueError, "bins must be an integer >= 2"): keypoints_to_onehot(kp, conf, bins=1)
    with raises(ValueError, "value must be one of"): keypoints_to_onehot(kp, conf, value="soft")
    with raises(ValueError, "onehot_segments"): keypoints_to_onehot(np.zeros((10_000, 18, 2)))


def test_onehot_to_keypoints_rejects_bad_images_and_options(small):
    kp, conf = small
    img = keypoints_to_onehot(kp, conf, bins=5, value="confidence")
    with raises(ValueError, "2K channels"): onehot_to_keypoints(img[:3])
    with raises(ValueError, "(..., 2K, bins, T)"): onehot_to_keypoints(img[0])
    with raises(ValueError, "method must be one of"): onehot_to_keypoints(img, method="mean")
    with raises(ValueError, "window must be"): onehot_to_keypoints(img, window=-1)


def test_sequence_and_batch_functions_point_to_each_other(dance):
    clip = dance[:16]
    image = pose_to_onehot(clip, bins=64)
    with raises(TypeError, "use keypoints_to_onehot"): pose_to_onehot(clip.keypoints)
    with raises(ValueError, "use onehot_to_poses"): onehot_to_pose(image[None])
    with raises(ValueError, "layout openpose18 has 18"): onehot_to_pose(image[:34], layout="openpose18")
    with raises(ValueError, "no single keypoint layout has 10"): onehot_to_pose(image[:20])
    batch = poses_to_onehot([dance[i * 8:(i + 1) * 8] for i in range(4)], bins=64, value="confidence")
    with raises(ValueError, "different lengths"): poses_to_onehot([dance[:10], dance[:11]])
    with raises(ValueError, "different layouts"): poses_to_onehot([dance[:10], dance[:10].to_layout("coco17")])
    with raises(ValueError, "(B, 2K, bins, T)"): onehot_to_poses(batch[0])


def test_onehot_segments_refuse_to_skip_frames(dance):
    with raises(ValueError, "skip frames"): onehot_segments(dance, window_frames=256, hop=300)
