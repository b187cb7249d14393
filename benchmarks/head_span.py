"""Can a one-token-per-column DiT write a dancer's motion at all? Latent columns confined to a k-dimensional span.

    python benchmarks/head_span.py --corpus dwm5 --split val [--widths 64 128 256] [--frames 600]

The shipped DiT writes each latent column (48 channels x 32 rows = 1,536 numbers, 8 frames) with one linear layer from
a 128-wide token, so every column it can output lies in one 128-dimensional affine span, whatever the music. If no
span that narrow holds a dancer's motion, the head itself holds the dances still. The best span of each width `k` is
the training dances' first `k` principal components (of their encoded latent columns): the held-out dances are
encoded, each column projected onto that span, decoded and read back as `generate` reads (`decode_song`, path within
reach of the dancer's median pose, `tidy_dance`), and scored against the dances themselves. `k = all` is the codec alone
(`codec_motion.py`). Speeds are `motion_parts.part_speeds` (frame heights a second).
"""
import argparse

import numpy as np
import torch

from motion_parts import part_speeds   # this script's folder is on the path when it runs
from music2pose.data import corpus_clips
from music2pose.evaluate import load_heldout, load_pipeline
from music2pose.metrics import fid_k, jitter
from music2pose.pipeline import decode_song, tidy_dance
from music2pose.reference import reference_pose_from
from music2pose.vae import encode_sequence


def column_basis(vae, dances, rank: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Mean `(D,)`, the first `rank` principal directions `(D, rank)` of the dances' latent columns (D = channels x rows)
    and the share of their variance that the first 1..rank directions keep `(rank,)`."""
    columns = torch.cat([encode_sequence(vae, d).flatten(0, 1).T for d in dances])
    mean = columns.mean(0)
    _, strengths, directions = torch.pca_lowrank(columns - mean, q=rank, center=False, niter=4)
    return mean, directions, strengths.pow(2).cumsum(0) / (columns - mean).pow(2).sum()


def through_span(latents: torch.Tensor, mean: torch.Tensor, directions: torch.Tensor | None) -> torch.Tensor:
    "Each latent column `(C, H, T)` replaced by its projection onto `mean + span(directions)` (None: unchanged)."
    if directions is None: return latents
    columns = latents.flatten(0, 1).T - mean
    return ((columns @ directions @ directions.T + mean).T).reshape(latents.shape)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", required=True, help="a corpus folder with a split (e.g. dwm5)")
    p.add_argument("--split", choices=("val", "test"), default="val")
    p.add_argument("--frames", type=int, default=600)
    p.add_argument("--widths", type=int, nargs="+", default=[64, 128, 256])
    p.add_argument("--fit-clips", type=int, default=3, help="fit the span on every n-th training clip (its first --frames frames)")
    p.add_argument("--generator", default="default", help="generator folder whose pose VAE is used")
    args = p.parse_args(argv)
    torch.set_num_threads(2)
    torch.manual_seed(0)   # pca_lowrank's random projections
    vae = load_pipeline(args.generator).vae
    train = [c.load_poses().to_layout("openpose18")[:args.frames] for c in corpus_clips(args.corpus, "train")[::args.fit_clips]]
    held = load_heldout(args.corpus, None, args.frames, progress=False, split=args.split)
    mean, directions, kept = column_basis(vae, train, max(args.widths))
    print(f"span fitted on {len(train)} training clips; scored on {len(held)} {args.split} clips of {held.frames} frames\n")
    print("| span width k | variance kept | speed | travel (hips' centre) | around the centre | jitter | FID_k |\n|---|---|---|---|---|---|---|")
    real = {key: np.mean([part_speeds(d)[key] for d in held.dances]) for key in ("whole", "travel", "around")}
    print(f"| the dancers | | {real['whole']:.3f} | {real['travel']:.4f} | {real['around']:.4f} | "
          f"{np.mean([jitter(d) for d in held.dances]):.1f} | 0 |")
    for k in (None, *sorted(args.widths)):
        dances = []
        for d in held.dances:
            pose18 = d.to_layout("openpose18")
            body = reference_pose_from(pose18, "median")
            latents = through_span(encode_sequence(vae, pose18), mean, None if k is None else directions[:, :k])
            dances.append(tidy_dance(decode_song(vae, latents, fps=d.fps, body=body), body, vae.stride).to_layout(d.layout))
        s = {key: np.mean([part_speeds(x)[key] for x in dances]) for key in ("whole", "travel", "around")}
        print(f"| {'all (the codec)' if k is None else k} | {1 if k is None else kept[k - 1]:.3f} | {s['whole']:.3f} | {s['travel']:.4f} | {s['around']:.4f} | "
              f"{np.mean([jitter(x) for x in dances]):.1f} | {fid_k(held.dances, dances):.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
