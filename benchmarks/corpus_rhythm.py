"""Beat alignment of a corpus's dances with their own music vs with another clip's beats.

Usage: python benchmarks/corpus_rhythm.py CORPUS_DIR [--sigma 0.05]

For every clip: the Bailando-style beat alignment score (mean over the music beats inside the dance of
exp(-d^2 / 2 sigma^2), d = distance to the nearest motion beat) of the dance with its own song's beats, and
with the beats of the song of the next clip in the index whose starting tempo differs by more than 5%
(cyclically), so that the comparison is never against the same tempo.
"""
import argparse
import sys
from pathlib import Path

import numpy as np

from music2pose.choreo import beat_alignment, load_corpus, motion_beats
from music2pose.poses import load_npz
from music2pose.synth import Score


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus"); ap.add_argument("--sigma", type=float, default=0.05)
    args = ap.parse_args(argv)
    root = Path(args.corpus)
    clips = load_corpus(root)["clips"]
    scores = {c["song"]: Score.load(root / "songs" / f"{c['song']}.json") for c in clips}
    own, other = [], []
    for k, clip in enumerate(clips):
        dance = load_npz(root / clip["poses"])
        mb = motion_beats(dance)
        beats = scores[clip["song"]].beat_times
        own.append(beat_alignment(beats[beats < dance.duration], mb, args.sigma))
        for j in range(1, len(clips)):
            alt = clips[(k + j) % len(clips)]
            if abs(alt["bpm"] / clip["bpm"] - 1) > 0.05: break
        alt_beats = scores[alt["song"]].beat_times
        other.append(beat_alignment(alt_beats[alt_beats < dance.duration], mb, args.sigma))
    own, other = np.array(own), np.array(other)
    print(f"{root}: {len(clips)} clips, sigma = {args.sigma} s")
    print(f"  own music:   mean {own.mean():.3f}  std {own.std():.3f}  min {own.min():.3f}")
    print(f"  other music: mean {other.mean():.3f}  std {other.std():.3f}  max {other.max():.3f}")
    print(f"  own > other for {(own > other).mean():.0%} of clips")
    return own, other


if __name__ == "__main__":
    main(sys.argv[1:])
