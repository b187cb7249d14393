"`music2pose evaluate` end to end: tiny synthetic corpora, the printed table and protocol, the JSON, and bad input (one line, exit 2, nothing written)."
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from music2pose.choreo import make_corpus
from music2pose.cli import main
from music2pose.poses import PoseSequence

ROOT = Path(__file__).resolve().parents[1]
SECONDS = 6.0   # 180 frames at 30 fps: one generation window, so no boundary


def evaluate(*args, timeout=600):
    "Run `python -m music2pose.cli evaluate ARGS` (what the console script calls) and return the CompletedProcess."
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "music2pose.cli", "evaluate", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=ROOT)


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    root = tmp_path_factory.mktemp("eval_corpora")
    make_corpus(root / "heldout", n_clips=3, seconds=SECONDS, seed=1, progress=False)
    make_corpus(root / "train", n_clips=3, seconds=SECONDS, seed=0, progress=False)
    return root / "heldout", root / "train"


def heldout_dances(heldout: Path) -> dict[str, PoseSequence]:
    index = json.loads((heldout / "corpus.json").read_text())
    return {c["id"]: PoseSequence.load(heldout / c["poses"]) for c in index["clips"]}


def test_baselines_table_and_json(corpora, tmp_path):
    heldout, train = corpora
    out = tmp_path / "eval.json"
    r = evaluate("--heldout", heldout, "--train", train, "--train-split", "all", "--json", out, "--seed", 3)
    assert r.returncode == 0, r.stderr
    assert "Protocol: 3 held-out clips of 'heldout'" in r.stdout and "at 30 fps" in r.stdout and "sigma 0.05 s" in r.stdout
    assert "held-out clips" in r.stderr   # the progress bar
    table = [line for line in r.stdout.splitlines() if line.startswith("| ")]
    assert [line.split(" | ")[0] for line in table] == ["| method", "| ground truth", "| random training clip", "| retrieval (music)"]
    result = json.loads(out.read_text())
    assert result["protocol"]["frames"] == 180 and result["protocol"]["fps"] == 30.0 and result["protocol"]["seed"] == 3
    assert result["protocol"]["boundaries"] == [] and result["protocol"]["steps"] is None
    assert result["description"] in r.stdout
    rows = result["methods"]
    assert list(rows) == ["ground truth", "random training clip", "retrieval (music)"]
    truth = rows["ground truth"]
    assert truth["fid_k"] == pytest.approx(0, abs=1e-6) and truth["fid_g"] == pytest.approx(0, abs=1e-6)
    assert truth["bas_fact_own"]["mean"] > truth["bas_fact_other"]["mean"]
    for row in rows.values():
        assert {"fid_k", "fid_g", "div_k", "bas_fact_own", "bas_fact_other", "bas_bailando_own", "bas_bailando_other",
                "tempo_lock", "tempo_lock_detuned", "jitter", "median_speed", "bone_cv"} <= set(row) and "disc_position" not in row
        assert all(np.isfinite(v["mean"] if isinstance(v, dict) else v) for v in row.values())
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]   # no temp litter


def test_model_row_and_boundaries(corpora, tmp_path):
    heldout, _ = corpora
    out = tmp_path / "eval.json"
    r = evaluate("--heldout", heldout, "--model", "default", "--clips", 2, "--steps", 1, "--frames", 120, "--json", out, "--no-progress", "--untidied")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""   # --no-progress
    result = json.loads(out.read_text())
    assert list(result["methods"]) == ["ground truth", "model shipped", "model shipped, not tidied"]   # no --train: no random or retrieval rows
    assert result["methods"]["model shipped"]["off_body"]["mean"] == 0
    assert result["protocol"]["steps"] == 1 and result["protocol"]["frames"] == 120 and result["protocol"]["real_clips"] == 2
    assert "1 Euler steps, guidance 2" in r.stdout


def test_dances_folder_scores_like_the_ground_truth(corpora, tmp_path):
    heldout, _ = corpora
    folder = tmp_path / "mine"
    for clip_id, dance in heldout_dances(heldout).items(): dance.resample(60).save(folder / f"{clip_id}.npz")   # any fps is resampled
    out = tmp_path / "eval.json"
    assert main(["evaluate", "--heldout", str(heldout), "--dances", str(folder), "--json", str(out), "--no-progress"]) == 0
    rows = json.loads(out.read_text())["methods"]
    assert list(rows) == ["ground truth", "dances mine"]
    assert rows["dances mine"]["fid_k"] < 0.05 * rows["ground truth"]["div_k"] ** 2   # tiny next to the real set's spread (resampling round trip)
    assert rows["dances mine"]["bas_fact_own"]["mean"] == pytest.approx(rows["ground truth"]["bas_fact_own"]["mean"], abs=0.1)


def _bad_dance_folder(heldout: Path, tmp: Path, damage: str) -> Path:
    folder = tmp / "bad"
    dances = heldout_dances(heldout)
    for clip_id, d in dances.items(): d.save(folder / f"{clip_id}.npz")
    victim = folder / f"{next(iter(dances))}.npz"
    d = dances[next(iter(dances))]
    if damage == "short": d[:40].save(victim)
    elif damage == "empty frame":
        conf = d.confidence.copy(); conf[10] = 0
        d.replace(confidence=conf).save(victim)
    elif damage == "nan":   # a coordinate NaN where the confidence says the joint was seen
        kp = d.keypoints.copy(); kp[5, 3] = np.nan
        np.savez(victim, keypoints=kp, confidence=np.ones_like(d.confidence), fps=d.fps, layout=d.layout, frame_size=np.array(d.frame_size))
    elif damage == "layout":   # 5 joints, but named openpose18
        np.savez(victim, keypoints=d.keypoints[:, :5], confidence=d.confidence[:, :5], fps=d.fps, layout=d.layout, frame_size=np.array(d.frame_size))
    elif damage == "missing": victim.unlink()
    return folder


@pytest.mark.parametrize("case, message", [
    ("missing heldout", "not a music2pose corpus folder"),
    ("missing train", "--train"),
    ("empty heldout", "'clips' must be a non-empty list"),
    ("not a generator", "not a trained generator folder"),
    ("json folder missing", "does not exist"),
    ("random without train", "need --train"),
    ("one clip", "--clips must be an integer >= 2, got 1; FID needs a covariance"),
    ("dance short", "40 frames at 30 fps, but 180 are scored"),
    ("dance empty frame", "1 frames have no visible joint (first: frame 10)"),
    ("dance nan", "not a readable pose file"),
    ("dance layout", "not a readable pose file"),
    ("dance missing", "name each dance after its held-out clip"),
])
def test_bad_input_one_line_exit_2(corpora, tmp_path, capfd, case, message):
    heldout, train = corpora
    out = tmp_path / "eval.json"
    args = ["evaluate", "--heldout", str(heldout), "--json", str(out), "--no-progress"]
    if case == "missing heldout": args[2] = str(tmp_path / "nowhere")
    elif case == "missing train": args += ["--train", str(tmp_path / "nowhere")]
    elif case == "empty heldout":
        empty = tmp_path / "empty"; empty.mkdir()
        (empty / "corpus.json").write_text(json.dumps({"format": "music2pose.corpus/1", "fps": 30, "sr": 22050, "clips": []}))
        args[2] = str(empty)
    elif case == "not a generator": args += ["--model", str(heldout)]
    elif case == "json folder missing": out = tmp_path / "no" / "eval.json"; args[4] = str(out)
    elif case == "random without train": args += ["--methods", "random"]
    elif case == "one clip": args += ["--clips", "1"]
    elif case.startswith("dance "): args += ["--dances", str(_bad_dance_folder(heldout, tmp_path, case[len("dance "):]))]
    assert main(args) == 2
    err = capfd.readouterr().err
    assert err.count("\n") == 1 and err.startswith("music2pose evaluate: error:") and message in err, err
    assert not out.exists()
    if out.parent.exists(): assert not list(out.parent.glob(f".{out.name}.*"))   # no temp file left either


def test_bad_input_in_a_process(corpora, tmp_path):
    r = evaluate("--heldout", tmp_path / "nowhere", "--json", tmp_path / "e.json")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "e.json").exists()
    r = evaluate("--heldout", corpora[0], "--frames", "x")
    assert r.returncode == 2 and "invalid int value" in r.stderr


def test_model_labels_name_the_run():
    "`music2pose train` writes RUN/model: tables name the run, or two runs' models would both read 'model model'."
    from music2pose.evaluate import _model_label
    assert _model_label("default") == "shipped"
    assert _model_label("/work/runs/s7-text/model") == "s7-text/model"
    assert _model_label("/work/runs/my_generator") == "my_generator"
