"""Channel grouping compared at an equal budget: 12 RGB groups through one 3-channel VAE vs one VAE for all 36 channels.

    python benchmarks/vae_grouping.py --corpus TRAIN_CORPUS --heldout HELDOUT_CORPUS --steps 600 --out runs/grouping

Both use the `small` architecture and training recipe and the same number of steps and seed; the "all" VAE gets as
many latent channels (48) as the 12 groups together, so the latents are the same size. Prints one table.
"""
import argparse
import time
from pathlib import Path

import numpy as np
import torch

from music2pose.choreo import load_corpus
from music2pose.poses import find_shared_data, load_aistpp_keypoints2d, load_npz
from music2pose.vae import get_vae_config, reconstruction_errors, summarize_errors, train_vae

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--corpus", required=True); p.add_argument("--heldout", required=True)
p.add_argument("--steps", type=int, default=600); p.add_argument("--out", default="runs/grouping")
args = p.parse_args()

held = [load_npz(Path(args.heldout) / c["poses"]) for c in load_corpus(args.heldout)["clips"]]
aist = find_shared_data("aistpp", "keypoints2d")
real = [load_aistpp_keypoints2d(f, view=v).resample(30) for f in sorted(aist.glob("*.pkl")) for v in range(9)] if aist else []

rows = []
for grouping, latent in (("rgb", 4), ("all", 48)):
    cfg = get_vae_config("small", grouping=grouping, latent_channels=latent, steps=args.steps)
    t = time.perf_counter()
    codec = train_vae(args.corpus, Path(args.out) / grouping, cfg, progress=False)
    minutes = (time.perf_counter() - t) / 60
    res = {}
    for name, seqs in (("held-out synthetic", held), ("real AIST++ 30 fps", real)):
        if not seqs: continue
        with torch.no_grad(): errs = [reconstruction_errors(codec, s) for s in seqs]
        e = np.concatenate([r["error"] for r in errs])
        res[name] = (e.mean(), np.percentile(e, 95), np.mean([r["missed"] for r in errs]))
    rows.append((grouping, codec.latent_channels, sum(q.numel() for q in codec.vae.parameters()), minutes, res))

print(f"\n{args.steps} training steps each, `small` recipe; errors per coordinate as a fraction of the frame")
for g, lc, n, minutes, res in rows:
    cells = "  ".join(f"{k}: mean {m:.4f} p95 {p95:.4f} missed {mi:.2%}" for k, (m, p95, mi) in res.items())
    print(f"grouping {g:3s}  latent ch {lc:3d}  params {n / 1e6:.2f} M  train {minutes:5.1f} min  {cells}")
