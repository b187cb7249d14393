"""The AIST++ adapter of music2pose.data: names, split files, the real keypoint files (when present), and the
downloader's unpacking on local zips (no network: `fetch` is replaced)."""
import pickle
import shutil
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
import soundfile as sf

from music2pose.data import (AISTPP_URLS, aistpp_bpm, aistpp_clips, aistpp_dataset, aistpp_music_id, download_aistpp,
                             read_aistpp_splits, unpack_aistpp_zip)
from music2pose.music import click_track
from music2pose.poses import find_shared_data

REAL = find_shared_data("aistpp", "keypoints2d")
SEQS = ["gBR_sBM_cAll_d04_mBR0_ch01", "gBR_sBM_cAll_d04_mBR0_ch03"]


def _fake_pkl(path, frames=300):
    rng = np.random.default_rng(len(path.name))
    kp = np.concatenate([rng.uniform(400, 1500, (9, frames, 17, 2)), np.ones((9, frames, 17, 1))], -1)
    with open(path, "wb") as f:
        pickle.dump({"keypoints2d": kp.astype(np.float32), "det_scores": np.ones((9, frames)),
                     "timestamps": np.arange(frames) * 1e6 / 60}, f)


@pytest.fixture
def aist(tmp_path):
    root = tmp_path / "aistpp"
    (root / "splits").mkdir(parents=True)
    (root / "keypoints2d").mkdir()
    for q in SEQS:
        if REAL is not None: shutil.copy(REAL / f"{q}.pkl", root / "keypoints2d" / f"{q}.pkl")
        else: _fake_pkl(root / "keypoints2d" / f"{q}.pkl", 720)
    (root / "splits" / "crossmodal_train.txt").write_text(f"{SEQS[0]}\ngWA_sBM_cAll_d25_mWA1_ch02\n\n")
    (root / "splits" / "crossmodal_val.txt").write_text("gWA_sBM_cAll_d25_mWA1_ch02\n")
    (root / "splits" / "crossmodal_test.txt").write_text(f"{SEQS[1]}\n")
    (root / "ignore_list.txt").write_text("gWA_sBM_cAll_d25_mWA1_ch02\n")  # at the annotation root, as AIST++ ships it
    return root


def test_names_and_tempo():
    assert aistpp_music_id("gBR_sBM_cAll_d04_mBR0_ch01") == "mBR0"
    assert aistpp_music_id("keypoints2d/gHO_sFM_cAll_d20_mHO5_ch13.pkl") == "mHO5"
    assert [aistpp_bpm(m) for m in ("mBR0", "mJB5", "mHO0", "mHO5")] == [80.0, 130.0, 110.0, 135.0]
    with pytest.raises(ValueError, match=r"not an AIST\+\+ sequence name"):
        aistpp_music_id("my_dance_video")
    with pytest.raises(ValueError, match=r"unknown AIST\+\+ music id"):
        aistpp_bpm("mXX1")


def test_split_files(aist):
    s = read_aistpp_splits(aist / "splits")
    assert s == {"train": [SEQS[0]], "val": [], "test": [SEQS[1]]}
    (aist / "splits" / "crossmodal_val.txt").unlink()
    with pytest.raises(FileNotFoundError, match="crossmodal_val.txt"):
        read_aistpp_splits(aist / "splits")


@pytest.mark.skipif(REAL is None, reason="needs the shared AIST++ keypoints")
def test_real_keypoints_poses_only(aist):
    ds = aistpp_dataset(aist, "train", progress=False)
    assert not ds.with_music and ds.fps == 60.0 and len(ds) == 720 // 256
    it = ds[1]
    assert it["keypoints"].shape == (256, 17, 2) and it["start"] == 256
    visible = it["confidence"] > 0
    xy = it["keypoints"][visible]
    assert ((xy > 0) & (xy < 1)).float().mean() > 0.95   # real detections inside the frame


def test_music_missing_is_a_clear_error(aist):
    with pytest.raises(ValueError, match="music=False"):
        aistpp_dataset(aist, "test", music=True, progress=False)
    (aist / "music").mkdir()
    with pytest.raises(FileNotFoundError, match="mBR0.wav.*download_aistpp"):
        aistpp_clips(aist, "test")
    assert aistpp_clips(aist, "test", music_dir=None)[0].audio is None


def test_with_music(aist):
    (aist / "music").mkdir()
    sf.write(aist / "music" / "mBR0.wav", click_track(80, 12.0, 22050)[0], 22050)
    ds = aistpp_dataset(aist, "test", fps=30, hop=64, progress=False)
    assert ds.with_music and ds[0]["music"].shape == (32, 280) and len(ds) == (360 - 256) // 64 + 1
    assert ds.clips[0].bpm == 80.0 and ds.music["mBR0"].tempo == pytest.approx(80, rel=0.05)
    assert (aist / "features" / "mBR0.baseline.30fps.npz").is_file()


def test_split_partly_present_warns_and_none_present_fails(aist):
    (aist / "splits" / "crossmodal_test.txt").write_text(f"{SEQS[1]}\ngPO_sBM_cAll_d10_mPO1_ch01\n")
    with pytest.warns(UserWarning, match="1 of 2 AIST\\+\\+ test sequences are not in"):
        assert len(aistpp_clips(aist, "test", music_dir=None)) == 1
    (aist / "splits" / "crossmodal_test.txt").write_text("gPO_sBM_cAll_d10_mPO1_ch01\n")
    with pytest.raises(ValueError, match="none of the 1 test sequences"):
        aistpp_clips(aist, "test", music_dir=None)
    assert len(aistpp_clips(aist, None, music_dir=None)) == 2
    with pytest.raises(FileNotFoundError, match="no AIST\\+\\+ keypoints2d"):
        aistpp_clips(aist / "splits")


# -- downloader (network replaced by local copies) -------------------------------------------------------------

@pytest.fixture
def server(tmp_path, aist):
    srv = tmp_path / "server"; srv.mkdir()
    with zipfile.ZipFile(srv / "fullset.zip", "w") as z:
        for q in SEQS: z.write(aist / "keypoints2d" / f"{q}.pkl", f"aist_plusplus_final/keypoints2d/{q}.pkl")
        for s in ("train", "val", "test"):
            z.write(aist / "splits" / f"crossmodal_{s}.txt", f"aist_plusplus_final/splits/crossmodal_{s}.txt")
        z.write(aist / "ignore_list.txt", "aist_plusplus_final/ignore_list.txt")
        z.writestr("aist_plusplus_final/keypoints3d/x.pkl", b"3d, not wanted")
        z.writestr("aist_plusplus_final/cameras/mapping.txt", b"not wanted")
    with zipfile.ZipFile(srv / "keypoints2d.zip", "w") as z:
        for q in SEQS: z.write(aist / "keypoints2d" / f"{q}.pkl", f"keypoints2d/{q}.pkl")
    sf.write(tmp_path / "mBR0.wav", click_track(80, 12.5, 22050)[0], 22050)
    with zipfile.ZipFile(srv / "wav.zip", "w") as z: z.write(tmp_path / "mBR0.wav", "wav/mBR0.wav")
    return srv


def _fetcher(srv, log):
    def fetch(url, path):
        log.append(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(srv / Path(urlparse(url).path).name, path)
    return fetch


def test_download_everything_then_resume(tmp_path, server):
    log = []
    dest = download_aistpp(tmp_path / "dl", fetch=_fetcher(server, log))
    assert log == [AISTPP_URLS["fullset"], AISTPP_URLS["music"]]
    assert sorted(p.name for p in (dest / "keypoints2d").iterdir()) == sorted(f"{q}.pkl" for q in SEQS)
    assert (dest / "splits" / "ignore_list.txt").is_file() and (dest / "music" / "mBR0.wav").is_file()
    assert not (dest / "keypoints3d").exists() and not (dest / "cameras").exists()
    before = (dest / "music" / "mBR0.wav").stat().st_mtime_ns
    download_aistpp(dest, fetch=_fetcher(server, log))
    assert len(log) == 2 and (dest / "music" / "mBR0.wav").stat().st_mtime_ns == before  # nothing fetched or rewritten
    (dest / "keypoints2d" / f"{SEQS[0]}.pkl").write_bytes(b"cut short")              # a damaged file is replaced
    assert unpack_aistpp_zip(dest / "downloads" / "fullset.zip", dest, {"keypoints2d"}) == 1
    ds = aistpp_dataset(dest, "test", fps=30, progress=False)
    assert ds.with_music and len(ds) == 1


def test_download_parts(tmp_path, server):
    log = []
    dest = download_aistpp(tmp_path / "kp", what=("keypoints2d",), fetch=_fetcher(server, log), keep_zips=False)
    assert log == [AISTPP_URLS["keypoints2d"]] and not (dest / "splits").exists()
    assert not (dest / "downloads" / "keypoints2d.zip").exists()
    with pytest.raises(ValueError, match="subset of"):
        download_aistpp(tmp_path / "x", what=("videos",), fetch=_fetcher(server, log))


def test_corrupt_or_wrong_zip(tmp_path, server):
    dl = tmp_path / "dl" / "downloads"; dl.mkdir(parents=True)
    (dl / "fullset.zip").write_bytes(b"PK\x03\x04 interrupted")       # not a zip: fetched again
    log = []
    download_aistpp(tmp_path / "dl", what=("splits",), fetch=_fetcher(server, log))
    assert log == [AISTPP_URLS["fullset"]]
    with pytest.raises(ValueError, match="has no music files"):
        unpack_aistpp_zip(server / "fullset.zip", tmp_path / "y", {"music"})
    (tmp_path / "bad.zip").write_bytes(b"nope")
    with pytest.raises(ValueError, match="bad.zip: not a readable zip"):
        unpack_aistpp_zip(tmp_path / "bad.zip", tmp_path / "y")
    def failing(url, path): raise OSError("network unreachable")
    with pytest.raises(OSError, match="unreachable"):
        download_aistpp(tmp_path / "z", what=("music",), fetch=failing)
    assert not (tmp_path / "z" / "downloads" / "wav.zip").exists()
