"""music2pose.raw: `music2pose train-raw` end to end on a tiny corpus, its bad inputs (one line, exit 2, nothing of the
user's overwritten), Ctrl-C in every phase of a run and a real SIGINT, each followed by a resume, the two kinds of
generator folder told apart, and `music2pose evaluate --model` on a raw-coordinate folder with the zero-music control."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ctrl_c
from music2pose.cli import main
from music2pose.pipeline import Music2PosePipeline
from music2pose.sample import default_generator_dir
from music2pose.raw import RAW_CHECKPOINT_FORMAT, RawPosePipeline, is_raw_generator
from music2pose.train import CHECKPOINT_FILE
from music2pose.files import load_checkpoint, save_checkpoint

REPO = Path(__file__).resolve().parents[1]


pytestmark = pytest.mark.usefixtures("one_thread")   # `one_thread` and `corpus` (4 clips of 9 s): tests/conftest.py


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    "Three steps of the tiny preset through the command line."
    out = tmp_path_factory.mktemp("raw_runs") / "tiny"
    assert main(["train-raw", "--corpus", str(corpus), "--out", str(out), "--preset", "tiny", "--steps", "3", "--split", "all",
                 "--no-progress"]) == 0
    return out


def run(capsys, *args):
    code = main(["train-raw", *map(str, args)])
    return code, capsys.readouterr().err


def one_line(err: str, message: str) -> bool:
    return err.count("\n") == 1 and err.startswith("music2pose train-raw: error:") and message in err


def test_the_run_writes_everything(trained):
    assert {p.name for p in trained.iterdir()} == {"checkpoint.pt", "loss.csv", "loss.png", "model"}
    ckpt = load_checkpoint(trained / CHECKPOINT_FILE, RAW_CHECKPOINT_FORMAT)
    assert ckpt["step"] == 3 and ckpt["settings"]["reference_conditioning"] is False and ckpt["settings"]["beat_phase"]
    info = json.loads((trained / "model" / "generation.json").read_text())
    assert info["format"] == "music2pose.raw_generator/1" and info["train_config"]["name"] == "tiny"
    assert is_raw_generator(trained / "model") and not is_raw_generator(default_generator_dir())


@pytest.mark.parametrize("case, message", [
    ("missing corpus", "--corpus"),
    ("generator as corpus", "not a music2pose corpus folder (no corpus.json)"),
    ("steps 0", "--steps must be an integer >= 1, got 0"),
    ("out is a file", "is a file, not a folder"),
])
def test_bad_input_one_line_exit_2(corpus, tmp_path, capsys, case, message):
    args = ["--corpus", corpus, "--out", tmp_path / "out", "--preset", "tiny", "--no-progress"]
    if case == "missing corpus": args[1] = tmp_path / "nowhere"
    elif case == "generator as corpus": args[1] = default_generator_dir()
    elif case == "steps 0": args += ["--steps", "0"]
    elif case == "out is a file": (tmp_path / "out").write_text("mine")
    code, err = run(capsys, *args)
    assert code == 2 and one_line(err, message), err
    if case == "out is a file": assert (tmp_path / "out").read_text() == "mine"
    else: assert not (tmp_path / "out").exists()


def test_bad_preset_is_a_usage_error(corpus, tmp_path, capsys):
    code, err = run(capsys, "--corpus", corpus, "--out", tmp_path / "out", "--preset", "full")
    assert code == 2 and "invalid choice: 'full'" in err and not (tmp_path / "out").exists()


@pytest.mark.parametrize("resume", ["--resume", "--no-resume"])
def test_a_one_hot_run_is_never_overwritten(corpus, tmp_path, capsys, resume):
    run_dir = tmp_path / "onehot_run"
    save_checkpoint(run_dir / CHECKPOINT_FILE, "music2pose.train/1", step=7)
    (run_dir / "loss.csv").write_text("step,loss\n1,1.0\n")
    before = {p.name: p.read_bytes() for p in run_dir.iterdir()}
    code, err = run(capsys, "--corpus", corpus, "--out", run_dir, "--preset", "tiny", "--steps", "2", "--split", "all", "--no-progress", resume)
    assert code == 2 and one_line(err, "another kind of run (format 'music2pose.train/1')"), err
    assert {p.name: p.read_bytes() for p in run_dir.iterdir()} == before


def test_damaged_checkpoint_and_other_config(trained, corpus, tmp_path, capsys):
    run_dir = tmp_path / "run"; run_dir.mkdir()
    (run_dir / CHECKPOINT_FILE).write_bytes((trained / CHECKPOINT_FILE).read_bytes()[:500])
    args = ["--corpus", corpus, "--out", run_dir, "--preset", "tiny", "--split", "all", "--no-progress"]
    code, err = run(capsys, *args, "--steps", "4")
    assert code == 2 and one_line(err, "damaged"), err
    code, _ = run(capsys, *args, "--steps", "2", "--no-resume")   # starting over replaces a damaged checkpoint
    assert code == 0 and load_checkpoint(run_dir / CHECKPOINT_FILE)["step"] == 2
    code, err = run(capsys, *args, "--steps", "4", "--preset", "small")
    assert code == 2 and one_line(err, "checkpoint from another config"), err
    assert load_checkpoint(run_dir / CHECKPOINT_FILE)["step"] == 2


def test_the_two_kinds_of_generator_folder_are_told_apart(trained, corpus, tmp_path, capfd):
    with pytest.raises(ValueError, match="a one-hot generator .* load it with Music2PosePipeline"):
        RawPosePipeline.from_pretrained(default_generator_dir())
    with pytest.raises(ValueError, match="music2pose.raw_generator/1"): Music2PosePipeline.from_pretrained(trained / "model")
    with pytest.raises(FileNotFoundError, match="not a trained generator folder"): RawPosePipeline.from_pretrained(trained)
    code = main(["generate", str(corpus / "songs" / "s0000.flac"), "-o", str(tmp_path / "dance"), "--model", str(trained / "model"), "-q"])
    err = capfd.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "music2pose.raw_generator/1" in err and not (tmp_path / "dance").exists()


def test_evaluate_a_raw_model_with_the_zero_music_control(trained, corpus, tmp_path, capsys):
    out = tmp_path / "eval.json"
    assert main(["evaluate", "--heldout", str(corpus), "--model", str(trained / "model"), "--model", "default", "--zero-music",
                 "--clips", "2", "--frames", "120", "--steps", "1", "--json", str(out), "--no-progress"]) == 0
    rows = json.loads(out.read_text())["methods"]
    assert list(rows) == ["ground truth", "model tiny/model", "model tiny/model, music zeroed", "model shipped", "model shipped, music zeroed"]
    assert all(row["jitter"]["mean"] > 0 for row in rows.values())
    assert "tiny/model" in capsys.readouterr().out


def test_interrupted_run_exits_130_and_resumes(corpus, tmp_path, capsys):
    """A real SIGINT to a running `music2pose train-raw` once its first checkpoint is there: one line, exit code 130, and
    the same command continues from the checkpoint."""
    out = tmp_path / "run"
    args = ["--corpus", str(corpus), "--out", str(out), "--preset", "tiny", "--split", "all", "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "music2pose.cli", "train-raw", *args, "--steps", "100000"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        hang_guard = time.time() + 600   # only stops a broken run; the test waits for the checkpoint file
        while not (out / CHECKPOINT_FILE).exists() and proc.poll() is None and time.time() < hang_guard: time.sleep(0.05)
        assert proc.poll() is None and (out / CHECKPOINT_FILE).exists(), proc.poll()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None: proc.kill(); proc.wait()
    ctrl_c.assert_interrupted(proc.returncode, err, "train-raw")
    at_stop = load_checkpoint(out / CHECKPOINT_FILE)["step"]
    assert at_stop >= 20 and not (out / "model").exists()
    code, err = run(capsys, *args, "--steps", at_stop + 20)
    assert code == 0, err
    ckpt = load_checkpoint(out / CHECKPOINT_FILE)
    assert ckpt["step"] == at_stop + 20 and len(ckpt["history"]) == at_stop + 20
    assert RawPosePipeline.from_pretrained(out / "model").model.config.hidden_size == 32


@pytest.mark.parametrize("phase", ["music features", "a training step", "writing a checkpoint"])
def test_ctrl_c_in_every_phase_exits_130_and_resumes(phase, trained, corpus, tmp_path, capsys, monkeypatch):
    """Ctrl-C (KeyboardInterrupt where SIGINT raises it) while the music features are computed, in the middle of a step
    and in the middle of a checkpoint write: one line, exit code 130, nothing torn, and the same command finishes."""
    import music2pose.raw as raw
    out, kept = tmp_path / "run", None
    if phase == "music features": corpus = shutil.copytree(corpus, tmp_path / "corpus", ignore=shutil.ignore_patterns("features"))
    else: shutil.copytree(trained, out, ignore=shutil.ignore_patterns("model", "loss.png")); kept = 3   # stopped after step 3
    patch = {"music features": ("song_features", ctrl_c.features_then_ctrl_c(raw.song_features)),
             "a training step": ("raw_flow_loss", ctrl_c.ctrl_c_in_call(raw.raw_flow_loss, 2)),
             "writing a checkpoint": ("save_checkpoint", ctrl_c.ctrl_c_while_saving)}[phase]
    args = ["--corpus", corpus, "--out", out, "--preset", "tiny", "--steps", 5, "--split", "all", "--no-progress"]
    ctrl_c.interrupt_then_finish(monkeypatch, raw, patch, lambda *a: run(capsys, *a), args, out, kept, "train-raw", 5, trained)
