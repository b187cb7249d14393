"""Pose VAE reconstruction error and throughput (run by hand; prints tables).

    python benchmarks/vae_reconstruction.py [--vae DIR | --taef2 taef2_256|taef2_512] [--heldout CORPUS_DIR] [--aist DIR]

Errors are per coordinate (|dx| and |dy| pooled), after encode -> decode -> soft-argmax read-back, on joints
present in both the input and the reconstruction; normalised units are fractions of the frame (x of its
width, y of its height), pixels are at the source frame size (1920x1080 for AIST++ and the corpus).
"""
import argparse
import time
from pathlib import Path

import numpy as np
import torch

from music2pose.files import load_corpus
from music2pose.poses import find_shared_data, load_aistpp_keypoints2d, load_npz
from music2pose.vae import DEFAULT_VAE_DIR, TAEF2_DIR, PoseVAE, load_default_vae, reconstruction_errors

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--vae", help="a PoseVAE folder (default: the shipped one)")
p.add_argument("--taef2", choices=["taef2_256", "taef2_512"], help="measure the shipped TAEF2 at this preset instead")
p.add_argument("--heldout", help="a corpus folder never used in training")
p.add_argument("--aist", help="folder of AIST++ keypoints2d .pkl files (default: ../shared/data/aistpp/keypoints2d)")
p.add_argument("--views", type=int, default=9, help="AIST++ camera views per file")
p.add_argument("--repeats", type=int, default=3)
args = p.parse_args()

codec = PoseVAE.from_taef2(args.taef2) if args.taef2 else PoseVAE.from_pretrained(args.vae) if args.vae else load_default_vae()
c = codec.config
weights = TAEF2_DIR if args.taef2 else Path(args.vae or DEFAULT_VAE_DIR)
size_mb = sum(f.stat().st_size for f in weights.rglob("*") if f.is_file()) / 2**20
print(f"VAE {c.name}: bins {c.bins}, grouping {c.grouping}, {sum(p.numel() for p in codec.vae.parameters())/1e6:.2f} M params, "
      f"{size_mb:.1f} MB on disk, latent {codec.latent_channels} x {c.bins // codec.stride} x T/{codec.stride}; torch threads {torch.get_num_threads()}")

def pooled(seqs):
    errs = [reconstruction_errors(codec, s) for s in seqs]
    e = np.concatenate([r["error"] for r in errs]); px = np.concatenate([r["error_px"] for r in errs])
    return e, px, np.mean([r["missed"] for r in errs]), np.mean([r["spurious"] for r in errs])

sets = {}
if args.heldout:
    root = Path(args.heldout)
    sets["synthetic held-out, 30 fps"] = [load_npz(root / cl["poses"]) for cl in load_corpus(root)["clips"]]
aist = Path(args.aist) if args.aist else find_shared_data("aistpp", "keypoints2d")
if aist is not None:
    real = [load_aistpp_keypoints2d(f, view=v) for f in sorted(Path(aist).glob("*.pkl")) for v in range(args.views)]
    sets["real AIST++, resampled to 30 fps"] = [s.resample(30) for s in real]
    sets["real AIST++, native 60 fps"] = real

print(f"\n{'set':36s} {'seqs':>5s} {'frames':>7s} | {'mean':>7s} {'median':>7s} {'p95':>7s} | {'mean px':>7s} {'med px':>7s} {'p95 px':>7s} | {'missed':>6s} {'spur.':>6s}")
for name, seqs in sets.items():
    with torch.no_grad(): e, px, missed, spur = pooled(seqs)
    print(f"{name:36s} {len(seqs):5d} {sum(len(s) for s in seqs):7d} | {e.mean():7.4f} {np.median(e):7.4f} {np.percentile(e, 95):7.4f} | "
          f"{px.mean():7.2f} {np.median(px):7.2f} {np.percentile(px, 95):7.2f} | {missed:6.2%} {spur:6.2%}")

print("\nthroughput on 256-frame segments (frames per second, best of repeats)")
x = torch.zeros(8, c.num_channels, c.bins, 256); x[:, :, c.bins // 2] = 1
for B in (1, 8):
    with torch.no_grad():
        codec.encode(x[:1]); te, td = [], []
        for _ in range(args.repeats):
            t = time.perf_counter(); z = codec.encode(x[:B]); te.append(time.perf_counter() - t)
            t = time.perf_counter(); codec.decode(z); td.append(time.perf_counter() - t)
    print(f"  batch {B}: encode {B * 256 / min(te):8.0f} frames/s   decode {B * 256 / min(td):8.0f} frames/s")
