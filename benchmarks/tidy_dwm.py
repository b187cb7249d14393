"""What the read-back and `tidy_dance` do to real and generated dances, on the validation split of a Dance with Melody corpus.

    python benchmarks/tidy_dwm.py CORPUS [--model DIR] [--frames 600] [--clips N]

CORPUS is one made by `dance_with_melody_to_corpus(src, CORPUS, views=range(5))` (14_train). Two questions:
- **Does the pose VAE hold the generator back?** The real validation dances, encoded by the model's pose VAE and decoded
  in 200-frame pieces, read back as the pipeline does (the path read-back within reach of the dancer's median pose),
  scored as read back and tidied.
- **How wide should the smoothing be?** The model's validation dances as read back (`tidy=False`), tidied with the
  smoothing at 1/8, 1/4 (the pipeline's `SMOOTH_COLUMNS`), 3/8 and 1/2 of a column.
Every row is scored by `evaluate` against the real dances, with the protocol of `music2pose evaluate --frames 600`.
"""
import argparse
import time

import numpy as np
import torch

import music2pose.pipeline as pipeline
from music2pose.evaluate import (EvalProtocol, evaluate, format_table, generated_dances, ground_truth, load_heldout,
                                 segment_boundaries)
from music2pose.pipeline import Music2PosePipeline, as_reference_pose, tidy_dance

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("corpus", help="a Dance with Melody corpus folder with a val split")
p.add_argument("--model", default=None, help="generator folder (default: the shipped one)")
p.add_argument("--frames", type=int, default=600, help="frames scored per clip (default: 600 = 20 s)")
p.add_argument("--clips", type=int, default=None, help="the first N validation clips (default: all)")
args = p.parse_args()

t0 = time.perf_counter()
held = load_heldout(args.corpus, args.clips, args.frames, split="val", progress=False)
pipe = Music2PosePipeline.from_pretrained(args.model)
references = [as_reference_pose(d) for d in held.dances]
stride = pipe.vae.stride

def through_the_vae(dance, reference, piece: int = 200):
    "The dance encoded and decoded a piece at a time, read back with the pipeline's read-back."
    parts = []
    with torch.no_grad():
        for a in range(0, len(dance), piece):
            z = pipe.vae.encode_poses(dance[a:a + piece])
            parts.append(pipe.vae.decode_poses(z, fps=dance.fps, frame_size=dance.frame_size, body=reference)[0][:len(dance[a:a + piece])])
    return parts[0].replace(keypoints=np.concatenate([q.keypoints for q in parts]), confidence=np.concatenate([q.confidence for q in parts]))

read_real = [through_the_vae(d, r) for d, r in zip(held.dances, references)]
methods = {"real dancers": ground_truth(held),
           "real, through the VAE, read back": read_real,
           "real, through the VAE, tidied": [tidy_dance(d, r, stride) for d, r in zip(read_real, references)]}
read_generated = generated_dances(pipe, held, progress=False, tidy=False)
methods["generated, read back"] = read_generated
for share in (0.125, 0.25, 0.375, 0.5):
    pipeline.SMOOTH_COLUMNS = share   # tidy_dance reads the module's constant
    methods[f"generated, tidied, smoothing {share:g} column"] = [tidy_dance(d, r, stride) for d, r in zip(read_generated, references)]
protocol = EvalProtocol(held.fps, held.frames, held.name, len(held), str(held.path), beats=held.beat_source,
                        boundaries=segment_boundaries(held.frames))
print(format_table(evaluate(methods, held, protocol)))
print(f"\n{time.perf_counter() - t0:.0f} s")
