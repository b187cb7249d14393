"""Where a dance's motion is: travel (the hips' centre) against the body around it, for real and generated dances.

    python benchmarks/motion_parts.py --heldout dwm5 --split val --seeds 0 1 2 [--model DIR]

For every held-out clip (`--frames` frames), the real dance and the generator's dance for it (`--model`, default the
shipped one; sampling seeds `--seeds`) are split into the centre of the hips and every joint around that centre. Each
part's typical speed is the median over frames (frame heights a second, x scaled by the aspect ratio):
- `whole`: `metrics.median_speed` (the mean joint speed), as the study tables report it;
- `travel`: the speed of the hips' centre;
- `around`: the mean speed of the joints relative to that centre (arms, legs, turns of the body);
- `from reference`: how far the hips' centre is from the reference pose's (the real dancer's median pose, which
  `evaluate` gives the generator), frame heights, the mean over frames: where on the floor the dance goes.
Printed per arm: the means over clips, and their ratio to the real dancers'.
"""
import argparse

import numpy as np

from music2pose.evaluate import generated_dances, load_heldout
from music2pose.metrics import median_speed
from music2pose.poses import get_layout


def hips_centre(seq) -> tuple[np.ndarray, np.ndarray]:
    "The centre of the hips `(T, 2)` in frame heights (NaN where a hip is missing), and every joint `(T, K, 2)`."
    names = list(get_layout(seq.layout).names)
    p = seq.keypoints.astype(np.float64) * seq.aspect_scale
    p = np.where((seq.confidence > 0)[..., None], p, np.nan)
    return p[:, [names.index("right_hip"), names.index("left_hip")]].mean(1), p


def distance_from_reference(seq, reference) -> float:
    "The mean distance of `seq`'s hips' centre from `reference`'s (its median pose), in frame heights."
    centre, _ = hips_centre(seq)
    return float(np.nanmean(np.linalg.norm(centre - np.nanmedian(hips_centre(reference)[0], axis=0), axis=-1)))


def part_speeds(seq) -> dict:
    "The typical speed of the whole body, of the hips' centre and of the joints around it (frame heights / s)."
    centre, p = hips_centre(seq)
    travel = np.linalg.norm(np.diff(centre, axis=0), axis=-1) * seq.fps
    around = np.nanmean(np.linalg.norm(np.diff(p - centre[:, None], axis=0), axis=-1), axis=1) * seq.fps
    return {"whole": median_speed(seq), "travel": float(np.nanmedian(travel)), "around": float(np.nanmedian(around))}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--heldout", required=True, help="a corpus folder (e.g. dwm5)")
    p.add_argument("--split", choices=("val", "test"), default="val")
    p.add_argument("--frames", type=int, default=600)
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--model", default="default")
    args = p.parse_args(argv)
    held = load_heldout(args.heldout, None, args.frames, progress=False, split=args.split)
    arms = {"real dancers": held.dances}
    for seed in args.seeds: arms[f"generator, seed {seed}"] = generated_dances(args.model, held, seed=seed, progress=False)
    parts = ("whole", "travel", "around", "from reference")
    rows = {}
    for name, dances in arms.items():
        clips = [{**part_speeds(d), "from reference": distance_from_reference(d, real)} for d, real in zip(dances, held.dances)]
        rows[name] = {k: float(np.mean([c[k] for c in clips])) for k in parts}
    real = rows["real dancers"]
    print(f"{len(held)} clips of {held.frames} frames ({args.heldout}, {args.split}); median speeds in frame heights a second\n")
    print("| dances | whole body | travel (hips' centre) | around the centre | hips from the reference's |\n|---|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | " + " | ".join(f"{r[k]:.4f} ({r[k] / real[k]:.2f}x)" for k in parts) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
