"""The generator's beat problem without the image VAE: the raw-coordinate baseline (`music2pose.raw`, nbs/21_raw.ipynb)
trained with only some of the beat recipe's switches, then scored on held-out clips.

    python benchmarks/raw_coordinates_probe.py --corpus TRAIN_CORPUS --heldout HELDOUT_CORPUS --out DIR [--steps 6000]
        [--beat-phase] [--aligned-music] [--frame-motion-loss 1.0] [--clips 40] [--seed 0]

The experiment of 14_train's "Where the beat gets lost": the `small` raw-coordinate preset (the same DiT and budget
as the generator; 8 frames x 36 coordinates per token, no reference) with the `sample` loss weighting, and the beat
phase, the `aligned_music` shortcut and the frame-to-frame motion term of weight W only when asked for (the full
recipe is `music2pose train-raw`). It trains into DIR (resumable: run it again to continue) and `music2pose
evaluate` scores DIR/model on the first --clips held-out clips (256 frames, 30 Euler steps, guidance 2) next to the
ground truth: BAS against the clip's own beats and another clip's, jitter, FID_k. About 10 minutes on one CPU core.
"""
import argparse
import sys

from music2pose.evaluate import main as evaluate
from music2pose.raw import train_raw_generator

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", required=True); p.add_argument("--heldout", required=True); p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=6000); p.add_argument("--clips", type=int, default=40)
    p.add_argument("--beat-phase", action="store_true"); p.add_argument("--aligned-music", action="store_true")
    p.add_argument("--frame-motion-loss", type=float, default=0.0); p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    model = train_raw_generator(args.corpus, args.out, "small", steps=args.steps, seed=args.seed, beat_phase=args.beat_phase,
                                aligned_music=args.aligned_music, motion_loss=args.frame_motion_loss)
    sys.exit(evaluate(["--heldout", args.heldout, "--model", str(model), "--clips", str(args.clips), "--frames", "256",
                       "--methods", "truth", "--seed", str(args.seed)]))
