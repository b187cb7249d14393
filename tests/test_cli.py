"""The `music2pose` command end to end, as a user runs it: a separate process, real files, exit codes, kills. Checks of
what `main` (the console script's function) answers, bad input above all, run in this process: each new Python
spends seconds importing torch."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from music2pose.cli import main
from music2pose.poses import PoseSequence, find_shared_data
from music2pose.render import media_info

ROOT = Path(__file__).resolve().parents[1]
SONG = ROOT / "data_samples" / "music" / "song_100to140bpm_30s.flac"
QUICK = ["--steps", "1", "-q"]


def cli(*args, timeout=600, **kwargs):
    "Run `python -m music2pose.cli ARGS` (what the console script calls) and return the CompletedProcess."
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "music2pose.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT, **kwargs)


def test_console_script_is_declared():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'music2pose = "music2pose.cli:console_main"' in text


def test_the_executable_leaves_with_its_output_and_exit_code(tmp_path):
    # console_main leaves through os._exit: what was printed must still arrive, and the exit code must be main's
    out = tmp_path / "out"
    r = cli("generate", SONG, "-o", out, "--seconds", 2, "--no-video", *QUICK)
    assert r.returncode == 0 and "2.0 s of dance" in r.stdout, (r.returncode, r.stdout, r.stderr)
    r = cli("generate", tmp_path / "missing.wav", "-o", tmp_path / "other")
    assert r.returncode == 2 and "missing.wav: no such audio file" in r.stderr, (r.returncode, r.stderr)


def test_a_profiled_command_leaves_the_usual_way(tmp_path):
    # under cProfile (or coverage) the executable exits normally, so the profiler can write what it measured
    profile = tmp_path / "cli.prof"
    r = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "music2pose.cli", "render",
                        str(tmp_path / "missing.npz"), "-o", str(tmp_path / "dance.mp4")], capture_output=True, text=True, cwd=ROOT)
    assert "missing.npz" in r.stderr, r.stderr
    assert profile.is_file() and profile.stat().st_size > 0


def test_generate_writes_every_output(tmp_path):
    out = tmp_path / "out"
    r = cli("generate", SONG, "-o", out, "--seconds", 4, "--frames", "--style", "openpose", *QUICK)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["dance.json", "dance.mp4", "frames", "json", "poses.npz"]
    poses = PoseSequence.load(out / "poses.npz")
    assert len(poses) == 120 and poses.layout == "openpose18"
    assert len(list((out / "json").glob("*_keypoints.json"))) == 120
    assert len(list((out / "frames").glob("*.png"))) == 120
    info = media_info(out / "dance.mp4")
    assert info["audio"] and abs(info["seconds"] - 4.0) < 0.15, info
    dance = json.loads((out / "dance.json").read_text())
    assert dance["frames"] == 120 and dance["settings"]["steps"] == 1 and len(dance["beat_times"]) >= 5
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]   # no temp litter


def test_same_seed_same_dance_other_fps(tmp_path, capsys):
    "In this process (the same seed in another process: test_faults.py)."
    a, b, c = (main(["generate", str(SONG), "-o", str(tmp_path / name), "--seconds", "3", "--no-video", *QUICK, *extra])
               for name, extra in (("a", []), ("b", []), ("c", ["--fps", "24", "--seed", "5"])))
    assert a == b == c == 0, capsys.readouterr().err
    pa, pb, pc = (PoseSequence.load(tmp_path / n / "poses.npz") for n in "abc")
    assert pa.equals(pb) and pc.fps == 24 and len(pc) == 72
    assert main(["generate", str(SONG), "-o", str(tmp_path / "raw"), "--seconds", "3", "--no-video", "--no-tidy", *QUICK]) == 0
    untidied = PoseSequence.load(tmp_path / "raw" / "poses.npz")
    assert pa.visible.all() and not pa.equals(untidied)                    # tidied by default: every joint, smoothed


def test_reused_memory_same_dance(tmp_path):
    "The executable reuses freed memory (`reuse_freed_memory`); the dance is the same bits as `main`'s without it."
    import platform
    probe = subprocess.run([sys.executable, "-c", "from music2pose.cli import reuse_freed_memory; print(reuse_freed_memory())"],
                           capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == str(platform.system() == "Linux" and platform.libc_ver()[0] == "glibc")
    args = ["generate", str(SONG), "--seconds", "12", "--no-video", "--steps", "2", "-q"]   # two windows, two chunks
    r = cli(*args, "-o", tmp_path / "executable")
    assert r.returncode == 0, r.stderr
    # `main` in a process of its own with the same threads (their number changes the music features' sums), glibc's defaults
    plain = subprocess.run([sys.executable, "-c", "import sys; from music2pose.cli import main; sys.exit(main(sys.argv[1:]))",
                            *args, "-o", str(tmp_path / "plain")], capture_output=True, text=True, cwd=ROOT,
                           env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=600)
    assert plain.returncode == 0, plain.stderr
    a, b = (PoseSequence.load(tmp_path / name / "poses.npz") for name in ("executable", "plain"))
    assert a.equals(b)


@pytest.mark.parametrize("args, message", [
    (["generate"], "the following arguments are required"),
    (["generate", "missing.wav", "-o", "{tmp}/o"], "no such audio file"),
    (["generate", "README.md", "-o", "{tmp}/o"], "not a readable audio file"),
    (["generate", str(SONG), "-o", "{tmp}/o", "--seconds", "-3"], "must be > 0"),
    (["generate", str(SONG), "-o", "{tmp}/o", "--guidance", "x"], "is not a float"),
    (["generate", str(SONG), "-o", "{tmp}/o", "--reference", "README.md"], "README.md"),
    (["generate", str(SONG), "-o", "{tmp}/o", "--model", "data_samples"], "not a trained generator folder"),
    (["generate", str(SONG), "-o", "{tmp}/o", "--device", "tpu9"], "--device"),
    (["render", "{tmp}/none.npz", "-o", "{tmp}/v.mp4"], "no such pose file"),
    (["render", "data_samples/corpus/poses/s0000_d1.npz", "-o", "{tmp}/v.mp4", "--audio", "{tmp}/none.wav"], "no such audio file"),
    (["render", "data_samples/corpus/poses/s0000_d1.npz", "-o", "{tmp}/v.avi"], ".mp4"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_one_line_exit_2(tmp_path, args, message, capsys, monkeypatch):
    "In this process (`main` is what the console script calls): starting a Python for each case costs seconds of imports."
    monkeypatch.chdir(ROOT)
    code = main([a.format(tmp=tmp_path) for a in args])
    err = capsys.readouterr().err
    assert code == 2, (code, err)
    assert message in err and "Traceback" not in err, err
    assert not (tmp_path / "o").exists() and not (tmp_path / "v.mp4").exists()


def test_bad_input_exit_code_reaches_the_shell(tmp_path):
    "The same through a real process: the exit code and the one line."
    r = cli("generate", tmp_path / "missing.wav", "-o", tmp_path / "o")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "no such audio file" in r.stderr, r.stderr


def test_existing_output_is_kept(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "precious.txt").write_text("do not lose me")
    assert main(["generate", str(SONG), "-o", str(out), "--seconds", "2", *QUICK]) == 2 and "--overwrite" in capsys.readouterr().err
    assert (out / "precious.txt").read_text() == "do not lose me"
    video = tmp_path / "v.mp4"
    video.write_bytes(b"old video")
    assert main(["render", str(ROOT / "data_samples/corpus/poses/s0000_d1.npz"), "-o", str(video), "-q"]) == 2
    assert "overwrite" in capsys.readouterr().err and video.read_bytes() == b"old video"
    file_out = tmp_path / "file"
    file_out.write_text("x")
    assert main(["generate", str(SONG), "-o", str(file_out), "--seconds", "2", *QUICK]) == 2 and file_out.read_text() == "x"


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_parent(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir(); ro.chmod(0o555)
    try:
        r = cli("generate", SONG, "-o", ro / "out", "--seconds", 2, *QUICK)
        assert r.returncode == 2 and "cannot write" in r.stderr
    finally: ro.chmod(0o755)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_killed_generation_leaves_nothing_that_looks_complete(tmp_path, sig):
    """Ctrl-C or a kill while the outputs are written (the moment their temporary folder appears, not a time): no
    OUT_DIR, and after Ctrl-C exit code 130 and no temporary folder either."""
    out = tmp_path / "out"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    p = subprocess.Popen([sys.executable, "-m", "music2pose.cli", "generate", str(SONG), "-o", str(out), "--seconds", "12",
                          "--steps", "2", "--frames", "-q"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                         env=env, cwd=ROOT)
    writing = lambda: any(q.name.startswith(".out.") for q in tmp_path.iterdir())
    try:
        hang_guard = time.time() + 600   # only stops a broken run; the test waits for the temporary folder
        while not writing() and p.poll() is None and time.time() < hang_guard: time.sleep(0.005)
        assert p.poll() is None, (p.returncode, p.stderr.read() if p.poll() is not None else "")   # still writing
        p.send_signal(sig)
        _, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None: p.kill(); p.wait()
    assert not out.exists(), list(out.iterdir())
    if sig == signal.SIGINT:
        assert p.returncode == 130 and "interrupted" in err, (p.returncode, err)
        assert not [q for q in tmp_path.iterdir() if q.name.startswith(".out.")]
    else: assert p.returncode == -signal.SIGKILL


@pytest.mark.parametrize("command", ["train", "train-raw", "evaluate"])
def test_ctrl_c_while_a_delegated_command_is_imported(command, monkeypatch, capsys):
    "Ctrl-C in the seconds a delegated command spends importing torch and the rest: one line, exit code 130."
    import importlib
    def interrupted_import(name): raise KeyboardInterrupt
    monkeypatch.setattr(importlib, "import_module", interrupted_import)
    assert main([command, "--help"]) == 130
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"music2pose {command}: interrupted before it started" in err, err


def test_ctrl_c_in_a_delegated_command_that_does_not_catch_it(monkeypatch, capsys):
    "A delegated command's own `main` need not catch Ctrl-C: the dispatcher turns it into one line and exit code 130."
    import music2pose.evaluate
    def interrupted(argv): raise KeyboardInterrupt
    monkeypatch.setattr(music2pose.evaluate, "main", interrupted)
    assert main(["evaluate", "--heldout", "h"]) == 130
    err = capsys.readouterr().err
    assert err == "music2pose evaluate: interrupted\n", err


def test_info_prints_versions_device_and_card():
    r = cli("info")
    assert r.returncode == 0, r.stderr
    for needle in ("music2pose", "torch", "ffmpeg:", "device:", "model:"):
        assert needle in r.stdout, needle


def test_train_is_delegated(tmp_path, capsys):
    r = cli("train", "--corpus", tmp_path, "--out", tmp_path / "run")
    assert r.returncode == 2 and "not a music2pose corpus folder" in r.stderr
    with pytest.raises(SystemExit) as e: main(["train", "--help"])
    assert e.value.code == 0 and "--time-indexing" in capsys.readouterr().out


real_music = find_shared_data("music")
@pytest.mark.skipif(real_music is None, reason="../shared/data/music is absent")
def test_real_songs(tmp_path):
    for song in sorted(real_music.glob("*.ogg")):
        out = tmp_path / song.stem
        r = cli("generate", song, "-o", out, "--seconds", 10, *QUICK)
        assert r.returncode == 0, r.stderr
        assert len(PoseSequence.load(out / "poses.npz")) == 300 and media_info(out / "dance.mp4")["audio"]
