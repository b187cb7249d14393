"""What a pose token layout costs: one training step of the `small` DiT on 256-frame windows, by patch shape and width.

    python benchmarks/dit_layouts.py [--threads 2] [--batch 16] [--repeats 5]

For each layout: pose tokens per window (the music adds 32), parameters, and the median wall time of a training step
(forward, backward, AdamW) on random latents of the shipped VAE's shape (48 x 32 x 32) with the beat-phase music (296
numbers a token), reference conditioning and the aligned-music shortcut, as `music2pose train --preset small` runs it.
"""
import argparse
import time

import torch

from music2pose.dit import build_dit

LAYOUTS = {   # short name (benchmarks/layout_study.py --layout): PoseDiT overrides of the small preset
    "4x1": dict(patch_size=(4, 1), hidden_size=96, axes_dim=(4, 10, 10)),
    "8x1": dict(patch_size=(8, 1), hidden_size=128, axes_dim=(8, 12, 12)),
    "32x1-w96": dict(patch_size=(32, 1), hidden_size=96, axes_dim=(4, 10, 10)),
    "32x1": dict(patch_size=(32, 1), hidden_size=128, axes_dim=(8, 12, 12)),
    "32x1-w192": dict(patch_size=(32, 1), hidden_size=192, axes_dim=(16, 16, 16)),
}
DESCRIPTIONS = {
    "4x1": "4x1 patches, width 96 (the small preset until Dec 2026)",
    "8x1": "8x1 patches, width 128",
    "32x1-w96": "one token per column (32x1), width 96",
    "32x1": "one token per column (32x1), width 128 (the small preset)",
    "32x1-w192": "one token per column (32x1), width 192",
}


def step_seconds(model, batch: int, repeats: int) -> float:
    C, H, W = 48, 32, 32
    x, ref = torch.randn(batch, C, H, W), torch.randn(batch, C, H, W)
    mask, music, t = torch.zeros(batch, 8, H, W), torch.randn(batch, W, 296), torch.rand(batch)
    opt = torch.optim.AdamW(model.parameters(), 1e-4)
    times = []
    for i in range(repeats + 2):   # two warm-up steps
        start = time.perf_counter()
        loss = model(x, t, music, ref, mask).pow(2).mean()
        opt.zero_grad(); loss.backward(); opt.step()
        if i >= 2: times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    if args.threads: torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {args.batch}\n")
    print("| layout | pose tokens / window | parameters | step (s) | steps / hour |")
    print("|---|---|---|---|---|")
    for name, overrides in LAYOUTS.items():
        model = build_dit("small", music_dim=296, aligned_music=True, **overrides)
        tokens = (32 // model.config.patch_size[0]) * 32
        s = step_seconds(model, args.batch, args.repeats)
        print(f"| {DESCRIPTIONS[name]} | {tokens} | {sum(q.numel() for q in model.parameters()):,} | {s:.3f} | {3600 / s:,.0f} |", flush=True)
