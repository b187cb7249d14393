"""Decoding chunks: does cutting a song's latents into smaller chunks (so both CPU threads decode) change the dances?

    python benchmarks/decode_chunks.py --heldout dwm5 --split val --frames 600 --seeds 0 1 2

For every held-out clip and sampling seed the shipped generator samples the song's latents once; they are then decoded
twice, in chunks of 64 columns (the code before `song_chunk`) and in `song_chunk`'s chunks, each tidied as the pipeline
tidies. Printed: how far the two dances are apart (keypoints, fractions of the frame), and the study's scores of each
(`study.clip_scores`, FID_k against the held-out dances), mean over clips, per seed.
"""
import argparse
import time

import numpy as np
import torch

from music2pose.evaluate import load_heldout
from music2pose.metrics import fid_k
from music2pose.pipeline import (CPU_THREADS, Music2PosePipeline, as_reference_pose, bf16_is_fast, decode_song, plan_segments,
                                 song_chunk, tidy_dance, torch_threads)
from music2pose.study import clip_scores

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--heldout", required=True, help="a corpus folder (Dance with Melody's, with its split)")
p.add_argument("--split", default="val"); p.add_argument("--frames", type=int, default=600)
p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
args = p.parse_args()

pipe = Music2PosePipeline.from_pretrained()
heldout = load_heldout(args.heldout, frames=args.frames, split=args.split, fps=pipe.fps, progress=False)
layout = heldout.dances[0].layout
precision = "bf16" if bf16_is_fast() else "fp32"   # as the pipeline's decode_precision="auto"
rows = []
for seed in args.seeds:
    dances, diffs, t0 = {"64": [], "song_chunk": []}, [], time.perf_counter()
    for music, real in zip(heldout.music, heldout.dances):
        reference = as_reference_pose(real)
        mf = pipe.song_features(music)
        plan = plan_segments(len(mf.features), pipe.window_frames, pipe.overlap_frames, pipe.frames_per_token)
        with torch.no_grad(), torch_threads(CPU_THREADS):
            latents = pipe.song_latents(mf, plan, reference, 30, 2.0, torch.Generator().manual_seed(seed), False)
            for name, chunk in (("64", 64), ("song_chunk", song_chunk(latents.shape[-1]))):
                decoded = decode_song(pipe.vae, latents, pipe.fps, reference.frame_size, chunk, precision=precision, body=reference)[:len(mf.features)]
                dances[name].append(tidy_dance(decoded, reference, pipe.frames_per_token).to_layout(layout)[:heldout.frames])
        a, b = dances["64"][-1].keypoints, dances["song_chunk"][-1].keypoints
        d = np.abs(a - b)
        diffs.append(d[np.isfinite(d)])
    d = np.concatenate(diffs)
    print(f"seed {seed} ({time.perf_counter() - t0:.0f} s): keypoints apart: median {np.median(d):.2e}, 99th percentile {np.percentile(d, 99):.4f}, "
          f"max {d.max():.3f}; {100 * (d > 0.01).mean():.1f}% of coordinates more than 1% of the frame apart", flush=True)
    for name, ds in dances.items():
        s = clip_scores(ds, heldout)
        row = {k: float(np.nanmean(s[k])) for k in ("bas_own", "bas_gap", "jitter", "median_speed", "bone_cv")}
        row["fid_k"] = fid_k(heldout.dances, ds)
        rows.append((seed, name, row))
        print(f"  chunks {name:10s} " + "  ".join(f"{k} {v:.3f}" for k, v in row.items()), flush=True)
print("mean over seeds:")
for name in ("64", "song_chunk"):
    r = [row for _, n, row in rows if n == name]
    print(f"  chunks {name:10s} " + "  ".join(f"{k} {np.mean([x[k] for x in r]):.3f} ± {np.std([x[k] for x in r]):.3f}" for k in r[0]))
