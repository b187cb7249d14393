"""What a pose token layout learns for the same training compute: the shipped recipe with another patch shape.

    OMP_NUM_THREADS=1 python benchmarks/layout_study.py --corpus dwm5 --out runs/layout_8x1_s0 --layout 8x1 --steps 3000 --seed 0

`benchmarks/dit_layouts.py` measures what a training step costs with each layout; this trains one: the shipped
generator's command (`music2pose train --preset small --no-aligned-music`, `14_train`) with the `small` DiT's patch
shape and width replaced by `--layout`'s, for `--steps` steps (resumable, like the command: run it again to go on).
Give a layout that costs k times a step of the shipped one 1/k of its steps to compare them at equal compute, or
keep copies of an earlier checkpoint and make a generator of its averaged weights:

    python benchmarks/layout_study.py --corpus dwm5 --out runs/layout_8x1_s0 --layout 8x1 --export CKPT   # -> OUT/model_STEP

then score the models on the validation songs with
`python benchmarks/study.py generators --heldout dwm5 --heldout-split val --frames 600 --arm NAME=runs/.../model --seed S --out ...`.
"""
import argparse
import sys
import time
from pathlib import Path

import torch

from music2pose import dit
from music2pose.files import load_checkpoint
from music2pose.poses import FPS
from music2pose.sample import save_generator
from music2pose.train import CHECKPOINT_FORMAT, EMA, get_train_config, train_generator
from music2pose.vae import load_default_vae

LAYOUTS = {   # name: PoseDiT overrides of the small preset (as in benchmarks/dit_layouts.py)
    "4x1": dict(patch_size=(4, 1), hidden_size=96, axes_dim=(4, 10, 10)),
    "8x1": dict(patch_size=(8, 1), hidden_size=128, axes_dim=(8, 12, 12)),
    "32x1": dict(patch_size=(32, 1), hidden_size=128, axes_dim=(8, 12, 12)),   # the small preset: one token per latent column
    "32x1-w192": dict(patch_size=(32, 1), hidden_size=192, axes_dim=(16, 16, 16)),
}

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", required=True, help="corpus folder, e.g. dwm5 (07_data)")
    p.add_argument("--out", required=True, help="run folder (checkpoint, latents, model/)")
    p.add_argument("--layout", required=True, choices=sorted(LAYOUTS))
    p.add_argument("--steps", type=int, help="train to this many steps")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--export", metavar="CKPT", help="instead: a generator folder OUT/model_STEP from this checkpoint's averaged weights")
    args = p.parse_args()
    if (args.steps is None) == (args.export is None): p.error("give --steps (train) or --export (a checkpoint to a generator)")
    preset = f"small-{args.layout}"
    dit.DIT_PRESETS[preset] = LAYOUTS[args.layout]   # a preset of this process: the run's checkpoint names it, resuming needs the same --layout
    if args.export:
        ckpt = load_checkpoint(Path(args.export), CHECKPOINT_FORMAT, "music2pose generator")
        vae, step = load_default_vae(), int(ckpt["step"])
        config = get_train_config("small", dit=preset, aligned_music=False, steps=step)
        mean, std = ckpt["music_mean"].numpy(), ckpt["music_std"].numpy()
        model = dit.build_dit(preset, latent_channels=vae.latent_channels, latent_height=vae.config.bins // vae.stride,
                              music_dim=vae.stride * len(mean), **config.dit_switches)
        averaged = EMA(model); averaged.load_state_dict(ckpt["ema"]); averaged.copy_to(model)
        print(save_generator(Path(args.out) / f"model_{step}", model.eval(), vae, (mean, std), FPS, config))
        sys.exit()
    start = time.perf_counter()
    model = train_generator(args.corpus, args.out, "small", steps=args.steps, seed=args.seed, dit=preset, aligned_music=False)
    print(f"{args.layout}, seed {args.seed}: {args.steps} steps, {time.perf_counter() - start:.0f} s in this process; model in {model}", file=sys.stderr)
