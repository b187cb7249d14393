"""Error paths of music2pose.choreo (moved out of `nbs/06_choreo.ipynb`): key poses with a channel that does not exist,
a frame rate of 0, and a corpus index whose pose file is gone (named in the error)."""
import pytest

from music2pose.choreo import choreograph, key_pose, make_corpus
from music2pose.files import load_corpus
from music2pose.synth import make_score
from error_checks import raises


def test_dances_reject_unknown_channels_and_bad_fps():
    with raises(ValueError, "unknown pose channel"): key_pose(elbow=1)
    score = make_score(6, 112, seed=3)
    with raises(ValueError, "fps must be"): choreograph(score, seed=0, fps=0)


def test_load_corpus_names_a_missing_pose_file(tmp_path):
    corpus_dir = tmp_path / "corpus"
    make_corpus(corpus_dir, n_clips=3, seconds=4, seed=0, dancers_per_song=2, progress=False)
    (corpus_dir / "poses" / "s0001_d1.npz").unlink()
    with raises(FileNotFoundError, "s0001_d1.npz"): load_corpus(corpus_dir)
