"""music2pose.data on corpus folders (made by music2pose.choreo.make_corpus): broken indexes, splits, the feature
cache, windows and alignment edge cases."""
import dataclasses
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from hypothesis import given, settings, strategies as st

from music2pose.choreo import choreograph, make_corpus
from music2pose.data import (SPLITS, DanceClip, DanceDataset, RandomMirror, corpus_clips, corpus_dataset, read_corpus,
                             song_features, split_songs)
from music2pose.files import CORPUS_FORMAT
from music2pose.music import MusicFeatures
from music2pose.poses import OPENPOSE18, PoseSequence, save_npz
from music2pose.synth import Score, make_score

FPS, SR = 30, 22050


def small_corpus(root: Path, songs=4, dancers=2, seconds=10.0) -> Path:
    make_corpus(root, n_clips=songs * dancers, seconds=seconds, seed=0, dancers_per_song=dancers, progress=False)
    return root


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return small_corpus(tmp_path_factory.mktemp("corpus"))


# -- the index -------------------------------------------------------------------------------------------------

def test_bad_indexes(tmp_path, corpus):
    with pytest.raises(FileNotFoundError, match="no corpus index"):
        read_corpus(tmp_path)
    (tmp_path / "corpus.json").write_text("{not json")
    with pytest.raises(ValueError, match="corpus.json: not valid JSON"):
        read_corpus(tmp_path)
    (tmp_path / "corpus.json").write_text(json.dumps({"format": "other/2", "clips": []}))
    with pytest.raises(ValueError, match="format 'other/2'"):
        read_corpus(tmp_path)
    (tmp_path / "corpus.json").write_text(json.dumps({"format": CORPUS_FORMAT, "fps": FPS, "sr": SR, "clips": []}))
    with pytest.raises(ValueError, match="non-empty list"):
        read_corpus(tmp_path)
    (tmp_path / "corpus.json").write_text(json.dumps({"format": CORPUS_FORMAT, "fps": FPS, "sr": SR,
                                                      "clips": [{"id": "a", "song": "s"}]}))
    with pytest.raises(ValueError, match="clip #0 has no valid 'audio'"):
        read_corpus(tmp_path)
    index = json.loads((corpus / "corpus.json").read_text())
    (tmp_path / "corpus.json").write_text(json.dumps(index))
    with pytest.raises(FileNotFoundError, match="s0000.flac, which does not exist"):
        read_corpus(tmp_path)  # the index names files that are not in tmp_path
    copy = shutil.copytree(corpus, tmp_path / "copy", ignore=shutil.ignore_patterns("features"))
    index["clips"].append(dict(index["clips"][0]))
    (copy / "corpus.json").write_text(json.dumps(index))
    with pytest.raises(ValueError, match="clip id 's0000_d1' appears twice"):
        read_corpus(copy)


# -- splits ----------------------------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(songs=st.sets(st.text("abcdefgh0123456789", min_size=1, max_size=6), min_size=1, max_size=60),
       val=st.sampled_from([0.0, 0.1, 0.2]), test=st.sampled_from([0.0, 0.1, 0.3]))
def test_split_songs_properties(songs, val, test):
    fractions = (1 - val - test, val, test)
    a = split_songs(songs, fractions)
    assert set(a) == songs and set(a.values()) <= set(SPLITS)
    assert a == split_songs(sorted(songs, reverse=True), fractions)       # independent of order
    counts = {s: list(a.values()).count(s) for s in SPLITS}
    if len(songs) >= 3:
        assert (counts["val"] > 0) == (val > 0) and (counts["test"] > 0) == (test > 0)
    assert counts["train"] >= 1 or len(songs) < 3


def test_split_songs_bad_fractions():
    with pytest.raises(ValueError, match="summing to 1"):
        split_songs(["a"], (0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match="three non-negative"):
        split_songs(["a"], (0.9, 0.1))


def test_splits_are_by_song_and_overridable(corpus):
    parts = {s: corpus_clips(corpus, s) for s in SPLITS}
    songs = [{c.song for c in parts[s]} for s in SPLITS]
    assert not (songs[0] & songs[1]) and not (songs[0] & songs[2]) and not (songs[1] & songs[2])
    assert sum(map(len, parts.values())) == 8
    frozen = {"s0000": "test", "s0001": "train", "s0002": "train", "s0003": "val"}
    assert [c.id for c in corpus_clips(corpus, "test", splits=frozen)] == ["s0000_d1", "s0000_d2"]
    with pytest.raises(ValueError, match="does not place 1 songs"):
        corpus_clips(corpus, "train", splits={k: v for k, v in frozen.items() if k != "s0003"})
    with pytest.raises(ValueError, match="split must be one of"):
        corpus_clips(corpus, "training")


# -- feature cache ---------------------------------------------------------------------------------------------

def test_cache_is_per_song_atomic_and_invalidated_by_newer_audio(tmp_path):
    root = small_corpus(tmp_path / "c", songs=2, seconds=3.0)
    _, clips = read_corpus(root)
    calls = []
    def fn(clip, fps):
        calls.append(clip.song)
        return MusicFeatures.from_array(np.full((int(3 * fps), 2), len(calls), np.float32), fps)
    song_features(clips, FPS, root / "features", fn, tag="t", progress=False)
    assert calls == ["s0000", "s0001"]
    assert not [p for p in (root / "features").iterdir() if p.name.startswith(".")]  # no temp files left
    song_features(clips, FPS, root / "features", fn, tag="t", progress=False)
    assert len(calls) == 2
    later = time.time() + 5
    os.utime(root / "songs" / "s0001.flac", (later, later))                 # the song was re-rendered
    out = song_features(clips, FPS, root / "features", fn, tag="t", progress=False)
    assert calls == ["s0000", "s0001", "s0001"] and out["s0001"].features[0, 0] == 3
    song_features(clips, 15, root / "features", fn, tag="t", progress=False)  # another fps: its own files
    assert len(calls) == 5


def test_features_fn_must_return_features_at_fps(tmp_path):
    root = small_corpus(tmp_path / "c", songs=1, dancers=1, seconds=3.0)
    _, clips = read_corpus(root)
    with pytest.raises(ValueError, match="MusicFeatures at 30 fps"):
        song_features(clips, FPS, None, lambda c, fps: MusicFeatures.from_array(np.zeros((50, 2)), 60), progress=False)
    with pytest.raises(ValueError, match="MusicFeatures at 30 fps"):
        song_features(clips, FPS, None, lambda c, fps: np.zeros((50, 2)), progress=False)


def test_one_song_two_audio_files(tmp_path):
    a = DanceClip("x", "s", tmp_path / "p.npz", tmp_path / "a.flac")
    b = DanceClip("y", "s", tmp_path / "q.npz", tmp_path / "b.flac")
    with pytest.raises(ValueError, match="song s has two audio files"):
        song_features([a, b], FPS, progress=False)
    with pytest.raises(ValueError, match="clip x has no audio"):
        song_features([DanceClip("x", "s", tmp_path / "p.npz")], FPS, progress=False)


# -- windows ---------------------------------------------------------------------------------------------------

def _exact_fn(clip, fps):
    "Feature 0 = the frame index itself, so every music row says which frame it is."
    n = int(sf.info(clip.audio).duration * fps)
    return MusicFeatures.from_array(np.stack([np.arange(n), np.zeros(n)], 1).astype(np.float32), fps)


@pytest.mark.parametrize("window, hop", [(64, 64), (64, 13), (128, 40), (8, 3)])
def test_every_window_is_aligned(corpus, window, hop):
    ds = DanceDataset(corpus_clips(corpus), window, hop, features_fn=_exact_fn, tag="exact", progress=False)
    for i in range(len(ds)):
        it = ds[i]
        frames = it["music"].reshape(window, 2)[:, 0].numpy()
        np.testing.assert_array_equal(frames, np.arange(it["start"], it["start"] + window))
        poses = ds.poses[it["clip"]]
        np.testing.assert_array_equal(it["confidence"].numpy(), poses.confidence[it["start"]:it["start"] + window])


def test_window_counts_tail_and_crop(tmp_path):
    root = small_corpus(tmp_path / "c", songs=1, dancers=1, seconds=10.0)
    song = Score.load(root / "songs" / "s0000.json")
    longer = make_score(12.0, song.bpm, song.seed, sr=song.sr)  # the same tempo, 2 s longer
    save_npz(choreograph(longer, seed=1), root / "poses" / "s0000_d1.npz")  # the recording runs past the song's end
    clips = corpus_clips(root)
    ds = DanceDataset(clips, 64, 64, features_fn=_exact_fn, tag="exact", progress=False)
    assert len(ds.poses["s0000_d1"]) == 300                 # 12 s of poses cropped to the 10 s song
    assert len(ds) == 300 // 64                            # the 44-frame tail is dropped
    assert ds.index[-1, 1] == 256 - 64
    ends = DanceDataset(clips, 64, 64, features_fn=_exact_fn, tag="exact", cover_end=True, progress=False)
    assert len(ends) == len(ds) + 1 and ends.index[-1, 1] == 300 - 64
    poses_only = DanceDataset(clips, 64, 64, music=False, progress=False)
    assert len(poses_only.poses["s0000_d1"]) == 360 and "music" not in poses_only[0]
    with pytest.raises(ValueError, match="no clip is as long as one window"):
        DanceDataset(clips, 512, features_fn=_exact_fn, tag="exact", progress=False)
    short = [dataclasses.replace(c, id="short", song="short") for c in corpus_clips(small_corpus(tmp_path / "d", 1, 1, seconds=1.0))]
    short_and_long = DanceDataset(clips + short, 64, features_fn=_exact_fn, tag="exact", progress=False)
    assert short_and_long.skipped == ["short"] and len(short_and_long) == len(ds)


def test_item_types_and_missing_joints(corpus):
    ds = DanceDataset(corpus_clips(corpus, "train"), 64, features_fn=_exact_fn, tag="exact", progress=False)
    it = ds[0]
    assert it["keypoints"].dtype == torch.float32 and it["confidence"].dtype == torch.float32
    assert torch.isfinite(it["keypoints"]).all()          # missing joints are 0 with confidence 0, never NaN
    missing = it["confidence"] == 0                        # the corpus's estimator noise drops joints now and then
    assert missing.any() and (it["keypoints"][missing] == 0).all()
    frames = DanceDataset(corpus_clips(corpus, "train"), 64, features_fn=_exact_fn, tag="exact", music_format="frames",
                          progress=False)
    assert frames[0]["music"].shape == (64, 2)


def test_bad_dataset_arguments(corpus):
    clips = corpus_clips(corpus)
    with pytest.raises(ValueError, match="at least one clip"):
        DanceDataset([], progress=False)
    with pytest.raises(ValueError, match="multiple of 8"):
        DanceDataset(clips, 60, progress=False)
    with pytest.raises(ValueError, match="must be > 0"):
        DanceDataset(clips, 64, hop=0, progress=False)
    with pytest.raises(ValueError, match="music_format"):
        DanceDataset(clips, 64, music_format="wave", progress=False)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        RandomMirror(2)


def test_resampled_poses_and_mixed_layouts(tmp_path, corpus):
    clips = corpus_clips(corpus)
    ds = DanceDataset(clips[:1], 64, fps=15, features_fn=_exact_fn, tag="exact", progress=False)
    assert ds.fps == 15 and len(ds.poses[clips[0].id]) == 150
    coco = PoseSequence(np.full((300, 17, 2), 0.5), fps=FPS, layout="coco17").save(tmp_path / "coco.npz")
    mixed = clips[:1] + [DanceClip("coco", clips[0].song, coco, clips[0].audio)]
    with pytest.raises(ValueError, match="mix keypoint layouts"):
        DanceDataset(mixed, 64, music=False, progress=False)
    assert DanceDataset(mixed, 64, music=False, layout="coco17", progress=False)[0]["keypoints"].shape == (64, 17, 2)


def test_random_mirror_flips_about_half(corpus):
    torch.manual_seed(0)
    ds = DanceDataset(corpus_clips(corpus, "train"), 64, music=False, augment=RandomMirror(0.5), progress=False)
    plain = DanceDataset(corpus_clips(corpus, "train"), 64, music=False, progress=False)
    lw, rw = OPENPOSE18.index("left_wrist"), OPENPOSE18.index("right_wrist")
    seen = (plain[0]["confidence"][:, lw] > 0) & (plain[0]["confidence"][:, rw] > 0)  # missing joints stay 0
    flips = [bool(torch.allclose(ds[0]["keypoints"][seen, lw, 0], 1 - plain[0]["keypoints"][seen, rw, 0])) for _ in range(200)]
    assert 60 < sum(flips) < 140


def test_corpus_dataset_uses_corpus_fps_and_cache(corpus):
    ds = corpus_dataset(corpus, "train", window_frames=64, progress=False)
    assert ds.fps == FPS and (corpus / "features").is_dir()
    mean, std = ds.compute_music_stats()
    assert mean.shape == (35,) and (std > 0).all()
    with pytest.raises(ValueError, match="no music"):
        corpus_dataset(corpus, "train", window_frames=64, music=False, progress=False).compute_music_stats()
