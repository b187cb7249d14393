"""Edge cases and bad input for music2pose.onehot, and the round trip on every view of the real AIST++ files."""
import numpy as np
import pytest
import torch

from music2pose.onehot import (keypoints_to_onehot, onehot_segments, onehot_to_keypoints, onehot_to_pose,
                               onehot_to_poses, pose_to_onehot, poses_to_onehot)
from music2pose.poses import PoseSequence, find_shared_data, load_aistpp_keypoints2d

RNG = np.random.default_rng(0)
KP, CONF = RNG.random((6, 18, 2)).astype(np.float32), RNG.random((6, 18)).astype(np.float32)


@pytest.mark.parametrize("call, message", [
    (lambda: keypoints_to_onehot(KP[..., 0], CONF), "(..., T, K, 2)"),
    (lambda: keypoints_to_onehot(KP[0], CONF[0]), "(..., T, K, 2)"),   # one frame without its frame axis
    (lambda: keypoints_to_onehot(KP, CONF.T), "confidence must have shape"),
    (lambda: keypoints_to_onehot(KP, CONF, bins=1), "bins must be an integer >= 2"),
    (lambda: keypoints_to_onehot(KP, CONF, bins=0), "bins must be an integer >= 2"),
    (lambda: keypoints_to_onehot(KP, CONF, bins=2.5), "bins must be an integer >= 2"),
    (lambda: keypoints_to_onehot(KP, CONF, bins=True), "bins must be an integer >= 2"),
    (lambda: keypoints_to_onehot(KP, CONF, value="hot"), "value must be one of"),
    (lambda: keypoints_to_onehot(np.where(np.arange(18)[:, None] == 3, np.nan, KP), np.ones((6, 18))),
     "NaN/inf but have non-zero confidence"),
    (lambda: keypoints_to_onehot(np.full((1, 1, 2), np.inf), np.ones((1, 1))), "NaN/inf but have non-zero confidence"),
    (lambda: keypoints_to_onehot(KP, np.full((6, 18), np.nan)), "confidence contains NaN"),
    (lambda: keypoints_to_onehot(np.zeros((4096, 18, 2)), bins=512), "onehot_segments"),
    (lambda: keypoints_to_onehot(KP, CONF, max_bytes=1000), "max_bytes=0 MiB"),
    (lambda: onehot_to_keypoints(torch.zeros(35, 64, 4)), "35 channels"),
    (lambda: onehot_to_keypoints(torch.zeros(64, 4)), "(..., 2K, bins, T)"),
    (lambda: onehot_to_keypoints(torch.zeros(36, 1, 4)), "at least 2"),
    (lambda: onehot_to_keypoints(torch.full((36, 8, 4), float("nan"))), "NaN/inf"),
    (lambda: onehot_to_keypoints(torch.zeros(36, 8, 4), method="median"), "method must be one of"),
    (lambda: onehot_to_keypoints(torch.zeros(36, 8, 4), window=1.5), "window must be"),
    (lambda: onehot_to_pose(torch.zeros(36, 8, 4), layout="coco17"), "layout coco17 has 17"),
    (lambda: onehot_to_pose(torch.zeros(2, 36, 8, 4)), "use onehot_to_poses"),
    (lambda: onehot_to_poses(torch.zeros(36, 8, 4)), "(B, 2K, bins, T)"),
    (lambda: poses_to_onehot([]), "at least one sequence"),
    (lambda: onehot_segments(PoseSequence(KP), window_frames=0), "window_frames must be"),
    (lambda: onehot_segments(PoseSequence(KP), window_frames=4, hop=0), "hop must be"),
    (lambda: onehot_segments(PoseSequence(KP), bins=1), "bins must be"),
])
def test_clear_errors(call, message):
    with pytest.raises(ValueError) as info: call()
    assert message in str(info.value), str(info.value)


@pytest.mark.parametrize("call, message", [
    (lambda: pose_to_onehot(KP), "use keypoints_to_onehot"),
    (lambda: poses_to_onehot([KP]), "list of PoseSequence"),
    (lambda: onehot_segments(KP), "takes a PoseSequence"),
    (lambda: keypoints_to_onehot([[["a", "b"]]]), "keypoints must be a numeric array"),
    (lambda: onehot_to_keypoints("image"), "image must be a numeric array"),
])
def test_type_errors(call, message):
    with pytest.raises(TypeError) as info: call()
    assert message in str(info.value)


def test_inputs_numpy_torch_and_float64_agree():
    reference = keypoints_to_onehot(KP, CONF, bins=64, value="confidence")
    for kp, conf in [(torch.from_numpy(KP), torch.from_numpy(CONF)), (KP.astype(np.float64), CONF.astype(np.float64)),
                     (KP.tolist(), CONF.tolist())]:
        assert torch.equal(keypoints_to_onehot(kp, conf, bins=64, value="confidence"), reference)


def test_confidence_is_clipped_and_zero_means_missing():
    conf = CONF.copy(); conf[0, 0] = 1.5; conf[0, 1] = -0.2; conf[0, 2] = 0
    image = keypoints_to_onehot(KP, conf, bins=32, value="confidence")
    assert image[0:2, :, 0].max() == 1.0
    assert image[2:6, :, 0].abs().sum() == 0  # negative confidence clips to 0 (missing), and 0 is missing


def test_xy_disagreement_takes_the_weaker_peak_and_threshold_is_strict():
    image = torch.zeros(2, 16, 1); image[0, 3, 0] = 0.8; image[1, 9, 0] = 0.3
    kp, conf = onehot_to_keypoints(image)
    assert conf.item() == pytest.approx(0.3) and kp[0, 0].tolist() == pytest.approx([3 / 15, 9 / 15])
    assert onehot_to_keypoints(image, threshold=0.3)[1].item() == 0        # not above the threshold: missing
    image[1, 9, 0] = 1.7                                                    # VAE overshoot: confidence clipped
    assert onehot_to_keypoints(image)[1].item() == pytest.approx(0.8)
    image[0, 3, 0] = 1.9
    assert onehot_to_keypoints(image)[1].item() == 1.0


def test_soft_argmax_window_at_the_border_and_negative_values():
    image = torch.zeros(2, 16, 1)
    image[0, 0, 0], image[0, 1, 0] = 1.0, 1.0          # ridge at the top border: the window must not wrap around
    image[1, 15, 0], image[1, 14, 0], image[1, 13, 0] = 1.0, -5.0, 0.5   # undershoot is ignored, not subtracted
    kp, _ = onehot_to_keypoints(image, window=3)
    assert kp[0, 0, 0].item() == pytest.approx(0.5 / 15)
    assert kp[0, 0, 1].item() == pytest.approx((15 * 1.0 + 13 * 0.5) / 1.5 / 15)


def test_segments_cover_the_sequence_with_overlap():
    seq = PoseSequence(RNG.random((70, 18, 2)))
    starts = [s for s, _ in onehot_segments(seq, window_frames=32, hop=24, bins=16)]
    assert starts == [0, 24, 48]
    for start, image in onehot_segments(seq, window_frames=32, hop=24, bins=16):
        assert torch.equal(image, pose_to_onehot(seq[start:start + 32], bins=16))
    assert [s for s, _ in onehot_segments(seq[:32], window_frames=32, bins=16)] == [0]   # an exact fit: one segment
    assert [img.shape[-1] for _, img in onehot_segments(seq[:1], window_frames=32, bins=16, pad=True)] == [32]


def test_empty_and_one_frame_sequences():
    for T in (0, 1):
        seq = PoseSequence(RNG.random((T, 18, 2)), fps=60)
        image = pose_to_onehot(seq, bins=8)
        assert image.shape == (36, 8, T)
        assert onehot_to_pose(image, fps=60).equals(seq, atol=0.5 / 7 + 1e-6)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_stays_on_the_gpu():
    kp, conf = torch.from_numpy(KP).cuda(), torch.from_numpy(CONF).cuda()
    image = keypoints_to_onehot(kp, conf, value="confidence")
    assert image.is_cuda
    back, conf_back = onehot_to_keypoints(image)
    assert back.is_cuda and conf_back.is_cuda
    assert torch.equal(image.cpu(), keypoints_to_onehot(KP, CONF, value="confidence"))
    assert torch.equal(conf_back, conf)
    assert torch.equal(pose_to_onehot(PoseSequence(KP, CONF), device="cuda").cpu(), image.cpu())


AIST = find_shared_data("aistpp", "keypoints2d")


@pytest.mark.skipif(AIST is None, reason="needs ../shared/data/aistpp/keypoints2d")
@pytest.mark.parametrize("bins", [512, 256])
def test_round_trip_on_every_view_of_the_real_files(bins):
    for path in sorted(AIST.glob("*.pkl")):
        for view in range(9):
            seq = load_aistpp_keypoints2d(path, view=view).to_layout("openpose18")
            for start, image in onehot_segments(seq, window_frames=256, bins=bins, value="confidence"):
                part = seq[start:start + 256]
                back = onehot_to_pose(image, fps=seq.fps, frame_size=seq.frame_size)
                assert back.equals(part.replace(keypoints=np.clip(part.keypoints, 0, 1)), atol=0.5 / (bins - 1) + 1e-6), \
                    f"{path.name} view {view} frames {start}+"
