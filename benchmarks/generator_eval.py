"""Does a trained generator dance to the music? One 256-frame segment per held-out clip, scored against baselines.

    python benchmarks/generator_eval.py --model runs/gen-small/model --heldout HELDOUT_CORPUS --train TRAIN_CORPUS

For every held-out clip (music the generator never trained on) it generates one segment from the clip's music,
with the clip's own dancer as the shape-only reference (its median pose), and scores:
- BAS (both conventions, sigma 0.05 s) against the clip's own score beats and against another clip's beats;
- FID_k and Div_k against the held-out dances themselves (first segment of each clip);
- jitter (mean jerk, frame heights / s³) and the mean frame-to-frame joint step (normalised image units), against the real dances'.
Baselines, scored the same way: the same model with the music features zeroed (after normalisation: the mean song), and a random training-clip segment.
"""
import argparse
import json
from pathlib import Path

import numpy as np
import torch

from music2pose.data import corpus_clips, song_features
from music2pose.metrics import beat_align_score, diversity, fid_k, jitter
from music2pose.reference import reference_pose_from
from music2pose.train import generate_segment, load_generator

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--model", required=True, help="a trained generator folder (<out_dir>/model)")
p.add_argument("--heldout", required=True, help="a corpus folder the generator never saw")
p.add_argument("--train", required=True, help="the training corpus (for the random-clip baseline)")
p.add_argument("--clips", type=int, default=20)
p.add_argument("--steps", type=int, default=30)
p.add_argument("--guidance", type=float, default=2.0)
p.add_argument("--seed", type=int, default=0)
args = p.parse_args()

gen = load_generator(args.model)
W = gen.window_frames
held = corpus_clips(args.heldout)[:args.clips]
feats = song_features(held, gen.fps, progress=False)
rng = np.random.default_rng(args.seed)
train = corpus_clips(args.train)

def score_beats(clip):
    beats = np.asarray(json.loads((Path(args.heldout) / "songs" / f"{clip.song}.json").read_text())["beat_times"])
    return beats[beats < W / gen.fps]

real, fake, zeroed, randclip = [], [], [], []
for clip in held:
    dance = clip.load_poses().resample(gen.fps)[:W]
    ref = reference_pose_from(dance, "median")
    g = torch.Generator().manual_seed(args.seed)
    mf = feats[clip.song]
    fake.append(generate_segment(gen.model, gen.vae, mf.features[:W], (gen.music_mean, gen.music_std), ref,
                                 args.steps, args.guidance, g, W, gen.fps))
    g = torch.Generator().manual_seed(args.seed)
    zeroed.append(generate_segment(gen.model, gen.vae, np.broadcast_to(gen.music_mean, mf.features[:W].shape),  # the training mean: zeros once normalised
                                   (gen.music_mean, gen.music_std), ref,
                                   args.steps, args.guidance, g, W, gen.fps))
    other = train[rng.integers(len(train))].load_poses().resample(gen.fps)
    start = int(rng.integers(0, max(len(other) - W, 0) + 1))
    randclip.append(other[start:start + W])
    real.append(dance)

own = [score_beats(c) for c in held]
others = own[1:] + own[:1]  # another clip's beats: the next clip's (a different song)
print(f"{len(held)} held-out clips, segments of {W} frames at {gen.fps:g} fps, {args.steps} Euler steps, guidance {args.guidance}")
print(f"{'dances':28s} | BAS fact: own, other beats (mean +- std over clips) | BAS bailando: own, other | {'FID_k':>8s} {'Div_k':>6s} | {'jitter':>7s} {'step':>7s}")
for name, dances in (("held-out real (reference)", real), ("generated", fake), ("generated, music zeroed", zeroed),
                     ("random training clip", randclip)):
    cells = []
    for conv in ("fact", "bailando"):
        a = [beat_align_score(d, b, conv) for d, b in zip(dances, own)]
        o = [beat_align_score(d, b, conv) for d, b in zip(dances, others)]
        cells.append(f"{np.mean(a):.3f} +- {np.std(a):.3f} {np.mean(o):.3f} +- {np.std(o):.3f}")
    f = 0.0 if dances is real else fid_k(real, dances)
    jit = np.mean([jitter(d) for d in dances])
    step = np.mean([np.nanmean(np.linalg.norm(np.diff(d.keypoints, axis=0), axis=-1)) for d in dances])
    print(f"{name:28s} | {cells[0]} | {cells[1]} | {f:8.2f} {diversity(dances, real):6.2f} | {jit:7.1f} {step:7.4f}")
