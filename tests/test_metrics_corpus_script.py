"""benchmarks/corpus_metrics.py on a tiny fake corpus written in the music2pose.corpus/1 format."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from music2pose.poses import PoseSequence, save_npz

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "corpus_metrics.py"
STANDING = np.array([[.50, .18], [.51, .16], [.49, .16], [.52, .17], [.48, .17], [.55, .30], [.45, .30], [.58, .42],
                     [.42, .42], [.60, .52], [.40, .52], [.53, .55], [.47, .55], [.54, .70], [.46, .70], [.54, .85],
                     [.46, .85]])


def load_script():
    spec = importlib.util.spec_from_file_location("corpus_metrics", SCRIPT)
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod


def make_corpus(root: Path, fps=30, seconds=8.0):
    "Songs at 3 tempi, 2 dances each; every dance stops exactly on its song's beats (phase 0.1 s)."
    songs = {"s0001": 100.0, "s0002": 120.0, "s0003": 90.0}
    clips = []
    for n, (song, bpm) in enumerate(songs.items()):
        beats = 0.1 + np.arange(0, 40) * 60 / bpm
        (root / "songs").mkdir(parents=True, exist_ok=True)
        (root / "songs" / f"{song}.json").write_text(json.dumps(
            {"beat_times": beats.tolist(), "downbeat_times": beats[::4].tolist(), "sections": []}))
        for d in (1, 2):
            r = np.random.default_rng(10 * n + d)
            t = np.arange(int(seconds * fps)) / fps
            kp = STANDING[None] + np.cos(np.pi * (t - 0.1) * bpm / 60)[:, None, None] * r.normal(0, 0.02, (17, 2))
            seq = PoseSequence(kp, fps=fps, layout="coco17").to_layout("openpose18")
            cid = f"{song}_d{d}"
            save_npz(seq, root / "poses" / f"{cid}.npz")
            clips.append({"id": cid, "song": song, "audio": f"songs/{song}.flac", "poses": f"poses/{cid}.npz",
                          "seconds": seconds, "bpm": bpm, "seed": 10 * n + d})
    (root / "corpus.json").write_text(json.dumps({"format": "music2pose.corpus/1", "fps": fps, "sr": 22050, "clips": clips}))
    return root


def test_corpus_metrics_on_a_fake_corpus(tmp_path, capsys):
    mod = load_script()
    res = mod.main([str(make_corpus(tmp_path / "corpus"))])
    out = capsys.readouterr().out
    assert "own beats" in out and "time-shuffled" in out
    for conv in ("fact", "bailando"):
        assert res[f"bas_{conv}_own"].mean() > 0.85
        assert res[f"bas_{conv}_other"].mean() < res[f"bas_{conv}_own"].mean() - 0.3
    assert res["fid_k_shuffled"] > 10 * res["fid_k_halves"]
    if "fid_k_real_real" in res:  # the AIST++ files are there: real vs the (tiny, artificial) corpus
        assert np.isfinite([res["fid_k_real_real"], res["fid_k_real_synth"], res["fid_k_realboth_synth"]]).all()


def test_corpus_metrics_bad_corpus(tmp_path):
    mod = load_script()
    with pytest.raises(FileNotFoundError, match="no corpus index"): mod.main([str(tmp_path)])
    (tmp_path / "corpus.json").write_text(json.dumps({"format": "other/1", "clips": []}))
    with pytest.raises(ValueError, match="expected 'music2pose.corpus/1'"): mod.main([str(tmp_path)])
    root = make_corpus(tmp_path / "c2")
    (root / "songs" / "s0002.json").unlink()
    with pytest.raises(FileNotFoundError, match="no beat file for song 's0002'"): mod.main([str(root)])
