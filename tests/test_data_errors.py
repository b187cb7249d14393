"""Error paths of music2pose.data (moved out of `nbs/07_data.ipynb`): a folder without a corpus index, an index whose
pose file is gone, windows that are not a whole number of music tokens, AIST++ without its music, repeated camera
views, and a folder that is not a Dance with Melody dance."""
import pickle

import numpy as np
import pytest

from music2pose.choreo import make_corpus
from music2pose.data import (DanceDataset, aistpp_dataset, aistpp_to_corpus, corpus_clips, read_corpus,
                             read_dance_with_melody)
from error_checks import raises


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    "Two songs with two dancers each (s0000_d1 ... s0001_d2), 4 s."
    root = tmp_path_factory.mktemp("data") / "corpus"
    make_corpus(root, n_clips=4, seconds=4.0, seed=0, dancers_per_song=2, progress=False)
    return root


@pytest.fixture(scope="module")
def aist(tmp_path_factory):
    "An AIST++ folder in the official layout with two stand-in sequences (one view, 16 frames) and no music."
    root = tmp_path_factory.mktemp("aist") / "aistpp"
    (root / "splits").mkdir(parents=True); (root / "keypoints2d").mkdir()
    names = ["gBR_sBM_cAll_d04_mBR0_ch01", "gBR_sBM_cAll_d04_mBR0_ch03"]
    rng = np.random.default_rng(0)
    for q in names:
        kp = np.concatenate([rng.uniform(400, 1500, (1, 16, 17, 2)), np.ones((1, 16, 17, 1))], -1).astype(np.float32)
        with open(root / "keypoints2d" / f"{q}.pkl", "wb") as f:
            pickle.dump({"keypoints2d": kp, "det_scores": np.ones((1, 16)), "timestamps": np.arange(16) * 16666.67}, f)
    (root / "splits" / "crossmodal_train.txt").write_text(names[0] + "\n")
    (root / "splits" / "crossmodal_val.txt").write_text("gHO_sBM_cAll_d19_mHO4_ch01\n")
    (root / "splits" / "crossmodal_test.txt").write_text(names[1] + "\n")
    return root


def test_read_corpus_names_what_is_missing(corpus):
    with raises(FileNotFoundError, "no corpus index"): read_corpus(corpus.parent)
    (corpus / "poses" / "s0001_d2.npz").rename(corpus.parent / "away.npz")
    try:
        with raises(FileNotFoundError, "s0001_d2.npz"): read_corpus(corpus)
    finally:
        (corpus.parent / "away.npz").rename(corpus / "poses" / "s0001_d2.npz")


def test_dataset_windows_are_whole_music_tokens(corpus):
    with raises(ValueError, "multiple of 8"): DanceDataset(corpus_clips(corpus), window_frames=100)


def test_aistpp_rejects_missing_music_and_repeated_views(aist, tmp_path):
    with raises(ValueError, "download_aistpp"): aistpp_dataset(aist, "test", music=True, progress=False)
    with raises(ValueError, "repeat"): aistpp_to_corpus(aist, tmp_path / "x", views=(0, 0))


def test_dance_with_melody_needs_its_folder(tmp_path):
    with raises(FileNotFoundError, "not a Dance with Melody folder"): read_dance_with_melody(tmp_path / "DANCE_W_99")
