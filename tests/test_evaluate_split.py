"""`music2pose evaluate --heldout-split`: scoring the songs of a training corpus that `music2pose train` never saw."""
import json

from music2pose.choreo import make_corpus
from music2pose.data import corpus_clips
from music2pose.evaluate import load_heldout, main
from error_checks import raises


def test_heldout_split_keeps_only_the_unseen_songs(tmp_path, featured_corpus):
    root = tmp_path / "corpus"
    make_corpus(root, n_clips=20, seconds=3, seed=0, progress=False)   # 20 songs: 2 val, 2 test
    trained = {c.song for c in corpus_clips(root, "train")}
    for split in ("val", "test"):
        held = load_heldout(root, progress=False, split=split)
        assert [c.id for c in held.clips] == [c.id for c in corpus_clips(root, split)]
        assert held.clips and not {c.song for c in held.clips} & trained
    assert len(load_heldout(root, progress=False)) == 20          # no split: every clip, as before
    with raises(ValueError, "split must be one of 'val', 'test', got 'train'"): load_heldout(root, split="train", progress=False)
    with raises(ValueError, "its 'val' split is empty"): load_heldout(featured_corpus, split="val", progress=False)
    out = tmp_path / "scores.json"
    assert main(["--heldout", str(root), "--heldout-split", "test", "--methods", "truth", "--json", str(out), "--no-progress"]) == 0
    assert json.loads(out.read_text())["protocol"]["real_clips"] == 2
