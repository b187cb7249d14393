"""The 2D dance metrics on a teaching corpus (music2pose.corpus/1), with controls, and against real AIST++.

Run by hand from the repository root (not a test):

    PYTHONPATH=. python benchmarks/corpus_metrics.py CORPUS_DIR [--aist DIR] [--window 2.0] [--seed 0]

Corpus format: CORPUS_DIR/corpus.json {"format": "music2pose.corpus/1", "fps", "sr", "clips": [{"id", "song",
"audio", "poses", "seconds", "bpm", "seed"}, ...]}, CORPUS_DIR/songs/<song>.json {"beat_times": [s, ...], ...},
CORPUS_DIR/<clip poses>.npz (a PoseSequence saved with music2pose.poses.save_npz). A clip's dance starts at time 0
of its song (or at the clip's optional "start" seconds); music beats are the song's beat_times shifted by that
start and cut to the dance.

Prints
- BAS of each dance with its own music beats vs with the beats of another clip (the next clip in the list with a
  different song; of another BPM where there is one), mean and std over clips, both conventions (sigma 0.05 s).
- FID_k between two halves of the corpus (even vs odd clips, whole clips as samples), and between the corpus and
  its time-shuffled dances (frames permuted: the "velocities explode" control).
- FID_k between the real AIST++ sequences (file 1 vs file 2) and between real and synthetic: every set cut into
  windows of --window seconds, resampled to the corpus fps, converted to COCO-17; file 1 (or both files) is the
  real set whose statistics normalise.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from music2pose.files import load_corpus as read_index
from music2pose.metrics import BAS_CONVENTIONS, beat_align_score, fid_k
from music2pose.poses import PoseSequence, find_shared_data, load_aistpp_keypoints2d, load_npz

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling script, also when loaded by path
from real_metrics import windows  # noqa: E402


def load_corpus(root: Path):
    "(corpus dict, list of (clip, PoseSequence, music beats in dance time)); the audio is not needed."
    corpus = read_index(root, check_files=False)
    songs, items = {}, []
    for clip in tqdm(corpus["clips"], desc="loading clips"):
        if clip["song"] not in songs:
            song_file = root / "songs" / f"{clip['song']}.json"
            if not song_file.is_file(): raise FileNotFoundError(f"{song_file}: no beat file for song {clip['song']!r}")
            beats = json.loads(song_file.read_text()).get("beat_times")
            if beats is None: raise ValueError(f"{song_file}: no 'beat_times'")
            songs[clip["song"]] = np.asarray(beats, dtype=np.float64)
        seq = load_npz(root / clip["poses"])
        music = songs[clip["song"]] - float(clip.get("start", 0.0))
        items.append((clip, seq, music[(music >= 0) & (music <= seq.duration)]))
    return corpus, items


def other_clip(i: int, items) -> int:
    "Index of the next clip with another song, preferring another BPM; the next clip if every song is the same."
    n, me = len(items), items[i][0]
    order = [(i + d) % n for d in range(1, n)]
    for want_other_bpm in (True, False):
        for j in order:
            c = items[j][0]
            if c["song"] != me["song"] and (not want_other_bpm or c.get("bpm") != me.get("bpm")): return j
    return order[0] if order else i


def time_shuffled(seq: PoseSequence, rng) -> PoseSequence:
    return seq[rng.permutation(len(seq))]


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", type=Path, help="corpus folder (holds corpus.json)")
    ap.add_argument("--aist", type=Path, default=None, help="AIST++ keypoints2d folder (default: shared data; skipped if absent)")
    ap.add_argument("--window", type=float, default=2.0, help="window length (s) for the corpus vs AIST++ comparison")
    ap.add_argument("--seed", type=int, default=0, help="seed of the time shuffles")
    args = ap.parse_args(argv)
    corpus, items = load_corpus(args.corpus)
    fps = float(corpus.get("fps", items[0][1].fps))
    results = {}
    print(f"corpus {args.corpus}: {len(items)} clips, {len({c['song'] for c, _, _ in items})} songs, {fps:g} fps")

    print("\n== BAS: own music beats vs another clip's beats (sigma 0.05 s), mean +- std over clips ==")
    for conv in BAS_CONVENTIONS:
        own = np.array([beat_align_score(seq, beats, conv) for _, seq, beats in items])
        other = np.array([beat_align_score(seq, items[other_clip(i, items)][2], conv) for i, (_, seq, _) in enumerate(items)])
        results[f"bas_{conv}_own"], results[f"bas_{conv}_other"] = own, other
        print(f"   {conv:9s} own beats {own.mean():.3f} +- {own.std():.3f}   another clip's beats {other.mean():.3f} +- {other.std():.3f}")

    print("\n== FID_k within the corpus (whole clips as samples) ==")
    dances = [seq.to_layout("coco17") for _, seq, _ in items]
    rng = np.random.default_rng(args.seed)
    shuffled = [time_shuffled(d, rng) for d in dances]
    if len(dances) >= 4:
        results["fid_k_halves"] = fid_k(dances[0::2], dances[1::2])
        print(f"   even clips vs odd clips         {results['fid_k_halves']:12.2f}")
    else:
        print(f"   halves: skipped (need at least 4 clips for two sets of 2, have {len(dances)})")
    results["fid_k_shuffled"] = fid_k(dances, shuffled)
    print(f"   corpus vs time-shuffled corpus  {results['fid_k_shuffled']:12.2f}")

    folder = args.aist or find_shared_data("aistpp", "keypoints2d")
    paths = sorted(Path(folder).glob("*.pkl")) if folder is not None else []
    if len(paths) < 2:
        print("\n(AIST++ comparison skipped: no folder with 2 AIST++ .pkl files; pass --aist DIR)")
        return results
    print(f"\n== FID_k real vs synthetic ({args.window:g} s windows at {fps:g} fps, COCO-17) ==")
    real = [[w for v in range(9) for w in windows(load_aistpp_keypoints2d(p, view=v).resample(fps), args.window)]
            for p in paths[:2]]
    synthetic = [w for d in dances for w in windows(d, args.window)]
    if len(synthetic) < 2:
        print(f"   skipped: the corpus gives {len(synthetic)} windows of {args.window:g} s; need 2")
        return results
    results["fid_k_real_real"] = fid_k(real[0], real[1])
    results["fid_k_real_synth"] = fid_k(real[0], synthetic)
    results["fid_k_realboth_synth"] = fid_k(real[0] + real[1], synthetic)
    print(f"   AIST++ file 1 vs file 2 ({len(real[0])} vs {len(real[1])} windows)      {results['fid_k_real_real']:12.2f}")
    print(f"   AIST++ file 1 vs corpus ({len(real[0])} vs {len(synthetic)} windows)      {results['fid_k_real_synth']:12.2f}")
    print(f"   AIST++ both files vs corpus ({len(real[0]) + len(real[1])} vs {len(synthetic)}) {results['fid_k_realboth_synth']:12.2f}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
