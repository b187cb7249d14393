"""Kill campaign: SIGKILL a tiny training run at random moments, again and again, and check what each kill leaves.

    OMP_NUM_THREADS=1 python benchmarks/faults.py [--kills 20] [--steps 1000] [--max-seconds 10] [--seed 0]

Each round starts `python -m music2pose.train --preset tiny` on the same --out (so it resumes) and kills it
`uniform(0.3, --max-seconds)` seconds after its start. After each kill: the checkpoint's step (or none yet), whether it
loads with `load_checkpoint`, the hidden temp files left beside it, whether a `model/` folder exists (it may only once
training has ended), and whether the next start resumed from it without an error. At the end the run is resumed to
--steps and compared with a run that was never stopped (step, loss history and weights within 1e-5).
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from music2pose.choreo import make_corpus
from music2pose.files import load_checkpoint
from music2pose.sample import load_generator
from music2pose.train import CHECKPOINT_FILE, CHECKPOINT_FORMAT
from music2pose.vae import PoseVAE, build_vae, get_vae_config

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--kills", type=int, default=20)
p.add_argument("--steps", type=int, default=1000, help="training steps of the run (the tiny preset checkpoints every 20)")
p.add_argument("--max-seconds", type=float, default=10.0, help="kill at most this long after a start")
p.add_argument("--seed", type=int, default=0, help="seed of the kill times")
args = p.parse_args()

env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
torch.set_num_threads(1)


def command(corpus, vae, out):
    return [sys.executable, "-m", "music2pose.train", "--corpus", str(corpus), "--vae", str(vae), "--preset", "tiny",
            "--steps", str(args.steps), "--split", "all", "--no-progress", "--out", str(out)]


def inspect(run: Path) -> dict:
    ckpt, step, loads = run / CHECKPOINT_FILE, None, None
    if ckpt.exists():
        try: step, loads = load_checkpoint(ckpt, CHECKPOINT_FORMAT)["step"], True
        except ValueError: loads = False
    temps = [q.name for q in run.iterdir() if q.name.startswith(".")] if run.exists() else []
    model = (run / "model").exists()
    model_ok = None
    if model:
        try: load_generator(run / "model"); model_ok = step == args.steps
        except Exception: model_ok = False
    return dict(step=step, loads=loads, temps=len(temps), model=model, model_ok=model_ok)


with tempfile.TemporaryDirectory() as tmp:
    tmp = Path(tmp)
    corpus, vae = tmp / "corpus", tmp / "vae"
    make_corpus(corpus, n_clips=4, seconds=9, seed=0, progress=False)
    cfg = get_vae_config("tiny"); torch.manual_seed(0)
    PoseVAE(build_vae(cfg).eval(), cfg).save_pretrained(vae)

    rng = random.Random(args.seed)
    run, rows, last_step = tmp / "killed", [], 0
    t_start = time.time()
    for i in range(args.kills):
        proc = subprocess.Popen(command(corpus, vae, run), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        at = rng.uniform(0.3, args.max_seconds)
        t0 = time.time()
        while proc.poll() is None and time.time() - t0 < at: time.sleep(0.005)
        finished = proc.poll() is not None
        if not finished: proc.kill()
        _, err = proc.communicate()
        if rows: rows[-1]["resumed"] = proc.returncode in (0, -9)   # the previous kill's leftovers did not stop this start
        state = inspect(run)
        rows.append(dict(kill=i + 1, at=at, outcome="finished" if finished else "killed", rc=proc.returncode, **state,
                         progress_kept=(state["step"] or 0) >= last_step, resumed=None, err=err.strip().splitlines()[-1:]))
        last_step = max(last_step, state["step"] or 0)
        if finished and proc.returncode == 0: break
    final = subprocess.run(command(corpus, vae, run), env=env, capture_output=True, text=True)
    rows[-1]["resumed"] = final.returncode == 0
    campaign_s = time.time() - t_start
    straight = subprocess.run(command(corpus, vae, tmp / "straight"), env=env, capture_output=True, text=True)

    print(f"{len(rows)} kills of `music2pose.train --preset tiny --steps {args.steps}`, at uniform(0.3, {args.max_seconds}) s "
          f"after each start (seed {args.seed}); {campaign_s:.0f} s\n")
    print(f"{'kill':>4} {'at (s)':>7} {'outcome':>8} {'ckpt step':>9} {'loadable':>8} {'temp files':>10} {'model/':>7} "
          f"{'progress kept':>13} {'resumed ok':>10}")
    yn = lambda v: "-" if v is None else ("yes" if v else "NO")
    for r in rows:
        model = "no" if not r["model"] else ("ok" if r["model_ok"] else "BAD")
        print(f"{r['kill']:>4} {r['at']:>7.2f} {r['outcome']:>8} {r['step'] if r['step'] is not None else '-':>9} "
              f"{yn(r['loads']):>8} {r['temps']:>10} {model:>7} {yn(r['progress_kept']):>13} {yn(r['resumed']):>10}")
        if r["rc"] not in (0, -9): print(f"      exit {r['rc']}: {r['err']}")
    a, b = load_checkpoint(run / CHECKPOINT_FILE), load_checkpoint(tmp / "straight" / CHECKPOINT_FILE)
    same = (a["step"] == b["step"] == args.steps
            and torch.allclose(torch.tensor(a["history"]), torch.tensor(b["history"]), atol=1e-5)
            and all(torch.allclose(a["model"][k], b["model"][k], atol=1e-5) for k in b["model"]))
    print(f"\nresumed to the end: exit {final.returncode}; equals the uninterrupted run (step {b['step']}, history, weights "
          f"within 1e-5): {'yes' if same else 'NO'}\nhidden temp files left in the run folder: "
          f"{sorted(q.name for q in run.iterdir() if q.name.startswith('.')) or 'none'}")
    sys.exit(0 if same and all(r["loads"] is not False and r["resumed"] is not False for r in rows) else 1)
