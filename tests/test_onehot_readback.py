"""Property tests for the soft-ridge encoding (`sigma`) and the read-backs `method="gauss"` and `method="path"` of
music2pose.onehot: sigma=0 is the one-hot image, clean Gaussian ridges read back exactly, the path equals argmax on
clean images, never follows a single-frame spurious peak off a ridge, and keeps missing frames missing."""
import math

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from music2pose.onehot import PATH_JUMP_COST, keypoints_to_onehot, onehot_segments, onehot_to_keypoints, onehot_to_pose
from music2pose.poses import PoseSequence

FAST = settings(max_examples=40, deadline=None)
UNIT = st.floats(0, 1, width=32)
SIGMAS = st.sampled_from([0.5, 1.0, 2.0])


def one_hot_reference(keypoints, confidence, bins):
    "The one-hot image by its definition, one pixel at a time (value='one')."
    T, K, _ = keypoints.shape
    image = np.zeros((2 * K, bins, T), np.float32)
    for t in range(T):
        for k in range(K):
            if confidence[t, k] > 0:
                for axis in range(2):
                    image[2 * k + axis, int(np.round(np.clip(keypoints[t, k, axis], 0, 1) * (bins - 1))), t] = 1.0
    return image


@st.composite
def poses(draw, max_frames=8, max_keypoints=4, confidences=(0.0, 1.0)):
    T, K, bins = draw(st.integers(0, max_frames)), draw(st.integers(1, max_keypoints)), draw(st.integers(2, 300))
    keypoints = draw(arrays(np.float32, (T, K, 2), elements=st.floats(-0.5, 1.5, width=32)))
    confidence = draw(arrays(np.float32, (T, K), elements=st.sampled_from(confidences)))
    return np.where(confidence[..., None] > 0, keypoints, np.nan), confidence, bins


@st.composite
def ridge_positions(draw, bins, sigma, frames):
    "Coordinates in [0, 1]: anywhere, or within 3 sigma of an edge (where a ridge is cut off)."
    near = 3 * sigma / (bins - 1)
    one = st.one_of(UNIT, st.floats(0, near), st.floats(1 - near, 1))
    return np.array(draw(st.lists(one, min_size=2 * frames, max_size=2 * frames)), np.float32).reshape(frames, 1, 2)


@FAST
@given(poses())
def test_sigma_zero_is_the_one_hot_image(case):
    keypoints, confidence, bins = case
    image = keypoints_to_onehot(keypoints, confidence, bins=bins, sigma=0.0)
    assert np.array_equal(image.numpy(), one_hot_reference(keypoints, confidence, bins))
    assert torch.equal(image, keypoints_to_onehot(keypoints, confidence, bins=bins))


@FAST
@given(st.data(), SIGMAS, st.integers(16, 700), st.integers(1, 6), st.floats(0.05, 1))
def test_gauss_reads_clean_ridges_back_exactly(data, sigma, bins, frames, height):
    truth = data.draw(ridge_positions(bins, sigma, frames))
    image = keypoints_to_onehot(truth, np.full((frames, 1), height, np.float32), bins=bins, value="confidence", sigma=sigma)
    back, confidence = onehot_to_keypoints(image, method="gauss")
    assert np.abs(back.numpy() - truth).max() * (bins - 1) < 0.05
    assert np.abs(confidence.numpy() - height).max() < 1e-3
    path, _ = onehot_to_keypoints(image, method="path")
    assert np.abs(path.numpy() - truth).max() * (bins - 1) < 0.05


@FAST
@given(SIGMAS, st.integers(16, 300))
def test_soft_ridge_is_exact_where_it_peaks(sigma, bins):
    image = keypoints_to_onehot(np.full((1, 1, 2), 0.5, np.float32), bins=bins, sigma=sigma)
    centre = 0.5 * (bins - 1)
    rows = torch.arange(bins, dtype=torch.float32)
    expected = torch.exp(-0.5 * ((rows - centre) / sigma) ** 2) * ((rows - round(centre)).abs() <= math.ceil(4 * sigma))
    assert torch.allclose(image[0, :, 0], expected, atol=1e-6)
    assert image.max() <= 1.0


@FAST
@given(poses(max_frames=12))
def test_path_on_a_clean_image_is_argmax(case):
    keypoints, confidence, bins = case
    image = keypoints_to_onehot(keypoints, confidence, bins=bins)
    argmax_kp, argmax_conf = onehot_to_keypoints(image, method="argmax")
    path_kp, path_conf = onehot_to_keypoints(image, method="path")
    assert torch.equal(argmax_kp.isnan(), path_kp.isnan())
    assert torch.equal(argmax_kp.nan_to_num(-1), path_kp.nan_to_num(-1)) and torch.equal(argmax_conf, path_conf)


@FAST
@given(poses(confidences=(0.0, 1e-4, 0.3, 1.0)), st.sampled_from(["gauss", "path"]))
def test_gauss_and_path_round_trip_clean_one_hot_images_with_their_confidences(case, method):
    keypoints, confidence, bins = case
    image = keypoints_to_onehot(keypoints, confidence, bins=bins, value="confidence")
    back, conf_back = onehot_to_keypoints(image, method=method)
    expected, _ = onehot_to_keypoints(image, method="argmax")
    assert back.shape == keypoints.shape and torch.equal(back.nan_to_num(-1), expected.nan_to_num(-1))
    assert np.array_equal(conf_back.numpy(), confidence)


def smooth_track(rng, frames, step=0.01):
    "A coordinate wandering smoothly in [0.15, 0.85]: steps of at most `step` of the frame per frame."
    return np.clip(0.5 + np.cumsum(rng.uniform(-step, step, frames)), 0.15, 0.85).astype(np.float32)


@FAST
@given(st.integers(0, 2**32 - 1), st.integers(8, 40), st.sampled_from([128, 256, 512]), SIGMAS, st.data())
def test_path_does_not_follow_a_single_frame_spike(seed, frames, bins, sigma, data):
    rng = np.random.default_rng(seed)
    track = smooth_track(rng, frames)
    image = keypoints_to_onehot(np.stack([track, track[::-1]], -1)[:, None], bins=bins, sigma=sigma)
    t = data.draw(st.integers(0, frames - 1))
    spike_bin = data.draw(st.integers(0, bins - 1))
    distance = abs(spike_bin - track[t] * (bins - 1)) / (bins - 1)
    # either dimmer than the ridge (anywhere), or brighter but so far that the jumps to it and back cost more than it gains
    faded = data.draw(st.floats(0.5, 1))
    spike = data.draw(st.floats(0.05, 1))
    assume(distance * (bins - 1) > 4 * sigma + 4)
    ridge = float(image[0, :, t].max()) * faded   # a ridge between two bins peaks below 1 (0.64 at sigma 0.5, half a bin off)
    jumps = 1 if t in (0, frames - 1) else 2   # a spike in the first or last frame costs one jump, not two
    # (with a margin: the reader scores the jumps between its own candidates, not exactly this distance)
    brighter_ok = jumps * min(200 * distance ** 2, PATH_JUMP_COST) > math.log(spike / ridge) + 0.3
    assume(spike < 0.95 * ridge or brighter_ok)
    image[0, :, t] *= faded
    image[0, spike_bin, t] = spike
    back, _ = onehot_to_keypoints(image, method="path", threshold=0.2)
    assert not back.isnan().any()
    assert np.abs(back[:, 0, 0].numpy() - track).max() * (bins - 1) < 0.05


@FAST
@given(st.integers(0, 2**32 - 1), st.integers(8, 40), st.data())
def test_missing_frames_stay_missing(seed, frames, data):
    rng = np.random.default_rng(seed)
    track = smooth_track(rng, frames)
    gone = np.array(data.draw(st.lists(st.booleans(), min_size=frames, max_size=frames)))
    keypoints = np.where(gone[:, None, None], np.nan, np.stack([track, track], -1)[:, None])
    image = keypoints_to_onehot(keypoints, (~gone).astype(np.float32)[:, None], bins=256, sigma=1.0)
    image = image + 0.1 * torch.rand(image.shape, generator=torch.Generator().manual_seed(seed % 2**31))  # background below 0.2
    back, confidence = onehot_to_keypoints(image, method="path", threshold=0.2)
    assert np.array_equal(back[:, 0, 0].isnan().numpy(), gone)
    assert np.array_equal((confidence[:, 0] == 0).numpy(), gone)


def test_path_runs_on_batches_like_one_at_a_time():
    rng = np.random.default_rng(1)
    kp = np.stack([smooth_track(rng, 24) for _ in range(3 * 2 * 2)], -1).reshape(24, 3, 2, 2).transpose(1, 0, 2, 3)
    images = keypoints_to_onehot(kp, bins=64, sigma=1.0) + 0.05 * torch.rand(3, 4, 64, 24, generator=torch.Generator().manual_seed(0))
    batched = onehot_to_keypoints(images, method="path", threshold=0.2)[0]
    for i in range(3):
        assert torch.equal(batched[i], onehot_to_keypoints(images[i], method="path", threshold=0.2)[0])


@pytest.mark.parametrize("call, message", [
    (lambda: keypoints_to_onehot(np.zeros((2, 1, 2)), sigma=-1), "sigma must be a finite number >= 0"),
    (lambda: keypoints_to_onehot(np.zeros((2, 1, 2)), sigma=float("nan")), "sigma must be a finite number >= 0"),
    (lambda: keypoints_to_onehot(np.zeros((2, 1, 2)), sigma=float("inf")), "sigma must be a finite number >= 0"),
    (lambda: keypoints_to_onehot(np.zeros((2, 1, 2)), sigma=True), "sigma must be a finite number >= 0"),
    (lambda: keypoints_to_onehot(np.zeros((2, 1, 2)), sigma="2"), "sigma must be a finite number >= 0"),
    (lambda: onehot_segments(PoseSequence(np.zeros((4, 18, 2))), sigma=-0.5), "sigma must be a finite number >= 0"),
    (lambda: onehot_to_keypoints(torch.zeros(2, 8, 4), method="viterbi"), "method must be one of"),
    (lambda: onehot_to_keypoints(torch.zeros(2, 8, 4), method="path", motion=-1), "motion must be a finite number >= 0"),
    (lambda: onehot_to_keypoints(torch.zeros(2, 8, 4), method="path", motion=float("nan")), "motion must be"),
    (lambda: onehot_to_keypoints(torch.zeros(2, 8, 4), method="path", candidates=0), "candidates must be an integer >= 1"),
    (lambda: onehot_to_keypoints(torch.zeros(2, 8, 4), method="path", candidates=2.5), "candidates must be an integer >= 1"),
    (lambda: onehot_to_keypoints(torch.zeros(2, 8, 4), method="path", candidates=True), "candidates must be an integer >= 1"),
    (lambda: onehot_to_keypoints(torch.zeros(2, 8, 4), threshold=float("nan")), "threshold must be a finite number"),
    (lambda: onehot_to_keypoints(torch.zeros(2, 8, 4), method="gauss", window=-2), "window must be"),
    (lambda: onehot_to_pose(torch.zeros(34, 8, 4), method="path", candidates=-3), "candidates must be"),
])
def test_bad_arguments_give_one_line_errors(call, message):
    with pytest.raises(ValueError) as info: call()
    assert message in str(info.value) and "\n" not in str(info.value), str(info.value)


def test_pipeline_rejects_an_unknown_read_back_in_one_line():
    from music2pose.pipeline import Music2PosePipeline, decode_song
    with pytest.raises(ValueError, match="method must be None .* or one of") as info:
        decode_song(None, torch.zeros(48, 32, 4), method="viterbi")     # checked before anything is decoded
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match="decode_method must be None .* or one of"):
        Music2PosePipeline.dance_options(None, decode_method="median")   # what the call checks before the song is read


# --- body=: a reference pose bounds how far a joint sits from its parent -------------------------------------------

def swaying_body(frames=60):
    "The default reference pose swaying 5% of the frame from side to side (a body, so every limb keeps its length)."
    from music2pose.reference import default_reference_pose
    ref = default_reference_pose()
    sway = 0.05 * np.sin(np.linspace(0, 2 * np.pi, frames))[:, None, None] * np.array([1.0, 0.0])
    return ref, PoseSequence(ref.keypoints[:1] + sway, fps=30, layout="openpose18", frame_size=ref.frame_size)


def haunted_image(dance, joint, ghost_shift, fade, frames, bins=256, sigma=1.5):
    "Soft-ridge image of `dance` whose `joint` x ridge fades to `fade` over `frames` while a full ghost runs `ghost_shift` away."
    image = keypoints_to_onehot(dance.keypoints, dance.confidence, bins=bins, sigma=sigma)
    x = 2 * dance.kind.index(joint)
    ghost = dance.keypoints.copy(); ghost[:, dance.kind.index(joint), 0] += ghost_shift
    extra = keypoints_to_onehot(ghost, dance.confidence, bins=bins, sigma=sigma)
    image[x, :, frames] = fade * image[x, :, frames] + extra[x, :, frames]
    return image


def test_body_keeps_a_joint_off_a_lasting_ghost():
    ref, dance = swaying_body()
    hip = dance.kind.index("left_hip")
    image = haunted_image(dance, "left_hip", 0.3, 0.5, slice(10, 50))
    plain, _ = onehot_to_keypoints(image, method="path", threshold=0.2)
    bodied, _ = onehot_to_keypoints(image, method="path", threshold=0.2, body=ref)
    err = lambda kp: (kp[:, hip, 0] - torch.from_numpy(dance.keypoints[:, hip, 0])).abs() * 255
    assert err(plain)[10:50].median() > 50                 # without the body, the path follows the brighter ghost
    assert err(bodied).max() < 0.5                          # with it, the hip stays where it is
    others = [k for k in range(18) if k != hip]
    assert torch.equal(plain[:, others], bodied[:, others])  # a body that is right everywhere else changes nothing else


def test_body_leaves_a_joint_missing_rather_than_on_the_ghost():
    ref, dance = swaying_body()
    hip = dance.kind.index("left_hip")
    image = haunted_image(dance, "left_hip", 0.3, 0.0, slice(10, 50))   # the real ridge is gone, only the ghost is left
    bodied, conf = onehot_to_keypoints(image, method="path", threshold=0.2, body=ref)
    assert bodied[10:50, hip].isnan().all() and (conf[10:50, hip] == 0).all()
    assert not bodied[:10, hip].isnan().any() and not bodied[50:, hip].isnan().any()


@FAST
@given(arrays(np.float32, (1, 18, 2), elements=st.floats(0.0625, 0.9375, width=32)), st.integers(1, 12), st.sampled_from([64, 256, 512]))
def test_body_never_moves_the_joints_of_the_body_itself(pose, frames, bins):
    body = PoseSequence(pose, fps=30, layout="openpose18")
    keypoints, confidence = np.repeat(pose, frames, 0), np.ones((frames, 18), np.float32)
    image = keypoints_to_onehot(keypoints, confidence, bins=bins)
    assert torch.equal(onehot_to_keypoints(image, method="path", body=body)[0], onehot_to_keypoints(image, method="argmax")[0])


def test_body_reads_batches_like_one_at_a_time():
    ref, dance = swaying_body()
    images = torch.stack([haunted_image(dance, "left_hip", 0.3, 0.5, slice(10, 50)), haunted_image(dance, "right_wrist", -0.3, 0.4, slice(5, 30))])
    batch, _ = onehot_to_keypoints(images, method="path", threshold=0.2, body=ref)
    for i in range(2): assert torch.equal(batch[i], onehot_to_keypoints(images[i], method="path", threshold=0.2, body=ref)[0])


@pytest.mark.parametrize("body, error, message", [
    (PoseSequence(np.full((1, 17, 2), 0.5), layout="coco17"), ValueError, "body is coco17 (17 keypoints) but the image has 18"),
    (np.zeros((1, 18, 2)), TypeError, "body must be a PoseSequence"),
    (PoseSequence(np.full((1, 18, 2), np.nan), layout="openpose18"), ValueError, "body has no limb with both ends visible"),
])
def test_a_bad_body_gives_a_one_line_error(body, error, message):
    with pytest.raises(error) as info: onehot_to_keypoints(torch.zeros(36, 16, 4), method="path", body=body)
    assert message in str(info.value) and "\n" not in str(info.value), str(info.value)
