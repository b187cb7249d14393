"""The 2D dance metrics on the two real AIST++ sequences: what "real" looks like, before any generator exists.

Run by hand from the repository root (not a test):

    PYTHONPATH=. python benchmarks/real_metrics.py [--data DIR] [--window 2.0]

Sets of dances. Each AIST++ file is one dance filmed by 9 synchronised cameras; a 2D metric sees each camera view
as a different 2D dance, so a file gives a set of 9 "dances" (12 s each). FID needs a covariance over 51 kinetic
features, and 9 samples give a rank-8 one, so we also cut every view into non-overlapping windows of `--window`
seconds (default 2 s: 6 windows x 9 views = 54 samples per file). Both are printed; the windows are the steadier
estimate. The two files share dancer (d04) and music (mBR0, 80 BPM) but not choreography (ch01 vs ch03).

FID_k / FID_g: file 1's set is "real" (its mean and std z-normalise both sets), file 2's is "fake".
Div_k: each file's set, normalised with its own statistics and (second number) with file 1's.
BAS: the music is not available, only its tempo, so the beats are an 80 BPM grid at the best phase: one phase per
file (the 9 cameras are synchronised), the one maximising the mean score over views. The same search against a
97 BPM grid is the control; chance for a randomly placed motion beat is sigma*sqrt(2*pi)/period.
Jitter (frame heights / s^3) and bone-length CV are per view, mean and std over the 9 views.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from music2pose.metrics import (BAS_CONVENTIONS, beat_alignment, beat_grid, bone_length_cv, diversity, fid_g, fid_k,
                                jitter, motion_beats)
from music2pose.poses import PoseSequence, find_shared_data, load_aistpp_keypoints2d

SIGMA = 0.05


def windows(seq: PoseSequence, seconds: float) -> list[PoseSequence]:
    "Non-overlapping windows of `seconds` (the remainder at the end is dropped)."
    n = int(round(seconds * seq.fps))
    if n < 5: raise ValueError(f"window of {seconds} s is too short at {seq.fps:g} fps")
    return [seq[i:i + n] for i in range(0, len(seq) - n + 1, n)]


def best_common_phase(dances: list[PoseSequence], bpm: float, convention: str, resolution_s: float = 0.005):
    "(mean score, per-dance scores, offset): one grid phase for all dances, the one with the best mean BAS."
    beats = [motion_beats(d) for d in dances]
    best = (-1.0, None, 0.0)
    for offset in np.arange(0, 60.0 / bpm, resolution_s):
        scores = [beat_alignment(b, beat_grid(bpm, d.duration, offset), SIGMA, convention) for b, d in zip(beats, dances)]
        if np.mean(scores) > best[0]: best = (float(np.mean(scores)), np.array(scores), float(offset))
    return best


def load_views(path: Path) -> list[PoseSequence]:
    return [load_aistpp_keypoints2d(path, view=v) for v in range(9)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=None, help="folder of AIST++ keypoints2d .pkl files (default: shared data)")
    ap.add_argument("--window", type=float, default=2.0, help="window length in seconds for the windowed sets")
    args = ap.parse_args()
    folder = args.data or find_shared_data("aistpp", "keypoints2d")
    if folder is None: raise SystemExit("no AIST++ keypoints2d folder found; pass --data DIR")
    paths = sorted(Path(folder).glob("*.pkl"))
    if len(paths) < 2: raise SystemExit(f"{folder}: need 2 AIST++ .pkl files, found {len(paths)}")
    names = [p.stem for p in paths[:2]]
    views = [load_views(p) for p in paths[:2]]
    wins = [[w for v in vs for w in windows(v, args.window)] for vs in views]
    print(f"files: 1 = {names[0]}, 2 = {names[1]}; {views[0][0]}")

    print("\n== distribution metrics (file 1 = real, file 2 = fake) ==")
    for label, sets in ((f"9 views x {views[0][0].duration:g} s", views), (f"{len(wins[0])} windows of {args.window:g} s", wins)):
        print(f"{label:24s} FID_k {fid_k(sets[0], sets[1]):10.2f}   FID_g {fid_g(sets[0], sets[1]):8.2f}   "
              f"Div_k file1 {diversity(sets[0]):6.2f}  file2 {diversity(sets[1]):6.2f}  "
              f"file2 in file1 units {diversity(sets[1], real=sets[0]):6.2f}   "
              f"Div_g file1 {diversity(sets[0], kind='geometric'):5.2f}  file2 {diversity(sets[1], kind='geometric'):5.2f}")

    print("\n== beat alignment vs a beat grid at the best common phase (sigma 0.05 s) ==")
    for bpm in (80, 97):
        print(f"-- {bpm} BPM grid (chance {SIGMA * math.sqrt(2 * math.pi) / (60 / bpm):.3f})")
        for name, vs in zip(names, views):
            for conv in BAS_CONVENTIONS:
                mean, scores, offset = best_common_phase(vs, bpm, conv)
                print(f"   {name:32s} {conv:9s} BAS {mean:.3f} +- {scores.std():.3f} over 9 views (phase {offset:.3f} s)")

    print("\n== diagnostics, mean +- std over 9 views ==")
    for name, vs in zip(names, views):
        j, b = np.array([jitter(v) for v in vs]), np.array([bone_length_cv(v) for v in vs])
        nb = np.array([len(motion_beats(v)) / v.duration for v in vs])
        print(f"   {name:32s} jitter {j.mean():7.0f} +- {j.std():5.0f} frame heights/s^3   "
              f"bone length CV {b.mean():.3f} +- {b.std():.3f}   motion beats {nb.mean():.2f}/s")


if __name__ == "__main__":
    main()
