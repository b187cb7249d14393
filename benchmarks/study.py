"""The runs behind `nbs/22_study.ipynb`: score arms of trained generators, or train and measure VAE variants, over seeds.

    # generators (each arm: its training seeds' model folders), e.g. time-shared vs text-style ids:
    python benchmarks/study.py generators --heldout HELDOUT40 --clips 40 --frames 256 --out nbs/results/indexing.json \
        --arm "time-shared=RUN0/model,RUN1/model,RUN2/model" --arm "text-style=RUN3/model,RUN4/model,RUN5/model"
    # the same on the validation songs of a training corpus (Dance with Melody), 20 s a clip:
    python benchmarks/study.py generators --heldout dwm5 --heldout-split val --frames 600 --real \
        --out nbs/results/dwm_indexing.json --arm ...
    # the same dances drawn anew (sampling seed S; one study file per seed: a generator's FID_k swings 2-5x with it)
    python benchmarks/study.py generators ... --seed S --out study_seedS.json
    # VAE variants, 3 seeds, the small recipe for 400 steps:
    python benchmarks/study.py vae --ablation value --corpus TRAIN_CORPUS --heldout HELDOUT40 --out-dir runs/vae-value \
        --json nbs/results/vae_value.json

Both resume after an interruption (finished generators / VAEs are skipped) and print the table over seeds.
"""
import argparse
import json
import sys
from pathlib import Path

from music2pose.evaluate import load_heldout, segment_boundaries
from music2pose.files import atomic_write, load_corpus
from music2pose.poses import find_shared_data, load_aistpp_keypoints2d, load_npz
from music2pose.study import arm_table, clip_scores, format_arm_table, format_spread, run_study, vae_ablation, vae_table

VAE_ABLATIONS = {
    # the all-channel VAE gets as many latent channels as the 12 groups together (12 x 4): latents of the same size
    "grouping": {"rgb": {"grouping": "rgb"}, "all": {"grouping": "all", "latent_channels": 48}},
    "value": {"one": {"value": "one"}, "confidence": {"value": "confidence"}},
}


def parse_arm(text: str) -> tuple[str, list[str]]:
    name, sep, folders = text.partition("=")
    if not sep or not name or not folders: raise argparse.ArgumentTypeError(f"--arm {text!r}: expected NAME=DIR[,DIR...]")
    missing = [f for f in folders.split(",") if f != "default" and not Path(f).is_dir()]
    if missing: raise argparse.ArgumentTypeError(f"--arm {name}: no such generator folder: {', '.join(missing)}")
    return name, folders.split(",")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="what", required=True)
    g = sub.add_parser("generators", help="score arms of generator folders on a held-out corpus")
    g.add_argument("--arm", type=parse_arm, action="append", required=True, metavar="NAME=DIR[,DIR...]")
    g.add_argument("--heldout", required=True); g.add_argument("--clips", type=int); g.add_argument("--frames", type=int)
    g.add_argument("--heldout-split", choices=("all", "val", "test"), default="all",
                   help="score the songs of this split of a training corpus (default: every clip of --heldout)")
    g.add_argument("--steps", type=int, default=30); g.add_argument("--guidance", type=float, default=2.0)
    g.add_argument("--seed", type=int, default=0, help="sampling seed (default 0): another draws every dance anew from the same model")
    g.add_argument("--out", required=True, help="the study's JSON (resumed if it exists)")
    g.add_argument("--real", action="store_true", help="also score the held-out dances themselves (arm 'real dancers')")
    v = sub.add_parser("vae", help="train and measure VAE variants over seeds")
    v.add_argument("--ablation", choices=sorted(VAE_ABLATIONS), required=True)
    v.add_argument("--corpus", required=True); v.add_argument("--heldout", required=True)
    v.add_argument("--clips", type=int, default=40, help="held-out clips to measure on (default 40)")
    v.add_argument("--views", type=int, default=9, help="camera views of each real AIST++ sequence to measure on (default all 9)")
    v.add_argument("--steps", type=int, default=400)
    v.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2]); v.add_argument("--out-dir", required=True)
    v.add_argument("--json", help="also copy the results here")
    args = p.parse_args(argv)

    if args.what == "generators":
        heldout = load_heldout(args.heldout, args.clips, args.frames, progress=False,
                               split=None if args.heldout_split == "all" else args.heldout_split)
        study = run_study(dict(args.arm), heldout, args.out, args.steps, args.guidance, args.seed)
        if args.real:   # the yardstick: the same scores for the dances the generators are compared with
            scores = clip_scores(heldout.dances, heldout, segment_boundaries(heldout.frames))
            study["arms"].pop("real dancers", None)   # re-added last: the yardstick row closes the table, however many arms come later
            study["arms"]["real dancers"] = {"held-out dances": {**scores, "fid_k": 0.0}}
            with atomic_write(args.out, "w") as f: json.dump(study, f, indent=1)
        print(format_arm_table(arm_table(study, ("bas_own", "bas_other", "bas_gap", "tempo_lock", "tempo_gap", "fid_k", "jitter", "median_speed", "bone_cv",
                                                 "disc_position", "disc_velocity", "proportion_error", "proportion_change"))))
        return 0

    held = [load_npz(Path(args.heldout) / c["poses"]) for c in load_corpus(args.heldout)["clips"][:args.clips]]
    test_sets = {"held-out synthetic": held}
    aist = find_shared_data("aistpp", "keypoints2d")
    if aist: test_sets["real AIST++ 30 fps"] = [load_aistpp_keypoints2d(f, view=k).resample(30) for f in sorted(aist.glob("*.pkl")) for k in range(args.views)]
    else: print("../shared/data/aistpp not found: measuring on the synthetic held-out clips only", file=sys.stderr)
    results = vae_ablation(args.corpus, test_sets, VAE_ABLATIONS[args.ablation], args.seeds, "small", args.steps, args.out_dir)
    if args.json:
        with atomic_write(args.json, "w") as f: f.write((Path(args.out_dir) / "results.json").read_text())
    for name in test_sets:
        print(f"\n{name}: {args.steps} steps of the small recipe per VAE; mean ± std over seeds (n)")
        for variant, row in vae_table(results, name).items():
            print(f"  {variant:10s} " + "  ".join(f"{m} {format_spread(s, 4)}" for m, s in row.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
