"""Generation speed, memory and seams: what `music2pose generate` costs on this machine, and whether windows show.

    python benchmarks/generation.py [--model DIR] [--lengths 30 60 600] [--steps 30] [--threads N]

For each song length (synthetic songs made here, so nothing is downloaded):
- the whole command, `music2pose generate SONG -o OUT` (features, model, decoding, JSON, the mp4 with audio), in a
  fresh process: wall time, peak resident memory (the child's own ru_maxrss), real-time factor (dance s / wall s);
- the model alone (in this process, features computed beforehand): sampling windows and decoding, each timed;
- the seams: per-frame body displacement (joints' mean, in frame heights) at the frames where a window's new frames
  begin vs everywhere else (max, 99th percentile, median), and `metrics.discontinuity` ratios at the boundaries.
Real-time factor above 1 means faster than the music plays.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from music2pose.music import music_features
from music2pose.metrics import discontinuity
from music2pose.pipeline import Music2PosePipeline, as_reference_pose, bf16_is_fast, decode_song, plan_segments
from music2pose.synth import make_score, synthesize, write_audio

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--model", default=None, help="generator folder (default: the shipped one)")
p.add_argument("--lengths", type=float, nargs="+", default=[30, 60, 600], help="song lengths in seconds")
p.add_argument("--steps", type=int, default=30)
p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
p.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto", help="decoding precision, as the pipeline's decode_precision")
p.add_argument("--skip-command", action="store_true", help="only the in-process model timing and seams")
args = p.parse_args()
if args.threads: torch.set_num_threads(args.threads)
work = Path(tempfile.mkdtemp(prefix="m2p_bench_gen_"))
pipe = Music2PosePipeline.from_pretrained(args.model)
precision = ("bf16" if bf16_is_fast() else "fp32") if args.precision == "auto" else args.precision
print(f"{pipe}\ntorch threads: {torch.get_num_threads()}, steps: {args.steps}, decoding in {precision} (the command: auto)")


def run_command(song: Path, out: Path):
    "Wall seconds and peak RSS (MiB) of `music2pose generate` in a fresh process."
    env = {**os.environ, **({"OMP_NUM_THREADS": str(args.threads)} if args.threads else {})}
    cmd = [sys.executable, "-m", "music2pose.cli", "generate", str(song), "-o", str(out), "--steps", str(args.steps), "-q"]
    if args.model: cmd += ["--model", args.model]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0: sys.exit(f"generate failed: {proc.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024


def seams(poses, boundaries):
    xy = poses.keypoints
    step = np.nanmean(np.linalg.norm(np.diff(xy, axis=0), axis=-1), axis=1)   # step[t-1]: frame t-1 -> t
    at = np.zeros(len(step), bool); at[np.asarray(boundaries) - 1] = True
    inside = step[~at]
    ratio = discontinuity(poses, boundaries)["position"] if len(boundaries) else np.zeros(0)
    return step[at], inside, ratio


rows = []
for seconds in args.lengths:
    score = make_score(seconds, bpm=112, seed=int(seconds))
    song = write_audio(work / f"song_{seconds:g}s.flac", synthesize(score), score.sr)
    music = music_features(song, fps=pipe.fps)
    plan = plan_segments(len(music.features), pipe.window_frames, pipe.overlap_frames, pipe.vae.stride)
    g = torch.Generator().manual_seed(0)
    reference = as_reference_pose(None)
    t0 = time.perf_counter()
    latents = pipe.song_latents(music, plan, reference, args.steps, 2.0, g, progress=False)
    t1 = time.perf_counter()
    poses = decode_song(pipe.vae, latents, pipe.fps, reference.frame_size, precision=precision)[:len(music.features)]
    t2 = time.perf_counter()
    boundaries = np.array([s.start + s.known for s in plan[1:]])
    at, inside, ratio = seams(poses, boundaries)
    row = dict(seconds=seconds, windows=len(plan), sample_s=t1 - t0, decode_s=t2 - t1, model_rtf=seconds / (t2 - t0),
               seam_max=at.max() if len(at) else np.nan, inside_max=np.nanmax(inside), inside_p99=np.nanpercentile(inside, 99),
               inside_median=np.nanmedian(inside), ratio_max=ratio.max() if len(ratio) else np.nan)
    if not args.skip_command:
        wall, rss = run_command(song, work / f"out_{seconds:g}")
        row.update(command_s=wall, command_rtf=seconds / wall, peak_mib=rss)
    rows.append(row)
    print(row, flush=True)

print("\n| song | windows | model: sampling s | decoding s | model RTF | command s | command RTF | peak RSS MiB |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r['seconds']:g} s | {r['windows']} | {r['sample_s']:.1f} | {r['decode_s']:.1f} | {r['model_rtf']:.2f}x | "
          f"{r.get('command_s', float('nan')):.1f} | {r.get('command_rtf', float('nan')):.2f}x | {r.get('peak_mib', float('nan')):.0f} |")
print("\nbody displacement per frame (frame heights): at window boundaries vs inside windows")
print("| song | boundary max | inside max | inside p99 | inside median | discontinuity ratio max (boundary / median step) |")
print("|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r['seconds']:g} s | {r['seam_max']:.4f} | {r['inside_max']:.4f} | {r['inside_p99']:.4f} | {r['inside_median']:.4f} | {r['ratio_max']:.2f} |")
