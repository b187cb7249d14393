"Property-based tests of the pose layer and the per-dance metrics: random lengths (0 and 1 frame included), missing joints, extreme coordinates."
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from music2pose.metrics import beat_align_score, body_positions, jitter, joint_speed, kinetic_features, motion_beats
from music2pose.poses import PoseSequence, load_npz, read_openpose_json, save_npz, write_openpose_json

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def pose_sequences(draw, min_frames=0, max_frames=40):
    "A PoseSequence of random length and layout; each joint missing with a random rate; coordinates inside, near or far outside the frame."
    T = draw(st.integers(min_frames, max_frames))
    layout = draw(st.sampled_from(["openpose18", "coco17"]))
    K = 18 if layout == "openpose18" else 17
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.sampled_from([1.0, 3.0, 1e4]))   # in the frame, around it, absurdly far
    kp = (rng.uniform(-0.5, 1.5, (T, K, 2)) * scale).astype(np.float32)
    seen = rng.random((T, K)) >= draw(st.sampled_from([0.0, 0.3, 0.9, 1.0]))
    conf = np.where(seen, rng.uniform(0.05, 1.0, (T, K)), 0).astype(np.float32)
    kp[~seen] = np.nan
    fps = draw(st.sampled_from([24.0, 30.0, 60.0]))
    return PoseSequence(kp, conf, fps=fps, layout=layout, frame_size=draw(st.sampled_from([(1920, 1080), (512, 768)])))


@SETTINGS
@given(seq=pose_sequences())
def test_npz_round_trip_is_exact(seq, tmp_path_factory):
    path = save_npz(seq, tmp_path_factory.mktemp("npz") / "d.npz")
    back = load_npz(path)
    assert back.equals(seq) and (back.fps, back.layout, tuple(back.frame_size)) == (seq.fps, seq.layout, tuple(seq.frame_size))
    np.testing.assert_array_equal(np.isnan(back.keypoints), np.isnan(seq.keypoints))


@SETTINGS
@given(seq=pose_sequences(min_frames=1))
def test_openpose_json_round_trip_keeps_pixels_and_missing_joints(seq, tmp_path_factory):
    folder = tmp_path_factory.mktemp("json") / "j"
    write_openpose_json(seq, folder)
    back = read_openpose_json(folder, fps=seq.fps, frame_size=seq.frame_size, allow_empty=True)   # all-missing is a valid dance here
    want = seq.to_layout("openpose18")   # OpenPose JSON holds OpenPose-18 (or BODY_25) bodies
    assert len(back) == len(want)
    np.testing.assert_array_equal(back.confidence > 0, want.confidence > 0)
    seen = want.confidence > 0
    px_back, px_want = back.to_pixels()[seen], want.to_pixels()[seen]
    np.testing.assert_allclose(px_back, px_want, rtol=1e-5, atol=0.01)   # JSON keeps pixels to a few decimals


@SETTINGS
@given(seq=pose_sequences(), a=st.integers(-50, 50), b=st.integers(-50, 50))
def test_slicing_behaves_like_python_lists(seq, a, b):
    part = seq[a:b]
    assert len(part) == len(range(len(seq))[a:b]) and part.fps == seq.fps
    assert part.equals(PoseSequence(seq.keypoints[a:b], seq.confidence[a:b], seq.fps, seq.layout, seq.frame_size))


@SETTINGS
@given(seq=pose_sequences(), fps=st.sampled_from([10.0, 30.0, 50.0]))
def test_resample_length_and_no_invented_joints(seq, fps):
    out = seq.resample(fps)
    assert out.fps == fps
    if len(seq) == 0: assert len(out) == 0                 # nothing in, nothing out
    else:
        assert abs(out.duration - seq.duration) <= 1 / fps + 1e-9
        never_seen = ~(seq.confidence > 0).any(0)
        assert not (out.confidence[:, never_seen] > 0).any()   # a joint never seen is never made up
        assert np.isfinite(out.keypoints[out.confidence > 0]).all()


@SETTINGS
@given(seq=pose_sequences())
def test_layout_conversion_round_trip(seq):
    other = "coco17" if seq.layout == "openpose18" else "openpose18"
    back = seq.to_layout(other).to_layout(seq.layout)
    if seq.layout == "coco17": assert back.equals(seq)       # coco17 -> openpose18 -> coco17 loses nothing
    else:   # openpose18's neck is the mean of the shoulders in coco17: every other joint survives
        keep = [k for k in range(18) if k != 1]
        np.testing.assert_array_equal(back.keypoints[:, keep], seq.keypoints[:, keep])


@SETTINGS
@given(seq=pose_sequences(), beats=st.lists(st.floats(0, 2, allow_nan=False), max_size=8))
def test_metrics_answer_or_refuse_clearly(seq, beats):
    "Every per-dance metric gives finite, in-range numbers (NaN where nothing is visible) or a ValueError that says why."
    def ok(fn, *args, **kw):
        try: return fn(*args, **kw)
        except ValueError as e:
            assert str(e) and "\n" not in str(e).strip(), repr(e)   # one line
            return None
    for fn in (body_positions, joint_speed, kinetic_features):
        out = ok(fn, seq)
        if out is not None: assert not np.isinf(np.asarray(out, dtype=float)).any(), fn.__name__
    j = ok(jitter, seq)
    if j is not None: assert np.isnan(j) or j >= 0
    mb = ok(motion_beats, seq)
    if mb is not None: assert np.all(np.diff(mb) > 0) and (len(mb) == 0 or (mb.min() >= 0 and mb.max() <= seq.duration))
    for convention in ("fact", "bailando"):
        s = ok(beat_align_score, seq, np.array(sorted(beats)), convention)
        if s is not None: assert np.isnan(s) or 0 <= s <= 1


@pytest.mark.parametrize("n", [0, 1])
def test_zero_and_one_frame_metrics_are_nan_or_clear_errors(n):
    seq = PoseSequence(np.full((n, 18, 2), 0.5, np.float32))
    for fn, says in ((jitter, "frame"), (lambda s: beat_align_score(s, np.array([0.0])), "")):
        try: v = fn(seq)
        except ValueError as e: assert says in str(e) and "\n" not in str(e), e
        else: assert np.isnan(v) or v == 0
