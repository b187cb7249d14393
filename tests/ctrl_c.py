"""Ctrl-C at a chosen moment of a training command, for `test_train_cli.py` and `test_raw_inputs.py`.

In the test process, a patched step of the run raises `KeyboardInterrupt` exactly where SIGINT's default handler
would raise it. In a child process, `BLOCKING_SAVE` instruments the checkpoint write to print a line and wait in the
middle of it, so that the test sends a real SIGINT at that moment; nothing waits on the clock."""
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np

from music2pose.data import baseline_song_features
from music2pose.files import atomic_write, load_checkpoint

REPO = Path(__file__).resolve().parents[1]
INTERRUPTED = "interrupted; run the same command to continue from the last checkpoint"


def features_then_ctrl_c(song_features):
    "`song_features` that computes the first song's features, then is interrupted before it writes them to the cache."
    def patched(clips, fps, cache_dir=None, features_fn=baseline_song_features, **kwargs):
        def first_then_stop(clip, fps):
            features_fn(clip, fps)
            raise KeyboardInterrupt
        return song_features(clips, fps, cache_dir, features_fn=first_then_stop, **kwargs)
    return patched


def latents_then_ctrl_c(cache_latents):
    "`cache_latents` that caches the first clip's latents, then is interrupted."
    def patched(vae, poses, cache_dir, **kwargs):
        cache_latents(vae, dict(list(poses.items())[:1]), cache_dir, **kwargs)
        raise KeyboardInterrupt
    return patched


def ctrl_c_in_call(fn, n: int):
    "`fn` interrupted in its `n`-th call (a loss: in the middle of a training step)."
    calls = []
    def patched(*args, **kwargs):
        calls.append(1)
        if len(calls) == n: raise KeyboardInterrupt
        return fn(*args, **kwargs)
    return patched


def ctrl_c_while_saving(path, format, **state):
    "`save_checkpoint` interrupted halfway through writing the file (inside `atomic_write`, as a real Ctrl-C would be)."
    with atomic_write(path) as f:
        f.write(b"the first bytes of a checkpoint")
        raise KeyboardInterrupt


def assert_interrupted(code: int, err: str, command: str):
    assert code == 130 and err.count("\n") == 1 and err.startswith(f"music2pose {command}: {INTERRUPTED}"), (code, err)


def assert_nothing_torn(run: Path, step: int | None):
    "After an interrupt: no temp file left, the checkpoint (if `step`) complete at that step, every cached file readable."
    assert not [p for p in run.rglob(".*")], sorted(map(str, run.rglob(".*")))
    if step is None: assert not (run / "checkpoint.pt").exists()
    else: assert load_checkpoint(run / "checkpoint.pt")["step"] == step
    assert not (run / "model").exists()
    for cached in run.rglob("*.npz"): np.load(cached)



def interrupt_then_finish(monkeypatch, module, patch: tuple, run_command, args: list, out: Path, kept: int | None,
                          command: str, steps: int, trained: Path):
    """Run `command` with `module.<name>` replaced by `patch = (name, interrupting_fn)`: it must stop with one line and
    exit code 130 and leave nothing torn (checkpoint at step `kept`, or none); then the same command, unpatched, must
    finish all `steps`, keeping the `kept` steps of `trained`'s history. `run_command(*args) -> (code, stderr)`."""
    import pytest
    with monkeypatch.context() as m:
        m.setattr(module, *patch)
        try: code, err = run_command(*args)
        except KeyboardInterrupt: pytest.fail(f"Ctrl-C while running {patch[0]} escaped `music2pose {command}`")
    assert_interrupted(code, err, command)
    assert_nothing_torn(out, kept)
    code, err = run_command(*args)
    ckpt = load_checkpoint(out / "checkpoint.pt")
    assert code == 0 and ckpt["step"] == steps and len(ckpt["history"]) == steps, err
    if kept: assert ckpt["history"][:kept] == load_checkpoint(trained / "checkpoint.pt")["history"]

# A command whose checkpoint write stops halfway (temp file open, first bytes written), says so on stdout and waits
# there for Ctrl-C: `python -c BLOCKING_SAVE MODULE ARGS...` runs `music2pose.cli` with ARGS, MODULE's save patched.
BLOCKING_SAVE = """
import importlib, sys, time
from music2pose.cli import main
from music2pose.data import baseline_song_features
from music2pose.files import atomic_write
def blocking_save(path, format, **state):
    with atomic_write(path) as f:
        f.write(b"the first bytes of a checkpoint")
        print("writing a checkpoint", flush=True)
        while True: time.sleep(0.01)   # the loop lets Python run the SIGINT handler however early the signal comes
importlib.import_module(sys.argv[1]).save_checkpoint = blocking_save
sys.exit(main(sys.argv[2:]))
"""


def interrupt_while_saving(module: str, args: list[str], hang_guard_s: float = 600) -> tuple[int, str]:
    """Run `music2pose ARGS` in a child process with `module`'s checkpoint write blocking halfway, send SIGINT once
    the child says it is writing, and return its exit code and stderr. `hang_guard_s` only stops a broken run."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-c", BLOCKING_SAVE, module, *map(str, args)], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], hang_guard_s)
        line = proc.stdout.readline() if ready else ""
        assert line == "writing a checkpoint\n", (line, proc.poll(), proc.stderr.read() if proc.poll() is not None else "")
        proc.send_signal(signal.SIGINT)   # what Ctrl-C sends
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None: proc.kill(); proc.wait()
    return proc.returncode, err
