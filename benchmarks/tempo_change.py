"""Does the beat tracker follow a tempo that changes? Synthetic songs whose beats we know, tracked with one tempo per
song (`tempo_mode="steady"`, librosa's tracker as it was) and with a tempo that may change (`"varying"`, the default).

    OMP_NUM_THREADS=1 python benchmarks/tempo_change.py --seeds 0 1 2 --seconds 24

Songs (nbs/05_synth, nbs/20_tempo): an abrupt change 80 -> 140 and 140 -> 80 BPM at the first bar line after the
middle; a linear ramp between the same tempi over the middle 6 s (beats placed by integrating the tempo); the
README's sample song (100 -> 140 BPM at 16.9 s, `data_samples/music/song_100to140bpm_30s.flac`, its score rebuilt
from the seed that made it); steady songs at 60, 90, 120, 150 and 180 BPM, clean and with white noise at 1/20 of
full scale. Every song comes in each seed of `--seeds` (another song: drums, sections, key). Beats are those of
`music_features` at 30 fps, i.e. what the generator reads.

Columns: `found`, the share of the true beats of the stretch with a tracked beat within 70 ms; `false`, the share of
the tracked beats of the stretch with no true beat within 70 ms (a tracker at double tempo finds every beat and
gets half of its beats false; one at half tempo finds half). Stretches: `before` and `after` a change, 1 s away
from it (from the ramp's ends); `whole` for a steady song. Means over seeds (min over seeds in brackets).
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

from music2pose.music import TEMPO_MODES, music_features
from music2pose.synth import Score, make_score, synthesize
from music2pose.tempo import beat_tracking_scores, songs_at_tempi, tempo_change_song

FPS = 30
MARGIN_S = 1.0
RAMP_S = 6.0
NOISE = 0.05    # std of the added white noise, full scale 1 (the synthetic songs peak at 0.9)


def ramp_score(from_bpm: float, to_bpm: float, seconds: float, seed: int) -> tuple[Score, float, float]:
    "A song at `from_bpm` whose tempo moves linearly to `to_bpm` over the middle `RAMP_S` seconds: its score, ramp start, end."
    start, stop = seconds / 2 - RAMP_S / 2, seconds / 2 + RAMP_S / 2
    base = make_score(seconds, from_bpm, seed)
    bpm_at = lambda t: from_bpm + (to_bpm - from_bpm) * np.clip((t - start) / (stop - start), 0, 1)
    beats = [base.beat_times[0]]
    while True:   # a beat interval is 60 over the mean tempo across it: two half steps (midpoint rule)
        t = beats[-1]
        mid = t + 30 / bpm_at(t)
        nxt = t + 60 / bpm_at(mid)
        if nxt > seconds: break
        beats.append(nxt)
    return Score(seconds, base.sr, np.array(beats), base.sections, seed, base.beats_per_bar, float(from_bpm), None, base.root), start, stop


def songs(seeds, seconds):
    "`(kind, seed, score, audio, stretches)` with stretches `[(part, start, stop)]`."
    out = []
    for seed in seeds:
        for a, b in ((80, 140), (140, 80)):
            s = tempo_change_song(a, b, seconds=seconds, seed=seed)
            t = s.change_time
            out.append((f"{a}->{b} abrupt", seed, s.score, s.audio, [("before", 0, t - MARGIN_S), ("after", t + MARGIN_S, seconds)]))
        for a, b in ((80, 140), (140, 80)):
            score, r0, r1 = ramp_score(a, b, seconds, seed)
            out.append((f"{a}->{b} ramp {RAMP_S:g} s", seed, score, synthesize(score),
                        [("before", 0, r0 - MARGIN_S), ("after", r1 + MARGIN_S, seconds)]))
        for bpm, s in zip((60, 90, 120, 150, 180), songs_at_tempi([60, 90, 120, 150, 180], seconds=seconds, seed=seed)):
            out.append((f"{bpm} steady", seed, s.score, s.audio, [("whole", 0, seconds)]))
            noisy = s.audio + NOISE * np.random.default_rng(seed).standard_normal(len(s.audio)).astype(np.float32)
            out.append((f"{bpm} steady + noise", seed, s.score, noisy, [("whole", 0, seconds)]))
    sample = make_score(30.0, bpm=100, seed=11, tempo_change=(16.0, 140.0))   # data_samples/README.md: how the file was made
    t = sample.tempo_change[0]
    out.append(("sample song 100->140", 11, sample, synthesize(sample), [("before", 0, t - MARGIN_S), ("after", t + MARGIN_S, 30.0)]))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="song seeds (one song per seed and kind)")
    p.add_argument("--seconds", type=float, default=24.0, help="length of the synthetic songs (the sample song is 30 s)")
    p.add_argument("--check-sample", type=Path, default=Path(__file__).parent.parent / "data_samples/music/song_100to140bpm_30s.flac",
                   help="the sample song file; its audio is compared with the rebuilt one")
    args = p.parse_args(argv)
    started = time.time()
    if args.check_sample.is_file():
        import soundfile as sf
        stored, _ = sf.read(args.check_sample, dtype="float32")
        sample = [x for x in songs([], args.seconds)][-1][3]
        if len(stored) != len(sample) or np.abs(stored - sample).max() > 1e-3:
            print(f"tempo_change.py: {args.check_sample} is not the song its README describes; its beats are unknown", file=sys.stderr)
            return 2
    results = {}   # (kind, part) -> mode -> list of (found, false)
    for kind, seed, score, audio, stretches in songs(args.seeds, args.seconds):
        for mode in TEMPO_MODES:
            mf = music_features(audio, fps=FPS, sr_in=score.sr, tempo_mode=mode)
            for part, start, stop in stretches:
                found, false = beat_tracking_scores(mf.beat_times, score.beat_times, start, stop)
                results.setdefault((kind, part), {}).setdefault(mode, []).append((found, false))
    print(f"{len(args.seeds)} seeds ({' '.join(map(str, args.seeds))}), {args.seconds:g} s songs, beats of music_features at {FPS} fps, "
          f"tolerance 70 ms; {time.time() - started:.0f} s\n")
    cell = lambda v: f"{np.mean(v):.2f} ({np.min(v):.2f})" if len(v) > 1 else f"{v[0]:.2f}"
    print("| song | part | steady: found | steady: false | varying: found | varying: false |")
    print("|---|---|---:|---:|---:|---:|")
    for (kind, part), by_mode in results.items():
        cells = []
        for mode in ("steady", "varying"):
            pairs = np.array(by_mode[mode])
            cells += [cell(pairs[:, 0]), cell(pairs[:, 1])]
        print(f"| {kind} | {part} | " + " | ".join(cells) + " |")
    for group, test in (("tempo changes", lambda k: "->" in k), ("steady songs", lambda k: "steady" in k)):
        line = []
        for mode in ("steady", "varying"):
            pairs = np.concatenate([np.array(m[mode]) for (k, _), m in results.items() if test(k)])
            line.append(f"{mode} found {pairs[:, 0].mean():.3f} false {pairs[:, 1].mean():.3f}")
        print(f"\nall {group}: " + "; ".join(line), end="")
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
