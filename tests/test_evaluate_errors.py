"""Error paths of music2pose.evaluate (moved out of `nbs/19_evaluate.ipynb`): protocols with a bad beat tolerance or an
unknown BAS convention, held-out sets asked for more frames than their clips have, fewer than two clips or from a folder
without a corpus, and dances that cannot be scored (a frame without a visible joint, too short, a missing file)."""
import numpy as np
import pytest

from music2pose.evaluate import EvalProtocol, check_dance, load_dances, load_heldout
from error_checks import raises


@pytest.fixture(scope="module")
def heldout(featured_corpus):
    "Three clips of 9 s (two songs) as the held-out set."
    return load_heldout(featured_corpus, progress=False)


def test_protocol_rejects_bad_settings():
    with raises(ValueError, "positive number of seconds"):
        EvalProtocol(fps=30, frames=256, real_name="x", real_clips=2, sigma_s=0)
    with raises(ValueError, "conventions"):
        EvalProtocol(fps=30, frames=256, real_name="x", real_clips=2, conventions=("edge",))


def test_load_heldout_rejects_what_cannot_be_scored(featured_corpus, tmp_path):
    with raises(ValueError, "fewer than the 10000 frames"): load_heldout(featured_corpus, frames=10_000, progress=False)
    with raises(ValueError, "at least 2 clips"): load_heldout(featured_corpus, n_clips=1, progress=False)
    with raises(FileNotFoundError, "no corpus index"): load_heldout(tmp_path / "nowhere", progress=False)


def test_dances_that_cannot_be_scored_are_named(heldout, tmp_path):
    dances = heldout.dances   # any dances of the protocol's length
    broken = dances[0].replace(confidence=np.where(np.arange(len(dances[0]))[:, None] == 7, 0, dances[0].confidence))
    with raises(ValueError, "x.npz: 1 frames have no visible joint (first: frame 7)"): check_dance(broken, heldout, "x.npz")
    with raises(ValueError, "y.npz: 50 frames"): check_dance(dances[0][:50], heldout, "y.npz")
    dances_dir = tmp_path / "dances"
    for clip, d in zip(heldout.clips, dances): d.save(dances_dir / f"{clip.id}.npz")
    (dances_dir / f"{heldout.clips[1].id}.npz").unlink()
    with raises(FileNotFoundError, f"no {heldout.clips[1].id}.npz"): load_dances(dances_dir, heldout, progress=False)
