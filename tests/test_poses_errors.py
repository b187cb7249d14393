"""Error paths of music2pose.poses (moved out of `nbs/02_poses.ipynb`): unknown layouts, pose arrays and sequences that
break the `PoseSequence` rules, frames out of range, writes into a file that is not a folder, damaged or missing pose
files, OpenPose JSON folders that would be overwritten, bad arguments to the plots and the OpenPose rendering, and to
the repairs of a generated dance (fill_from_parents, keep_bones, smooth) and what they do with NaN-free edge cases."""
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from music2pose.poses import PoseSequence, convert_layout, get_layout, load_npz, load_poses, plot_frame_strip, plot_skeleton, write_openpose_json
from music2pose.files import atomic_write
from music2pose.render import render_openpose, render_openpose_frames
from error_checks import raises


@pytest.fixture(scope="module")
def real():
    "The notebook's stand-in for an AIST++ clip: a COCO-17 person swaying, 240 frames at 60 fps."
    t = np.arange(240) / 60
    base = np.array([[.5,.18],[.51,.16],[.49,.16],[.52,.17],[.48,.17],[.55,.3],[.45,.3],[.58,.42],[.42,.42],
                     [.6,.52],[.4,.52],[.53,.55],[.47,.55],[.54,.7],[.46,.7],[.54,.85],[.46,.85]])
    return PoseSequence(base[None] + 0.03*np.sin(2*np.pi*t)[:, None, None]*np.array([1, .2]), fps=60, layout="coco17")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_layouts_reject_unknown_names_and_shapes():
    with raises(ValueError, "unknown keypoint layout"): get_layout("smpl")
    rng = np.random.default_rng(0)
    kp17, c17 = rng.random((5, 17, 2)), rng.random((5, 17))
    with raises(ValueError, "expected keypoints"): convert_layout(kp17[:, :5], c17[:, :5], "coco17", "openpose18")


def test_pose_sequence_rejects_broken_arrays():
    rng = np.random.default_rng(0)
    T, K = 4, 18
    kp = rng.random((T, K, 2))
    with raises(ValueError, "shape (T, 18, 2)"): PoseSequence(kp[:, :17])
    bad = kp.copy(); bad[2, 5, 0] = np.nan
    with raises(ValueError, "non-zero confidence"): PoseSequence(bad, np.ones((T, K)))
    with raises(ValueError, "confidence must have shape"): PoseSequence(kp, np.ones((T, 17)))
    with raises(ValueError, "fps must be"): PoseSequence(kp, fps=0)
    seq = PoseSequence(rng.random((90, 18, 2)), fps=30)
    with raises(IndexError, "out of range"): seq[90]  # like numpy: a missing frame is an error, not an empty sequence


def test_files_fail_with_their_name(tmp_path):
    (tmp_path / "a.txt").write_text("complete")
    with raises(NotADirectoryError, "is a file, not a folder"): atomic_write(tmp_path / "a.txt" / "x").__enter__()
    seq = PoseSequence(np.random.default_rng(0).random((90, 18, 2)), fps=30)
    p = seq.save(tmp_path / "dance.npz")
    (tmp_path / "broken.npz").write_bytes(p.read_bytes()[:100])
    with raises(ValueError, "broken.npz"): load_npz(tmp_path / "broken.npz")
    with raises(FileNotFoundError, "no such pose file"): load_npz(tmp_path / "nope.npz")
    with raises(ValueError, "unknown pose file type"): load_poses(tmp_path / "a.txt")


def test_openpose_json_is_not_overwritten_by_accident(tmp_path, real):
    jdir = tmp_path / "json"
    write_openpose_json(real[:30], jdir)
    with raises(FileExistsError, "overwrite=True"): write_openpose_json(real[:3], jdir)


def test_plots_reject_bad_arguments(real):
    with raises(IndexError, "out of range"): plot_skeleton(real, len(real))
    with raises(ValueError, "K in [17, 18]"): plot_skeleton(np.zeros((5, 2)))
    with raises(ValueError, "limits must be"): plot_skeleton(real, limits="tight")
    with raises(ValueError, "no frames between"): plot_frame_strip(real, start=100)
    with raises(ValueError, "n must be"): plot_frame_strip(real, n=0)


def test_openpose_rendering_rejects_bad_arguments(real):
    with raises(IndexError, "out of range"): render_openpose(real, len(real))
    with raises(ValueError, "size must be"): render_openpose(real, size=0)
    with raises(ValueError, "size must be"): render_openpose(real, size=(512,))
    with raises(ValueError, "size must be"): render_openpose_frames(real, size=(-5, 10))
    with raises(TypeError, "must be a PoseSequence"): render_openpose(real.keypoints)


def test_repairs_reject_bad_arguments(real):
    o18 = real.to_layout("openpose18")
    with raises(ValueError, "sigma_s must be a positive number of seconds, got 0"): o18.smooth(0)
    with raises(ValueError, "sigma_s"): o18.smooth(float("nan"))
    with raises(ValueError, "slack"): o18.keep_bones(o18[:1], slack=-1)
    with raises(ValueError, "convert one with to_layout"): o18.keep_bones(real[:1])
    with raises(ValueError, "convert one with to_layout"): o18.fill_from_parents(real[:1])
    with raises(TypeError, "body must be a PoseSequence"): o18.keep_bones(np.zeros((1, 18, 2)))
    hidden = o18[:1].replace(confidence=np.zeros((1, 18)))
    with raises(ValueError, "no limb with both ends visible"): o18.keep_bones(hidden)


def test_repairs_of_edge_cases(real):
    o18 = real.to_layout("openpose18")
    empty = o18[:0]
    assert len(empty.fill_from_parents()) == 0 and len(empty.smooth(0.1)) == 0 and len(empty.keep_bones(o18[:1])) == 0
    one = o18[:1]
    assert one.smooth(0.1).equals(one, atol=1e-6)                           # one frame: nothing to average with
    nothing = o18.replace(confidence=np.zeros_like(o18.confidence))
    assert not nothing.fill_from_parents().visible.any()                    # no joint ever seen: nothing to fill from
    assert not nothing.smooth(0.1).visible.any()
    still = PoseSequence(np.repeat(o18.keypoints[:1], 30, 0), fps=30)
    assert still.smooth(0.5).equals(still, atol=1e-6)                       # a still pose stays put
    assert still.keep_bones(still[:1]).equals(still, atol=1e-6)             # a body within its own bones is not moved
