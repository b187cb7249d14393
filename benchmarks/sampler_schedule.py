"""Sampling schedules for a trained generator, scored on held-out songs: the timestep shift and stochastic steps.

    python benchmarks/sampler_schedule.py --heldout dwm5 --split val --seeds 0 1 2 --out nbs/results/dwm_sampler_schedule.json \
        --arm euler:0:1 --arm shift3:0:3 --arm shift6:0:6 --arm shift0.33:0:0.333 --arm eta0.5:0.5:1 --arm eta1:1:1

An arm is NAME:ETA:SHIFT. SHIFT moves the Euler steps' sigmas towards the noisy end, `shift * s / (1 + (shift - 1) * s)`
(diffusers' `FlowMatchEulerDiscreteScheduler(shift=...)`, SD3 and Flux sample with 3); 1 is the shipped sampler.
ETA > 0 makes each step partly stochastic: the step's noise estimate is mixed with fresh noise, `sqrt(1 - eta^2)` to
`eta` (eta 1 is fully ancestral), as DDIM's eta does for diffusion. Each (arm, sampling seed) draws every held-out clip's
dance with the generator (`--model`, default the shipped one) and scores it as `benchmarks/study.py` does (per-clip
means, FID_k over the set). The JSON is written after each arm and a rerun skips what is done.
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from music2pose.evaluate import generated_dances, load_heldout, segment_boundaries
from music2pose.files import atomic_write
from music2pose.metrics import fid_k
from music2pose.pipeline import Music2PosePipeline
from music2pose.sample import FlowMatchEuler, SchedulerOutput
from music2pose.study import clip_scores

METRICS = ("bas_own", "bas_other", "bas_gap", "tempo_gap", "fid_k", "jitter", "median_speed")


class ScheduledEuler(FlowMatchEuler):
    "`FlowMatchEuler` with shifted sigmas and, for eta > 0, fresh noise in every step but the last."
    def __init__(self, eta: float = 0.0, shift: float = 1.0):
        super().__init__()
        self.eta, self.shift, self.noise = eta, shift, torch.Generator().manual_seed(0)

    def set_timesteps(self, steps: int, device=None):
        super().set_timesteps(steps, device)
        s = self.sigmas[:-1]
        s = self.shift * s / (1 + (self.shift - 1) * s)
        self.timesteps, self.sigmas = s * self.config.num_train_timesteps, torch.cat([s, torch.zeros(1)])

    def step(self, model_output, timestep, sample):
        i = int((self.timesteps == timestep).nonzero()[0])
        s, after = self.sigmas[i], self.sigmas[i + 1]
        if self.eta == 0 or after == 0: return super().step(model_output, timestep, sample)
        x, v = sample.float(), model_output.float()
        clean, noise = x - s * v, x + (1 - s) * v          # x = (1 - s) clean + s noise, v = noise - clean
        fresh = torch.randn(x.shape, generator=self.noise)
        mixed = (1 - self.eta ** 2) ** 0.5 * noise + self.eta * fresh
        return SchedulerOutput(((1 - after) * clean + after * mixed).to(model_output.dtype))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--arm", action="append", required=True, metavar="NAME:ETA:SHIFT")
    p.add_argument("--heldout", required=True, help="a corpus folder (e.g. dwm5)")
    p.add_argument("--split", choices=("val", "test"), default="val")
    p.add_argument("--frames", type=int, default=600)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--model", default=None, help="generator folder (default: the shipped one)")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    arms = {}
    for text in args.arm:
        name, eta, shift = text.split(":")
        arms[name] = (float(eta), float(shift))
    torch.set_num_threads(1)
    held = load_heldout(args.heldout, None, args.frames, progress=False, split=args.split)
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.is_file() else {}
    for seed in args.seeds:
        for name, (eta, shift) in arms.items():
            key = f"{name}/seed{seed}"
            if key in results: continue
            scheduler = ScheduledEuler(eta, shift)
            pipe = Music2PosePipeline.from_pretrained(args.model, scheduler=scheduler)
            t, dances = time.perf_counter(), []
            for i in range(len(held)):   # one clip at a time, so that the fresh noise of clip i depends only on (seed, i)
                scheduler.noise.manual_seed(1000 * seed + i)
                dances.append(pipe(held.music[i], reference_pose=held.dances[i], seed=seed, progress=False).poses
                              .to_layout(held.dances[0].layout)[:held.frames])
            scores = clip_scores(dances, held, segment_boundaries(held.frames))
            row = {m: float(np.nanmean(scores[m])) for m in METRICS if m != "fid_k"}
            row.update(fid_k=float(fid_k(held.dances, dances)), eta=eta, shift=shift, seed=seed, seconds=round(time.perf_counter() - t, 1))
            results[key] = row
            with atomic_write(out, "w") as f: json.dump(results, f, indent=1)
            print(key, {m: round(row[m], 4) for m in METRICS}, flush=True)
    print(f"\n| arm | {' | '.join(METRICS)} |\n|---|{'---|' * len(METRICS)}")
    for name in arms:
        rows = [results[f"{name}/seed{s}"] for s in args.seeds if f"{name}/seed{s}" in results]
        cells = [f"{np.mean([r[m] for r in rows]):.4g} ± {np.std([r[m] for r in rows]):.2g}" for m in METRICS]
        print(f"| {name} ({len(rows)} seeds) | {' | '.join(cells)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
