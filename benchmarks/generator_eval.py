"""Does a trained generator dance to the music? `music2pose evaluate` with the "music zeroed" control, on one 256-frame segment per clip.

    python benchmarks/generator_eval.py --model runs/gen-small/model --heldout HELDOUT_CORPUS --train TRAIN_CORPUS [--clips 20]

For every held-out clip (music the generator never trained on) the generator dances one 256-frame window to the clip's
music, with the clip's own dancer as the reference, and again with the music features replaced by the training mean
("music zeroed"). Both are scored next to the ground truth, a random training clip and music-feature retrieval
(see nbs/19_evaluate.ipynb): FID_k, FID_g, Div_k, BAS (both conventions, sigma 0.05 s) against the clip's own beats
and another clip's, jitter, bone-length CV. Any `music2pose evaluate` option can be added (a later --frames wins).
"""
import sys

from music2pose.evaluate import main

if __name__ == "__main__":
    sys.exit(main(["--frames", "256", "--zero-music", "--clips", "20", *sys.argv[1:]]))
