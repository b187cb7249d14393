"""Error paths of music2pose.reference (moved out of `nbs/11_reference.ipynb`): reference frames that are not a frame
or out of range, inputs that are not pose sequences, a standing pose taller than the frame, pose-aware frames that are
negative, too many or from another frame size, phase masks of bad sizes or types, conditioning inputs whose shapes do
not match, probabilities of the pose-aware draw that do not add up, and a reference encoder that is not a PoseVAE."""
import numpy as np
import pytest
import torch

from music2pose.choreo import choreograph
from music2pose.reference import (condition_inputs, default_reference_pose, encode_reference, phase_mask,
                                  reference_pose_from, reference_sequence, sample_pose_aware_frames)
from music2pose.synth import make_score
from error_checks import raises

T = 64


@pytest.fixture(scope="module")
def dance():
    "A synthetic OpenPose-18 dance: 4 s at 30 fps."
    return choreograph(make_score(4, 110, seed=1), seed=1)


def test_reference_pose_from_rejects_bad_frames_and_inputs(dance):
    with raises(ValueError, "frame must be a frame index or 'median'"): reference_pose_from(dance, "mean")
    with raises(ValueError, "out of range"): reference_pose_from(dance, len(dance))
    with raises(TypeError, "must be a PoseSequence"): reference_pose_from(dance.keypoints)
    with raises(ValueError, "height must be in (0, 1]"): default_reference_pose(height=1.5)


def test_reference_sequence_rejects_frames_that_do_not_fit(dance):
    ref = reference_pose_from(dance, "median")
    with raises(ValueError, "more than the 10 frames"): reference_sequence(ref, T, dance[:10], 11)
    with raises(ValueError, "n must be an integer >= 0"): reference_sequence(ref, T, dance, -1)
    with raises(ValueError, "do not fit"): reference_sequence(ref, 8, dance, 9)
    with raises(ValueError, "needs the pose_aware"): reference_sequence(ref, T, None, 4)
    with raises(ValueError, "one-frame PoseSequence"): reference_sequence(dance, T)
    with raises(ValueError, "frame_size"): reference_sequence(ref, T, dance.replace(frame_size=(640, 480)), 4)


def test_phase_mask_rejects_bad_counts_and_sizes():
    with raises(ValueError, "n must be an integer >= 0"): phase_mask(-1, 32, 2)
    with raises(ValueError, "n must be an integer >= 0"): phase_mask(torch.tensor([3, -2]), 32, 2)
    with raises(ValueError, "must be divisible by frames_per_column"): phase_mask(4, 30, 2)
    with raises(ValueError, "integer tensor"): phase_mask(torch.tensor([1.5]), 32, 2)
    with raises(ValueError, "height must be an integer >= 1"): phase_mask(4, 32, 0)


def test_condition_inputs_need_matching_shapes():
    noisy, refl = torch.randn(3, 48, 8, 4), torch.randn(3, 48, 8, 4)
    m = phase_mask(torch.tensor([0, 9, 16]), 32, 8)
    with raises(ValueError, "must have the shape of noisy_latents"): condition_inputs(noisy, refl[:, :40], m)
    with raises(ValueError, "to match the latents"): condition_inputs(noisy, refl, m[:, :, :4])
    with raises(ValueError, "mask must be a (B, channels, H, W)"): condition_inputs(noisy, refl, m[0])


def test_pose_aware_draws_reject_bad_settings():
    with raises(ValueError, "sum to at most 1"): sample_pose_aware_frames(None, 4, p_zero=0.7, p_stitch=0.5)
    with raises(ValueError, "max_n must be in 1..window_frames"): sample_pose_aware_frames(None, 4, window_frames=64, max_n=65)
    with raises(TypeError, "generator must be"): sample_pose_aware_frames(0, 4)


def test_encode_reference_needs_a_pose_vae(dance):
    ref = reference_pose_from(dance, "median")
    refs = [reference_sequence(ref, T, dance, n) for n in (0, 16)]
    with raises(TypeError, "must be a music2pose.vae.PoseVAE"): encode_reference(object(), refs)
