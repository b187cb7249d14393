"""How soon Ctrl-C ends `music2pose train` and `music2pose train-raw`, in each phase of a run.

    OMP_NUM_THREADS=1 python benchmarks/ctrl_c.py [--load 0 2] [--repeats 3]

Each run starts the command afresh on a tiny corpus (the tiny preset; the corpus's feature cache is removed first, so
that the features are computed), waits for a phase to begin: its progress bar appears on stderr ("poses",
"music features", "caching latents", the training bar) or, for "after a checkpoint", the checkpoint file appears.
Then it sends SIGINT and measures the seconds until the command's one-line message is on stderr and until the process
has exited, and checks the exit code (130) and that the checkpoint, when there is one, loads. Nothing waits on the
clock: every moment is an event. The last row of each table is the floor: the same interpreter importing the command's
module and exiting, no run at all (torch's teardown is most of an exit). `--load N` keeps N busy processes beside it,
a machine shared with other work. Tables print as markdown; the median over `--repeats` runs per cell.
"""
import argparse
import multiprocessing
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
PHASES = {"train": ["poses", "caching latents", "music features", "generator tiny", "after a checkpoint"],
          "train-raw": ["poses", "music features", "raw generator tiny", "after a checkpoint"]}
MESSAGE = "interrupted"


def busy():
    while True: pass


def one_run(command: str, phase: str, corpus: Path, vae: Path, work: Path) -> dict:
    "Start `music2pose COMMAND` afresh, SIGINT it when `phase` begins; seconds to the message and to the exit."
    shutil.rmtree(corpus / "features", ignore_errors=True)
    out = work / "run"
    shutil.rmtree(out, ignore_errors=True)
    args = [sys.executable, "-m", "music2pose.cli", command, "--corpus", str(corpus), "--out", str(out), "--preset", "tiny",
            "--steps", "100000", "--split", "all"] + (["--vae", str(vae)] if command == "train" else [])
    proc = subprocess.Popen(args, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err, begun, said_at = [], threading.Event(), []
    def read():
        for chunk in iter(lambda: proc.stderr.read1(65536), b""):
            err.append(chunk.decode(errors="replace"))
            text = "".join(err[-3:])
            if phase in text: begun.set()
            if MESSAGE in text and not said_at: said_at.append(time.perf_counter())
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ckpt = out / "checkpoint.pt"
    started = (lambda: ckpt.exists()) if phase == "after a checkpoint" else begun.is_set
    while not started() and proc.poll() is None: time.sleep(0.002)
    if proc.poll() is not None: sys.exit(f"{command} ended before {phase!r}:\n{''.join(err)[-2000:]}")
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    proc.wait()
    t1 = time.perf_counter()
    reader.join(5)
    loads = None
    if ckpt.exists():
        from music2pose.files import load_checkpoint
        loads = load_checkpoint(ckpt)["step"] > 0
    return {"code": proc.returncode, "message": (said_at or [float("nan")])[0] - t0, "exit": t1 - t0, "loads": loads}


def floor(command: str) -> float:
    "Seconds an interpreter that imported the command's module takes to exit."
    module = {"train": "music2pose.train", "train-raw": "music2pose.raw"}[command]
    code = f"import time, {module}; print(time.perf_counter(), flush=True)"
    proc = subprocess.Popen([sys.executable, "-c", code], env=ENV, stdout=subprocess.PIPE, text=True)
    printed = float(proc.stdout.readline())
    proc.wait()
    return time.perf_counter() - printed   # perf_counter is one system-wide monotonic clock on Linux


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--load", type=int, nargs="*", default=[0], help="busy processes beside the runs, one table each (default: 0)")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    from music2pose.choreo import make_corpus
    from music2pose.vae import PoseVAE, build_vae, get_vae_config
    import torch
    work = Path(tempfile.mkdtemp(prefix="m2p_ctrl_c_"))
    corpus = work / "corpus"
    make_corpus(corpus, n_clips=4, seconds=9, seed=0, progress=False)
    cfg = get_vae_config("tiny")
    torch.manual_seed(0)
    PoseVAE(build_vae(cfg).eval(), cfg).save_pretrained(work / "vae")
    try:
        for load in args.load:
            hogs = [multiprocessing.Process(target=busy, daemon=True) for _ in range(load)]
            for h in hogs: h.start()
            try:
                print(f"\n{os.cpu_count()} cores, {load} busy processes beside the run; median of {args.repeats} runs\n")
                print("| command | SIGINT when | message after | exited after | exit codes | checkpoint loads |\n|---|---|---|---|---|---|")
                for command, phases in PHASES.items():
                    for phase in phases:
                        runs = [one_run(command, phase, corpus, work / "vae", work) for _ in range(args.repeats)]
                        codes = sorted({r["code"] for r in runs})
                        loads = {r["loads"] for r in runs}
                        print(f"| {command} | {phase} | {statistics.median(r['message'] for r in runs):.2f} s | "
                              f"{statistics.median(r['exit'] for r in runs):.2f} s | {', '.join(map(str, codes))} | "
                              f"{'no checkpoint yet' if loads == {None} else 'yes' if loads == {True} else loads} |", flush=True)
                    print(f"| {command} | (floor: import, then exit) | | {statistics.median(floor(command) for _ in range(args.repeats)):.2f} s | | |",
                          flush=True)
            finally:
                for h in hogs: h.terminate()
    finally: shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__": main()
