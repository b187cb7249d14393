"""Where a dance's motion is: travel (the hips' centre) against the body around it, for real and generated dances.

    python benchmarks/motion_parts.py --heldout dwm5 --split val --seeds 0 1 2 [--model DIR]

For every held-out clip (`--frames` frames), the real dance and the generator's dance for it (`--model`, default the
shipped one; sampling seeds `--seeds`) are split into the centre of the hips and every joint around that centre. Each
part's typical speed is the median over frames (frame heights a second, x scaled by the aspect ratio):
- `whole`: `metrics.median_speed` (the mean joint speed), as the study tables report it;
- `travel`: the speed of the hips' centre;
- `around`: the mean speed of the joints relative to that centre (arms, legs, turns of the body).
Printed per arm: the means over clips, and their ratio to the real dancers'.
"""
import argparse

import numpy as np

from music2pose.evaluate import generated_dances, load_heldout
from music2pose.metrics import median_speed
from music2pose.poses import get_layout


def part_speeds(seq) -> dict:
    "The typical speed of the whole body, of the hips' centre and of the joints around it (frame heights / s)."
    names = list(get_layout(seq.layout).names)
    p = seq.keypoints.astype(np.float64) * seq.aspect_scale
    p = np.where((seq.confidence > 0)[..., None], p, np.nan)
    centre = p[:, [names.index("right_hip"), names.index("left_hip")]].mean(1)
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
    rows = {name: {k: float(np.mean([part_speeds(d)[k] for d in dances])) for k in ("whole", "travel", "around")}
            for name, dances in arms.items()}
    real = rows["real dancers"]
    print(f"{len(held)} clips of {held.frames} frames ({args.heldout}, {args.split}); median speeds in frame heights a second\n")
    print("| dances | whole body | travel (hips' centre) | around the centre |\n|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | " + " | ".join(f"{r[k]:.4f} ({r[k] / real[k]:.2f}x)" for k in ("whole", "travel", "around")) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
