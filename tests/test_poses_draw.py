"""Edge cases of the pose drawings: plots (music2pose.poses) and the OpenPose rendering (music2pose.render)."""
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from music2pose.poses import OPENPOSE18, PoseSequence, plot_frame_strip, plot_skeleton
from music2pose.render import OPENPOSE_COLORS, OPENPOSE_LIMB_DIM, render_openpose, render_openpose_frames

DIMMED = (OPENPOSE_COLORS * OPENPOSE_LIMB_DIM).astype(np.uint8)
ALLOWED = {tuple(c) for c in np.concatenate([OPENPOSE_COLORS, DIMMED, np.zeros((1, 3), np.uint8)])}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0, 1), st.sampled_from(["coco17", "openpose18"]),
       st.sampled_from([None, 96, (80, 120), (160, 90)]))
def test_render_uses_only_the_palette(seed, missing, layout, size):
    # coordinates partly off-canvas and random missing joints: always a valid image in the palette's colours
    rng = np.random.default_rng(seed)
    k = len(OPENPOSE18) - (layout == "coco17")
    conf = np.where(rng.random((1, k)) < missing, 0, rng.random((1, k)))
    seq = PoseSequence(rng.uniform(-0.3, 1.3, (1, k, 2)), conf, layout=layout, frame_size=(160, 120))
    img = render_openpose(seq, size=size)
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    assert {tuple(c) for c in np.unique(img.reshape(-1, 3), axis=0)} <= ALLOWED


def test_zero_length_limb_is_drawn_like_cv2():
    kp = np.full((1, 18, 2), np.nan); conf = np.zeros((1, 18))
    kp[0, [2, 3]] = 0.5; conf[0, [2, 3]] = 1  # right shoulder and elbow on the same spot
    img = render_openpose(PoseSequence(kp, conf, frame_size=(512, 512)), radius=1)
    assert (img[256 - 3, 256] == DIMMED[2]).all() and (img[256, 256 - 3] == 0).all()  # an upright bar, as cv2 draws


def test_render_frames_of_an_empty_sequence():
    empty = PoseSequence(np.zeros((0, 18, 2)), frame_size=(64, 64))
    assert list(render_openpose_frames(empty)) == []
    with pytest.raises(IndexError, match="out of range"): render_openpose(empty)


@pytest.mark.parametrize("kwargs, message", [
    (dict(conf_threshold=1.0), "conf_threshold must be"), (dict(conf_threshold=-0.1), "conf_threshold must be"),
    (dict(stickwidth=-2), "stickwidth must be"), (dict(radius=-1), "radius must be"),
    (dict(size=True), "size must be"), (dict(size=(64.5, 64)), "size must be"), (dict(size="512"), "size must be"),
])
def test_render_bad_arguments(kwargs, message):
    seq = PoseSequence(np.full((1, 18, 2), .5), frame_size=(64, 64))
    with pytest.raises(ValueError, match=message): render_openpose(seq, **kwargs)


def test_render_bad_frame_type():
    seq = PoseSequence(np.full((2, 18, 2), .5), frame_size=(64, 64))
    with pytest.raises(TypeError, match="frame must be an int"): render_openpose(seq, 1.0)


def test_plot_skeleton_pixels_and_threshold():
    rng = np.random.default_rng(0)
    conf = rng.uniform(0.1, 1, (1, 17))
    seq = PoseSequence(rng.uniform(.2, .8, (1, 17, 2)), conf, layout="coco17", frame_size=(640, 480))
    ax = plot_skeleton(seq, pixels=True, conf_threshold=0.5)
    assert ax.get_xlim() == (0, 640) and ax.get_ylim() == (480, 0)
    assert len(ax.collections[1].get_offsets()) == (conf > 0.5).sum()
    assert ax.get_aspect() == 1.0
    assert plot_skeleton(seq).get_aspect() == pytest.approx(480 / 640)  # square pixels in normalised coordinates


def test_plot_skeleton_all_missing_and_confidence_for_arrays():
    ax = plot_skeleton(np.full((18, 2), np.nan), limits="pose")  # nothing to fit: the whole frame
    assert ax.get_xlim() == (0, 1) and len(ax.collections[1].get_offsets()) == 0
    kp = np.full((18, 2), .5); c = np.ones(18); c[4] = 0
    assert len(plot_skeleton(kp, confidence=c).collections[1].get_offsets()) == 17


def test_frame_strip_times_and_type_errors():
    seq = PoseSequence(np.random.default_rng(0).uniform(.2, .8, (60, 18, 2)), fps=30, frame_size=(64, 64))
    fig = plot_frame_strip(seq, n=3, start=1.0)
    assert [ax.get_title() for ax in fig.axes] == ["1.00 s", "1.47 s", "1.97 s"]  # frames 30, 44, 59
    with pytest.raises(TypeError, match="must be a PoseSequence"): plot_frame_strip(seq.keypoints)
