"""`music2pose.data.aistpp_to_corpus` on the real AIST++ keypoint files (skipped when the shared data is absent),
with a synthetic song named after their music id: the corpus it writes, resuming, and bad inputs."""
import json
import pickle
import shutil

import numpy as np
import pytest

from music2pose.files import load_corpus
from music2pose.data import aistpp_to_corpus, corpus_clips, song_features
from music2pose.poses import OPENPOSE18, find_shared_data, load_aistpp_keypoints2d, load_npz
from music2pose.synth import make_score, synthesize, write_audio

REAL = find_shared_data("aistpp", "keypoints2d")
SEQS = ["gBR_sBM_cAll_d04_mBR0_ch01", "gBR_sBM_cAll_d04_mBR0_ch03"]
pytestmark = pytest.mark.skipif(REAL is None, reason="shared AIST++ keypoints2d not found")


@pytest.fixture
def aist(tmp_path):
    "An AIST++ folder: the two real sequences, split files, and a synthetic 80 BPM `mBR0.wav` (the real piece is 80 BPM)."
    root = tmp_path / "aistpp"
    (root / "keypoints2d").mkdir(parents=True)
    for q in SEQS: shutil.copy(REAL / f"{q}.pkl", root / "keypoints2d" / f"{q}.pkl")
    (root / "splits").mkdir()
    (root / "splits" / "crossmodal_train.txt").write_text(SEQS[0] + "\n")
    (root / "splits" / "crossmodal_val.txt").write_text(SEQS[1] + "\n")
    (root / "splits" / "crossmodal_test.txt").write_text(SEQS[1] + "\n")
    (root / "music").mkdir()
    score = make_score(12.5, 80, seed=0, sr=16000)
    write_audio(root / "music" / "mBR0.wav", synthesize(score), 16000)
    return root


def test_corpus_from_real_aistpp(aist, tmp_path):
    out = tmp_path / "corpus"
    index = aistpp_to_corpus(aist, out, views=(0, 8), progress=False)
    assert index == load_corpus(out)
    assert [c["id"] for c in index["clips"]] == [f"{q}_view{v}" for q in SEQS for v in (0, 8)]
    assert (index["fps"], index["sr"], index["views"], index["split"]) == (30, 16000, [0, 8], None)
    assert all(c["song"] == "mBR0" and c["bpm"] == 80.0 and c["audio"] == "songs/mBR0.wav" for c in index["clips"])
    assert sorted(p.name for p in (out / "songs").iterdir()) == ["mBR0.wav"]
    for clip in index["clips"]:
        seq = load_npz(out / clip["poses"])
        raw = load_aistpp_keypoints2d(aist / "keypoints2d" / f"{clip['sequence']}.pkl", view=clip["view"])
        assert (seq.layout, seq.fps, len(seq)) == ("openpose18", 30.0, 360)
        assert clip["seconds"] == pytest.approx(12.0)
        # every second 60 fps frame is a 30 fps frame; the neck is the mean of the shoulders
        op = raw.to_layout("openpose18")
        np.testing.assert_allclose(seq.keypoints[:100], op.keypoints[:200:2], atol=1e-5)
        neck = OPENPOSE18.index("neck")
        shoulders = [OPENPOSE18.index("left_shoulder"), OPENPOSE18.index("right_shoulder")]
        ok = seq.confidence[:, neck] > 0
        np.testing.assert_allclose(seq.keypoints[ok, neck], seq.keypoints[ok][:, shoulders].mean(1), atol=1e-5)
    # a different camera sees the same dance from elsewhere
    assert not np.allclose(load_npz(out / index["clips"][0]["poses"]).keypoints,
                           load_npz(out / index["clips"][1]["poses"]).keypoints, equal_nan=True)
    assert len(corpus_clips(out)) == 4


def test_official_split_and_other_fps(aist, tmp_path):
    index = aistpp_to_corpus(aist, tmp_path / "train", split="train", fps=20, progress=False)
    assert [c["sequence"] for c in index["clips"]] == [SEQS[0]]
    assert index["split"] == "train" and index["fps"] == 20
    assert len(load_npz(tmp_path / "train" / index["clips"][0]["poses"])) == 240


def test_resumes_and_repairs(aist, tmp_path):
    out = tmp_path / "corpus"
    aistpp_to_corpus(aist, out, progress=False)
    files = sorted(out.rglob("*.npz"))
    stamps = {p: p.stat().st_mtime_ns for p in files}
    files[0].write_bytes(b"truncated")                       # an interrupted or damaged file
    (out / "corpus.json").unlink()                           # the run died before its index
    index = aistpp_to_corpus(aist, out, progress=False)
    assert len(load_npz(files[0])) == 360
    assert files[1].stat().st_mtime_ns == stamps[files[1]]   # complete files are not written again
    assert json.loads((out / "corpus.json").read_text()) == index
    # a pose file at another frame rate is redone at the asked one
    index = aistpp_to_corpus(aist, out, fps=15, progress=False)
    assert all(load_npz(out / c["poses"]).fps == 15 for c in index["clips"])


def test_needs_the_music(aist, tmp_path):
    shutil.rmtree(aist / "music")
    with pytest.raises(FileNotFoundError, match="download_aistpp"):
        aistpp_to_corpus(aist, tmp_path / "c", progress=False)
    assert not (tmp_path / "c" / "corpus.json").exists()


def test_poses_only_corpus(aist, tmp_path):
    "music_dir=None: every clip's audio is null, no song is copied, and the corpus reads back with audio None."
    shutil.rmtree(aist / "music")
    out = tmp_path / "c"
    index = aistpp_to_corpus(aist, out, views=(0, 4), music_dir=None, progress=False)
    assert index == load_corpus(out) and len(index["clips"]) == 4
    assert all(c["audio"] is None for c in index["clips"]) and not (out / "songs").exists()
    assert all(c.audio is None and c.bpm == 80.0 for c in corpus_clips(out))
    with pytest.raises(ValueError, match="has no audio file"):   # a poses-only corpus has no music to compute features of
        song_features(corpus_clips(out), 30.0)


def test_missing_song_file(aist, tmp_path):
    (aist / "music" / "mBR0.wav").rename(aist / "music" / "mBR1.wav")
    with pytest.raises(FileNotFoundError, match="mBR0.wav"):
        aistpp_to_corpus(aist, tmp_path / "c", progress=False)


def test_unreadable_song(aist, tmp_path):
    (aist / "music" / "mBR0.wav").write_bytes(b"RIFF not really a wav file")
    with pytest.raises(ValueError, match="not a readable audio file"):
        aistpp_to_corpus(aist, tmp_path / "c", progress=False)


def test_damaged_keypoint_file(aist, tmp_path):
    (aist / "keypoints2d" / f"{SEQS[1]}.pkl").write_bytes(b"\x80\x04 broken")
    with pytest.raises(ValueError, match=SEQS[1]):
        aistpp_to_corpus(aist, tmp_path / "c", progress=False)


def test_wrong_keypoint_shape(aist, tmp_path):
    with open(aist / "keypoints2d" / f"{SEQS[0]}.pkl", "wb") as f:
        pickle.dump({"keypoints2d": np.zeros((9, 10, 18, 3), np.float32)}, f)
    with pytest.raises(ValueError, match="keypoints2d must have shape"):
        aistpp_to_corpus(aist, tmp_path / "c", progress=False)


@pytest.mark.parametrize("views, match", [((), "non-empty"), ((0, 0), "repeat"), ((-1,), "camera indices"),
                                          ((1.5,), "camera indices"), ((True,), "camera indices")])
def test_bad_views(aist, tmp_path, views, match):
    with pytest.raises(ValueError, match=match):
        aistpp_to_corpus(aist, tmp_path / "c", views=views, progress=False)


def test_view_out_of_range_names_the_file(aist, tmp_path):
    with pytest.raises(ValueError, match="view 9 out of range"):
        aistpp_to_corpus(aist, tmp_path / "c", views=(9,), progress=False)


@pytest.mark.parametrize("fps", [0, -30, float("nan"), float("inf"), "30"])
def test_bad_fps(aist, tmp_path, fps):
    with pytest.raises(ValueError, match="fps must be a positive number"):
        aistpp_to_corpus(aist, tmp_path / "c", fps=fps, progress=False)


def test_bad_split_and_folders(aist, tmp_path):
    with pytest.raises(ValueError, match="split must be one of"):
        aistpp_to_corpus(aist, tmp_path / "c", split="training", progress=False)
    with pytest.raises(ValueError, match="must be a new folder"):
        aistpp_to_corpus(aist, aist, progress=False)
    with pytest.raises(FileNotFoundError, match="no AIST\\+\\+ keypoints2d"):
        aistpp_to_corpus(tmp_path / "empty", tmp_path / "c", progress=False)
    shutil.rmtree(aist / "splits")
    with pytest.raises(FileNotFoundError, match="split file not found"):
        aistpp_to_corpus(aist, tmp_path / "c", split="test", progress=False)
