"""What a pose token layout learns for the same training compute: the shipped recipe with another patch shape.

    OMP_NUM_THREADS=1 python benchmarks/layout_study.py --corpus dwm5 --out runs/layout_8x1_s0 --layout 8x1 --steps 3000 --seed 0

`benchmarks/dit_layouts.py` measures what a training step costs with each layout; this trains one: the shipped
generator's command (`music2pose train --preset small --no-aligned-music`, `14_train`) with the `small` DiT's patch
shape and width replaced by `--layout`'s (`dit_layouts.LAYOUTS`), for `--steps` steps (resumable, like the command:
run it again to go on). Give a layout that costs k times a step of the shipped one 1/k of its steps to compare them at
equal compute, then score the models on the validation songs with
`python benchmarks/study.py generators --heldout dwm5 --heldout-split val --frames 600 --arm NAME=runs/.../model --seed S --out ...`.
"""
import argparse
import sys
import time

from dit_layouts import LAYOUTS   # this script's folder is on the path when it runs
from music2pose import dit
from music2pose.train import train_generator

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", required=True, help="corpus folder, e.g. dwm5 (07_data)")
    p.add_argument("--out", required=True, help="run folder (checkpoint, latents, model/)")
    p.add_argument("--layout", required=True, choices=sorted(LAYOUTS))
    p.add_argument("--steps", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    preset = f"small-{args.layout}"
    dit.DIT_PRESETS[preset] = LAYOUTS[args.layout]   # a preset of this process: the run's checkpoint names it, resuming needs the same --layout
    start = time.perf_counter()
    model = train_generator(args.corpus, args.out, "small", steps=args.steps, seed=args.seed, dit=preset, aligned_music=False)
    print(f"{args.layout}, seed {args.seed}: {args.steps} steps, {time.perf_counter() - start:.0f} s in this process; model in {model}", file=sys.stderr)
