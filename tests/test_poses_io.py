"""Bad and edge-case inputs for the pose readers, writers and `PoseSequence` (music2pose.poses).

The lesson (nbs/02_poses.ipynb) shows the happy paths; here every way a pose file can be wrong must give a
clear error that names the file, and the edge cases that are allowed must round-trip.
"""
import json
import pickle

import numpy as np
import pytest

from music2pose.poses import (PoseSequence, find_shared_data, load_aistpp_keypoints2d, load_npz, load_poses,
                              read_openpose_json, save_npz, write_openpose_json)


def _aist_dict(views=9, frames=6):
    rng = np.random.default_rng(0)
    kp = np.concatenate([rng.uniform(100, 900, (views, frames, 17, 2)), rng.uniform(.5, 1, (views, frames, 17, 1))], -1)
    return {"keypoints2d": kp.astype(np.float32), "det_scores": np.ones((views, frames)),
            "timestamps": np.arange(frames) * 16667}


def _pickle(path, obj):
    path.write_bytes(pickle.dumps(obj))
    return path


def _seq(frames=4, layout="openpose18", seed=0):
    rng = np.random.default_rng(seed)
    k = 18 if layout == "openpose18" else 17
    return PoseSequence(rng.uniform(.1, .9, (frames, k, 2)), rng.uniform(.5, 1, (frames, k)), fps=30, layout=layout,
                        frame_size=(640, 480))


def _openpose_doc(values=54, people=1, canvas=True):
    doc = {"version": 1.3, "people": [{"pose_keypoints_2d": [10.0] * values} for _ in range(people)]}
    if canvas: doc.update(canvas_width=640, canvas_height=480)
    return doc


def _json_folder(tmp_path, *docs):
    folder = tmp_path / "json"
    folder.mkdir()
    for i, doc in enumerate(docs):
        (folder / f"{i:012d}_keypoints.json").write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return folder


# --- missing files ---------------------------------------------------------------------------------

@pytest.mark.parametrize("reader", [load_poses, load_npz, load_aistpp_keypoints2d, read_openpose_json])
def test_missing_file_names_it(tmp_path, reader):
    path = tmp_path / "nowhere.pkl"
    with pytest.raises(FileNotFoundError, match="nowhere.pkl"): reader(path)


def test_unknown_suffix(tmp_path):
    (tmp_path / "poses.txt").write_text("hello")
    with pytest.raises(ValueError, match="unknown pose file type"): load_poses(tmp_path / "poses.txt")


# --- AIST++ pickles --------------------------------------------------------------------------------

def test_aistpp_loads_a_good_pickle(tmp_path):
    seq = load_aistpp_keypoints2d(_pickle(tmp_path / "good.pkl", _aist_dict()), view=3)
    assert (seq.layout, len(seq), seq.frame_size) == ("coco17", 6, (1920, 1080))
    assert seq.fps == pytest.approx(1e6 / 16667, abs=1e-3)


def test_truncated_pickle(tmp_path):
    path = _pickle(tmp_path / "cut.pkl", _aist_dict())
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match="cut.pkl.*not a readable pickle"): load_poses(path)


def test_text_file_as_pickle(tmp_path):
    path = tmp_path / "notes.pkl"
    path.write_text("these are not poses\n")
    with pytest.raises(ValueError, match="notes.pkl.*not a readable pickle"): load_aistpp_keypoints2d(path)


def test_empty_pickle_file(tmp_path):
    path = tmp_path / "empty.pkl"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.pkl"): load_aistpp_keypoints2d(path)


@pytest.mark.parametrize("obj, message", [
    ([1, 2, 3], "expected an AIST\\+\\+ keypoints2d dict.*got list"),
    ({"smpl_poses": np.zeros(3)}, "with key 'keypoints2d'.*smpl_poses"),
    ({"keypoints2d": np.zeros((9, 5, 18, 3))}, "shape \\(views, frames, 17, 3\\)"),
    ({"keypoints2d": np.zeros((5, 17, 3))}, "shape \\(views, frames, 17, 3\\)"),
    ({"keypoints2d": "not an array"}, "keypoints2d|could not convert"),
    ({"keypoints2d": [[1, 2], [3]]}, "inhomogeneous|sequence"),
])
def test_pickle_of_the_wrong_thing(tmp_path, obj, message):
    path = _pickle(tmp_path / "wrong.pkl", obj)
    with pytest.raises(ValueError, match=message) as e: load_aistpp_keypoints2d(path)
    assert "wrong.pkl" in str(e.value)


@pytest.mark.parametrize("view", [9, -1, 1.5])
def test_aistpp_view_out_of_range(tmp_path, view):
    path = _pickle(tmp_path / "views.pkl", _aist_dict())
    with pytest.raises(ValueError, match="views.pkl: view .* out of range; the file has 9 views"):
        load_aistpp_keypoints2d(path, view=view)


def test_aistpp_timestamps_not_increasing(tmp_path):
    d = _aist_dict(); d["timestamps"] = d["timestamps"][::-1]
    with pytest.raises(ValueError, match="back.pkl: timestamps are not increasing"):
        load_aistpp_keypoints2d(_pickle(tmp_path / "back.pkl", d))


def test_real_aistpp_file_loads():
    folder = find_shared_data("aistpp", "keypoints2d")
    if folder is None: pytest.skip("the shared AIST++ data is not on this machine")
    path = sorted(folder.glob("*.pkl"))[0]
    seq = load_poses(path)
    assert (seq.layout, seq.fps, seq.frame_size, seq.num_keypoints) == ("coco17", 60.0, (1920, 1080), 17)
    assert len(seq) > 100 and seq.visible.mean() > 0.9
    assert np.nanmin(seq.keypoints) > -0.5 and np.nanmax(seq.keypoints) < 1.5


# --- OpenPose JSON folders -------------------------------------------------------------------------

def test_openpose_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="empty: no OpenPose .json files"): read_openpose_json(tmp_path / "empty")


def test_openpose_invalid_json(tmp_path):
    folder = _json_folder(tmp_path, _openpose_doc(), '{"people": [')
    with pytest.raises(ValueError, match="000000000001_keypoints.json: not valid JSON"): read_openpose_json(folder)


@pytest.mark.parametrize("doc", [{"version": 1.3}, {"people": None}, [1, 2, 3], {"people": "nobody"}])
def test_openpose_no_people_list(tmp_path, doc):
    folder = _json_folder(tmp_path, doc)
    with pytest.raises(ValueError, match="000000000000_keypoints.json: not an OpenPose file"): read_openpose_json(folder)


def test_openpose_people_empty_everywhere(tmp_path):
    folder = _json_folder(tmp_path, _openpose_doc(people=0), _openpose_doc(people=0))
    with pytest.raises(ValueError, match="json: no file has a person 0.*allow_empty=True"): read_openpose_json(folder)
    seq = read_openpose_json(folder, allow_empty=True)
    assert len(seq) == 2 and not seq.visible.any()


def test_openpose_person_index_beyond_everyone(tmp_path):
    folder = _json_folder(tmp_path, _openpose_doc(people=1))
    with pytest.raises(ValueError, match="no file has a person 1"): read_openpose_json(folder, person=1)


@pytest.mark.parametrize("values", [0, 51, 57, 72])
def test_openpose_wrong_number_of_values(tmp_path, values):
    folder = _json_folder(tmp_path, _openpose_doc(values=values))
    with pytest.raises(ValueError, match=f"000000000000_keypoints.json: pose_keypoints_2d has {values} values"):
        read_openpose_json(folder)


def test_openpose_body25_is_read(tmp_path):
    flat = np.arange(75, dtype=float) + 1
    folder = _json_folder(tmp_path, {"people": [{"pose_keypoints_2d": flat.tolist()}], "canvas_width": 640,
                                     "canvas_height": 480})
    seq = read_openpose_json(folder)
    body25 = flat.reshape(25, 3)
    assert seq.to_pixels()[0, 8] == pytest.approx(body25[9, :2])  # BODY_25's MidHip (8) is skipped
    assert seq.to_pixels()[0, 17] == pytest.approx(body25[18, :2])


@pytest.mark.parametrize("doc, message", [
    ({"people": [{"pose_keypoints_2d": ["a"] * 54}], "canvas_width": 640, "canvas_height": 480}, "could not convert"),
    ({"people": [[1, 2, 3]], "canvas_width": 640, "canvas_height": 480}, "get"),
    ({"people": [{"pose_keypoints_2d": [1.0] * 54}], "canvas_width": 640}, "canvas_height"),
])
def test_openpose_malformed_contents_name_the_file(tmp_path, doc, message):
    folder = _json_folder(tmp_path, doc)
    with pytest.raises(ValueError, match=message) as e: read_openpose_json(folder)
    assert "000000000000_keypoints.json" in str(e.value)


def test_openpose_missing_canvas_size(tmp_path):
    folder = _json_folder(tmp_path, _openpose_doc(canvas=False))
    with pytest.raises(ValueError, match="do not say the image size; pass frame_size"): read_openpose_json(folder)
    assert read_openpose_json(folder, frame_size=(640, 480)).frame_size == (640, 480)


def test_openpose_write_refuses_to_overwrite(tmp_path):
    write_openpose_json(_seq(), tmp_path / "out")
    with pytest.raises(FileExistsError, match="overwrite=True"): write_openpose_json(_seq(), tmp_path / "out")
    write_openpose_json(_seq(seed=1), tmp_path / "out", overwrite=True)
    assert read_openpose_json(tmp_path / "out", fps=30).equals(_seq(seed=1), atol=1e-4)


# --- .npz --------------------------------------------------------------------------------------------

def test_npz_truncated(tmp_path):
    path = save_npz(_seq(), tmp_path / "cut.npz")
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(ValueError, match="cut.npz: cannot read pose .npz"): load_poses(path)


def test_npz_missing_keys(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, keypoints=np.zeros((2, 18, 2)))
    with pytest.raises(ValueError, match="other.npz: not a music2pose pose file \\(missing confidence, fps"):
        load_npz(path)


@pytest.mark.parametrize("change, message", [
    ({"keypoints": np.zeros((2, 17, 2))}, "keypoints must have shape"),
    ({"frame_size": np.array([640, 480, 3])}, "too many values"),
    ({"layout": np.array("smpl")}, "unknown keypoint layout"),
    ({"fps": np.array(-1.0)}, "fps must be"),
])
def test_npz_bad_contents_name_the_file(tmp_path, change, message):
    seq = _seq(frames=2)
    arrays = dict(keypoints=seq.keypoints, confidence=seq.confidence, fps=seq.fps, layout=seq.layout,
                  frame_size=np.array(seq.frame_size))
    path = tmp_path / "bad.npz"
    np.savez(path, **{**arrays, **change})
    with pytest.raises(ValueError, match=f"bad.npz: .*{message}"): load_npz(path)


# --- PoseSequence ------------------------------------------------------------------------------------

@pytest.mark.parametrize("keypoints, confidence, message", [
    (np.zeros((18, 2)), None, "shape \\(T, 18, 2\\)"),
    (np.zeros((3, 18, 3)), None, "shape \\(T, 18, 2\\)"),
    (np.zeros((3, 17, 2)), None, "shape \\(T, 18, 2\\)"),
    (np.zeros((3, 18, 2)), np.ones((3, 17)), "confidence must have shape \\(3, 18\\)"),
    (np.zeros((3, 18, 2)), np.ones(3), "confidence must have shape"),
    (np.zeros((3, 18, 2)), np.full((3, 18), np.nan), "confidence contains NaN"),
])
def test_pose_sequence_wrong_shapes(keypoints, confidence, message):
    with pytest.raises(ValueError, match=message): PoseSequence(keypoints, confidence)


def test_pose_sequence_non_numeric():
    with pytest.raises(TypeError, match="keypoints must be a numeric array"): PoseSequence([["a", "b"]] * 18)


def test_pose_sequence_nan_with_confidence():
    kp = np.full((2, 18, 2), .5); kp[1, 4, 1] = np.nan
    with pytest.raises(ValueError, match="non-zero confidence \\(first: frame 1, joint right_wrist\\)"):
        PoseSequence(kp, np.ones((2, 18)))
    kp[1, 4, 1] = np.inf
    with pytest.raises(ValueError, match="non-zero confidence"): PoseSequence(kp, np.ones((2, 18)))


def test_out_of_frame_coordinates_are_kept(tmp_path):
    # PoseSequence keeps coordinates outside [0, 1] (dancers leave the frame); only the one-hot image clips them.
    kp = np.full((2, 18, 2), .5); kp[0, 4] = (-0.2, 1.3); kp[1, 7] = (1.5, -0.1)
    seq = PoseSequence(kp, fps=30, frame_size=(640, 480))
    assert seq.keypoints[0, 4] == pytest.approx((-0.2, 1.3)) and seq.visible.all()
    assert load_npz(save_npz(seq, tmp_path / "out.npz")).equals(seq)
    write_openpose_json(seq, tmp_path / "json")
    assert read_openpose_json(tmp_path / "json", fps=30).equals(seq, atol=1e-4)


def test_all_missing_frames_round_trip(tmp_path):
    seq = _seq(frames=5)
    conf = seq.confidence.copy(); conf[[1, 3]] = 0
    holes = seq.replace(confidence=conf)
    assert not holes.visible[[1, 3]].any() and np.isnan(holes.keypoints[[1, 3]]).all()
    assert load_npz(save_npz(holes, tmp_path / "holes.npz")).equals(holes)
    write_openpose_json(holes, tmp_path / "json")
    back = read_openpose_json(tmp_path / "json", fps=30)
    assert back.equals(holes, atol=1e-4) and not back.visible[[1, 3]].any()


def test_entirely_missing_sequence_round_trips(tmp_path):
    nobody = PoseSequence(np.full((3, 18, 2), np.nan), np.zeros((3, 18)), fps=30, frame_size=(640, 480))
    assert load_npz(save_npz(nobody, tmp_path / "nobody.npz")).equals(nobody)
    write_openpose_json(nobody, tmp_path / "json")
    assert read_openpose_json(tmp_path / "json", fps=30, allow_empty=True).equals(nobody)


def test_int_index_out_of_range():
    seq = _seq(frames=4)
    assert seq[-4].equals(seq[0:1])
    for t in (4, -5):
        with pytest.raises(IndexError, match="out of range for a sequence of 4 frames"): seq[t]
