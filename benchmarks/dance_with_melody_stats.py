"""Dance with Melody: convert the whole dataset (all nine phone views, 30 fps), report the time it took, the corpus'
size by style, and check every clip (keypoints inside the frame, music as long as the dance); then the tempo check:
the song part's tempo from `music2pose.music` against the dancer's own rate: the lag, in beats, at which the feet's
speed repeats (a bar: 3 beats in a waltz, 4 in cha-cha and rumba).

    python benchmarks/dance_with_melody_stats.py [SRC] [OUT]     # defaults: ../shared/data/dance_with_melody, a temp folder
"""
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.ndimage import gaussian_filter1d

from music2pose.data import (DWM_FPS, DWM_VIEWS, dance_with_melody_to_corpus, read_corpus, read_dance_with_melody)
from music2pose.music import music_features
from music2pose.poses import find_shared_data, load_poses


def convert(src: Path, out: Path) -> dict:
    t0 = time.perf_counter()
    index = dance_with_melody_to_corpus(src, out, views=range(len(DWM_VIEWS)), fps=30.0)
    print(f"converted {len({c['dance'] for c in index['clips']})} dances x {len(DWM_VIEWS)} views in {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    dance_with_melody_to_corpus(src, out, views=range(len(DWM_VIEWS)), fps=30.0, progress=False)
    print(f"second run (everything complete, resumed): {time.perf_counter() - t0:.1f} s")
    return index


def corpus_stats(out: Path, index: dict):
    view0 = [c for c in index["clips"] if c["view"] == 0]
    minutes = Counter()
    for c in view0: minutes[c["style"]] += c["seconds"] / 60
    counts = Counter(c["style"] for c in view0)
    print(f"\n{len(view0)} dances, {sum(minutes.values()):.1f} minutes of dance (per view); {len(index['clips'])} clips in all")
    print("| style | dances | minutes |\n|---|---|---|")
    for s in sorted(counts): print(f"| {s} | {counts[s]} | {minutes[s]:.1f} |")
    worst_gap, lows, highs, heights = 0.0, [], [], []
    for c in index["clips"]:
        seq = load_poses(out / c["poses"])
        kp = seq.keypoints
        assert np.isfinite(kp).all(), c["id"]
        lows.append(kp.min()); highs.append(kp.max())
        heights.append(np.median(kp[..., 1].max(1) - kp[..., 1].min(1)) * seq.frame_size[1])
        worst_gap = max(worst_gap, abs(sf.info(out / c["audio"]).duration - len(seq) / seq.fps))
    print(f"\nkeypoints of every clip inside [{min(lows):.3f}, {max(highs):.3f}] (frame: [0, 1]); "
          f"largest |music - dance| duration gap {worst_gap * 1000:.1f} ms (one frame: {1000 / index['fps']:.1f} ms)")
    print(f"dancer height on screen (median over frames, 1080 px frame): median {np.median(heights):.0f} px, "
          f"range {min(heights):.0f}-{max(heights):.0f} px")


def feet_autocorrelation(world: np.ndarray) -> np.ndarray:
    "Autocorrelation (lag 0 = 1) of the feet's summed 3D speed at 25 fps, its drift over 2 s removed (as in 07_data)."
    speed = np.linalg.norm(np.diff(world[:, [9, 10, 11, 18, 19, 20]], axis=0), axis=-1).sum(-1)
    s = gaussian_filter1d(speed - gaussian_filter1d(speed, 2 * DWM_FPS), 1.0)
    ac = np.correlate(s, s, "full")[len(s) - 1:]
    return ac / ac[0]


def tempo_check(src: Path, out: Path, index: dict):
    "Per dance: the song part's tracked tempo, and the lag (in its beats) at which the feet repeat most (1-3 s: a bar)."
    print("\n| dance | style | music BPM (median beat interval) | feet repeat every (beats) | strength |\n|---|---|---|---|---|")
    rows = {}
    lags = np.arange(int(1.0 * DWM_FPS), int(3.0 * DWM_FPS) + 1)
    for c in [c for c in index["clips"] if c["view"] == 0]:
        mf = music_features(out / c["audio"], fps=30.0, start_bpm=c["bpm"])
        beat_s = float(np.median(np.diff(mf.beat_times)))
        ac = feet_autocorrelation(read_dance_with_melody(src / c["dance"]).world)
        lag = lags[np.argmax(ac[lags])]
        rows[c["dance"]] = (c["style"], 60 / beat_s, lag / DWM_FPS / beat_s)
        print(f"| {c['dance']} | {c['style']} | {60 / beat_s:.1f} | {lag / DWM_FPS / beat_s:.2f} | {ac[lag]:.2f} |")
    by_style = {}
    for style, bpm, bar in rows.values(): by_style.setdefault(style, []).append((bpm, bar))
    print("\n| style | dances | music BPM (range) | feet repeat every ... beats: median (range) |\n|---|---|---|---|")
    for style, v in sorted(by_style.items()):
        bpm, bar = np.array(v).T
        print(f"| {style} | {len(v)} | {bpm.min():.1f}-{bpm.max():.1f} | {np.median(bar):.2f} ({bar.min():.2f}-{bar.max():.2f}) |")
    return rows


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else find_shared_data("dance_with_melody")
    if src is None: sys.exit("no Dance with Melody folder: pass one (download_dance_with_melody(dest) gets it)")
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp()) / "dwm_corpus"
    index = convert(src, out)
    corpus_stats(out, index)
    tempo_check(src, out, index)
