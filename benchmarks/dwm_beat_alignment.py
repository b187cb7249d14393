"""Do the real Dance with Melody pairs carry the beat, as our metrics see it? Per dance (one camera view):

    python benchmarks/dwm_beat_alignment.py CORPUS [--src ../shared/data/dance_with_melody] [--view 0]

CORPUS is a folder made by `music2pose.data.dance_with_melody_to_corpus` (30 fps, songs cut to the danced part).
Columns, each against the dance's own song's beats (`music_features`, varying tempo) and against another song's:
- BAS: FACT convention (motion beats = minima of the mean joint speed), sigma 0.05 s and 0.1 s; `half` is the own
  beats moved by half a beat (what a dance with no relation to the beat scores), `best off` the constant shift of
  the own beats within +-1 s that scores best, and that score;
- PLV: phase locking of the joint speed to the beat, |sum w e^(2 pi i phase)| / sum |w| with w the speed minus its
  mean and phase the place of each frame between its two beats (0: no relation at any phase, 1: the same speed at
  the same phase of every beat); `stretched`: the motion's clock scaled to the span config.json gives it
  (`end - start` song frames at 25 fps for a capture of `length` frames, which is 0.1-2% shorter);
- tempo: the tracked beats' mean interval against a finer estimate, the onset autocorrelation peak at one bar
  (3 beats in a waltz, 4 otherwise) at 172 frames/s, refined by a parabola;
- tempo lock (`metrics.tempo_lock`, phase-free): how much more the motion repeats after whole beats of the own song
  than half a beat off, against the same at detuned tempi and at another song's tempo.
"""
import argparse
import json
import warnings
from pathlib import Path

import numpy as np

from music2pose.metrics import beat_alignment, joint_speed, motion_beats, tempo_lock
from music2pose.music import music_features
from music2pose.poses import find_shared_data, load_poses

warnings.filterwarnings("ignore", category=RuntimeWarning)


def speed_phase_locking(speed: np.ndarray, times: np.ndarray, beats: np.ndarray) -> float:
    "PLV of a speed curve at `times` (s) to `beats` (s); frames outside the first and last beat do not count."
    k = np.searchsorted(beats, times) - 1
    ok = (k >= 0) & (k < len(beats) - 1) & np.isfinite(speed)
    phase = (times[ok] - beats[k[ok]]) / (beats[k[ok] + 1] - beats[k[ok]])
    w = speed[ok] - speed[ok].mean()
    return float(np.abs((w * np.exp(2j * np.pi * phase)).sum()) / np.abs(w).sum())


def fine_beat_period(audio: Path, tracked_period: float, beats_per_bar: int) -> float:
    "Seconds per beat from the onset envelope's autocorrelation peak near one bar (parabolic refinement)."
    import librosa
    y, sr = librosa.load(audio, sr=22050)
    hop = 128
    env = librosa.onset.onset_strength(y=y, sr=sr, hop_length=hop)
    rate = sr / hop
    lo, hi = int(tracked_period * beats_per_bar * rate * 0.95), int(tracked_period * beats_per_bar * rate * 1.05)
    ac = librosa.autocorrelate(env - env.mean(), max_size=hi + 2)
    lag = lo + int(np.argmax(ac[lo:hi]))
    a, b, c = ac[lag - 1], ac[lag], ac[lag + 1]
    return (lag + 0.5 * (a - c) / (a - 2 * b + c)) / rate / beats_per_bar


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("corpus", type=Path)
    p.add_argument("--src", type=Path, default=None, help="the raw dataset (config.json, skeletons.json); default ../shared")
    p.add_argument("--view", type=int, default=0)
    args = p.parse_args()
    src = args.src or find_shared_data("dance_with_melody")
    clips = [c for c in json.loads((args.corpus / "corpus.json").read_text())["clips"] if c["view"] == args.view]
    pairs = []
    for c in clips:
        dance = load_poses(args.corpus / c["poses"])
        beats = np.asarray(music_features(args.corpus / c["audio"], fps=dance.fps).beat_times)
        cfg = json.loads((src / c["dance"] / "config.json").read_text())
        length = json.loads((src / c["dance"] / "skeletons.json").read_text())["length"]
        pairs.append((c, dance, beats, (cfg["end_position"] - cfg["start_position"]) / length))
    rows = []
    print("| dance | style | BPM | BAS own | other | half | best off (s) | best | BAS own s=0.1 | other s=0.1 | PLV | PLV other | PLV stretched | stretched other | tracked / fine tempo | tempo lock | detuned | other song's tempo |")
    print("|" + "---|" * 18)
    for i, (c, dance, beats, stretch) in enumerate(pairs):
        other = pairs[(i + 1) % len(pairs)][2]
        duration, found = dance.duration, motion_beats(dance)
        inside = lambda b, scale=1.0: b[(b >= 0) & (b <= duration * scale)]
        bas = lambda b, sigma=0.05: beat_alignment(found, inside(b), sigma, "fact")
        period = float(np.median(np.diff(beats)))
        shifts = np.arange(-1.0, 1.0001, 0.02)
        shifted = [bas(beats + s) for s in shifts]
        speed = joint_speed(dance)
        t = np.arange(len(speed)) / dance.fps
        fine = fine_beat_period(args.corpus / c["audio"], (beats[-1] - beats[0]) / (len(beats) - 1), 3 if c["style"] == "waltz" else 4)
        row = [60 / period, bas(beats), bas(other), bas(beats + period / 2), shifts[int(np.argmax(shifted))], max(shifted),
               bas(beats, 0.1), bas(other, 0.1), speed_phase_locking(speed, t, beats), speed_phase_locking(speed, t, other),
               speed_phase_locking(speed, t * stretch, beats), speed_phase_locking(speed, t * stretch, other),
               (beats[-1] - beats[0]) / (len(beats) - 1) / fine, *tempo_lock(dance, beats), tempo_lock(dance, other)[0]]
        rows.append((c["style"], row))
        print(f"| {c['dance']} | {c['style']} | {row[0]:.1f} | " + " | ".join(f"{x:+.2f}" if j == 3 else f"{x:.3f}" for j, x in enumerate(row[1:13])) + f" | "
              + " | ".join(f"{x:.3f}" for x in row[13:]) + " |", flush=True)
    print("\n| style | dances | BAS own | other | half | best | PLV | PLV other | PLV stretched | stretched other | tempo ratio | tempo lock | detuned | other's tempo | lock - detuned (SE), wins |")
    print("|" + "---|" * 15)
    for style in sorted({s for s, _ in rows}) + ["all"]:
        a = np.array([r for s, r in rows if style in (s, "all")])
        print(f"| {style} | {len(a)} | {a[:, 1].mean():.3f} | {a[:, 2].mean():.3f} | {a[:, 3].mean():.3f} | {a[:, 5].mean():.3f} | "
              f"{a[:, 8].mean():.3f} | {a[:, 9].mean():.3f} | {a[:, 10].mean():.3f} | {a[:, 11].mean():.3f} | {np.median(a[:, 12]):.4f} | "
              f"{a[:, 13].mean():.3f} | {a[:, 14].mean():.3f} | {a[:, 15].mean():.3f} | "
              f"{(a[:, 13] - a[:, 14]).mean():+.3f} ({(a[:, 13] - a[:, 14]).std() / np.sqrt(len(a)):.3f}), {(a[:, 13] > a[:, 14]).sum()}/{len(a)} |")


if __name__ == "__main__":
    main()
