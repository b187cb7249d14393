"""Generation speed, memory and seams: what `music2pose generate` costs on this machine, and whether windows show.

    python benchmarks/generation.py [--model DIR] [--lengths 30 60 600] [--steps 30] [--threads N]
    python benchmarks/generation.py --song SONG --lengths 20 180 --repeats 3 --first-run --skip-model   # the stage table

For each song length (synthetic songs made here, so nothing is downloaded; or the first seconds of `--song`):
- the whole command, `music2pose generate SONG -o OUT` (features, model, decoding, JSON, the mp4 with audio), in a
  fresh process: wall time, peak resident memory (the child's own ru_maxrss), real-time factor (dance s / wall s),
  and the wall seconds of each stage (`STAGES`: timers put around the functions the command calls; `start + imports`
  is everything before the model is loaded, `other` what no stage covers: tearing down, the small files).
  `--first-run`: also once with an empty numba cache, as the first run after installing (librosa compiled its kernels
  then, before `spectral` replaced it on this path; the row keeps that from coming back unseen);
  `--repeats`: warm runs per length, the table shows their medians;
- the model alone (in this process, features computed beforehand): sampling windows and decoding, each timed;
- the seams: per-frame body displacement (joints' mean, in frame heights) at the frames where a window's new frames
  begin vs everywhere else (max, 99th percentile, median), and `metrics.discontinuity` ratios at the boundaries.
Real-time factor above 1 means faster than the music plays.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

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
p.add_argument("--skip-model", action="store_true", help="only the whole command (its stage table), no in-process model timing or seams")
p.add_argument("--song", default=None, help="a real song to cut to each length (default: synthetic songs)")
p.add_argument("--repeats", type=int, default=1, help="warm runs of the command per length (medians are shown)")
p.add_argument("--first-run", action="store_true", help="also run the command once with an empty numba cache (the first run after install)")
args = p.parse_args()
if args.threads: torch.set_num_threads(args.threads)
work = Path(tempfile.mkdtemp(prefix="m2p_bench_gen_"))
pipe = None if args.skip_model else Music2PosePipeline.from_pretrained(args.model)
precision = ("bf16" if bf16_is_fast() else "fp32") if args.precision == "auto" else args.precision
print(f"{pipe or 'the command only'}\ntorch threads: {torch.get_num_threads()}, steps: {args.steps}, decoding in {precision} (the command: auto)")

# the stages of `music2pose generate`, each "module:attribute" the command calls (wrapped with a timer in the child; of
# "a|b", the first there is). Decoding: what is left after sampling (chunks decoded while sampling are inside `sampling`)
STAGES = {"model load": "music2pose.pipeline:DancePipeline.from_pretrained", "music features": "music2pose.pipeline:DancePipeline.song_features",
          "sampling": "music2pose.pipeline:Music2PosePipeline.song_latents", "decoding + read-back": "music2pose.pipeline:SongDecoder.poses|music2pose.pipeline:decode_song",
          "tidying": "music2pose.pipeline:tidy_dance",
          "OpenPose JSON": "music2pose.poses:write_openpose_json", "mp4": "music2pose.render:write_video"}
PROBE = r"""
import json, os, sys, time, importlib
t0 = time.perf_counter()
spent = {}
def timed(name, f):
    def wrapper(*a, **k):
        t = time.perf_counter()
        try: return f(*a, **k)
        finally: spent[name] = spent.get(name, 0.0) + time.perf_counter() - t
    return wrapper
def wrap(name, where):
    for place in where.split("|"):
        module, attr = place.split(":")
        owner = importlib.import_module(module)
        *path, last = attr.split(".")
        if hasattr(owner, path[0] if path else last): break
    for p in path: owner = getattr(owner, p)
    f = getattr(owner, last)
    setattr(owner, last, classmethod(timed(name, f.__func__)) if isinstance(owner.__dict__.get(last), classmethod) else timed(name, f))
stages = json.loads(os.environ["M2P_STAGES"])
import music2pose.cli
from music2pose.cli import main
getattr(music2pose.cli, "reuse_freed_memory", lambda: None)()   # as the executable does (cli.console_main), where it does
import music2pose.pipeline, music2pose.poses, music2pose.render   # what `generate` imports, timed below as its own stage
t_imports = time.perf_counter() - t0
for name, where in stages.items(): wrap(name, where)
rc = main(sys.argv[1:])
spent["imports"] = t_imports
with open(os.environ["M2P_TIMES"], "w") as f: json.dump(spent, f)
sys.stdout.flush(); sys.stderr.flush()
os._exit(rc)   # as the `music2pose` executable leaves (cli.console_main): without tearing torch down
"""


def run_command(song: Path, out: Path, seconds: float, first_run: bool = False) -> dict:
    "Wall seconds, peak RSS (MiB) and seconds per stage of `music2pose generate` in a fresh process."
    times = work / "times.json"
    env = {**os.environ, "M2P_STAGES": json.dumps(STAGES), "M2P_TIMES": str(times),
           **({"OMP_NUM_THREADS": str(args.threads)} if args.threads else {}),
           **({"NUMBA_CACHE_DIR": tempfile.mkdtemp(prefix="m2p_numba_", dir=work)} if first_run else {})}
    cmd = [sys.executable, "-c", PROBE, "generate", str(song), "-o", str(out), "--steps", str(args.steps), "--seconds", f"{seconds:g}", "-q", "--overwrite"]
    if args.model: cmd += ["--model", args.model]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0: sys.exit(f"generate failed: {proc.stderr.read().decode()}")
    spent = json.loads(times.read_text())
    row = {"command_s": wall, "command_rtf": seconds / wall, "peak_mib": usage.ru_maxrss / 1024}
    row.update({name: spent.get(name, 0.0) for name in ("imports", *STAGES)})
    row["other"] = wall - sum(row[name] for name in ("imports", *STAGES))   # the interpreter's start and exit, poses.npz
    return row


def median_rows(rows: list[dict]) -> dict:
    return {k: float(np.median([r[k] for r in rows])) for k in rows[0]}


def seams(poses, boundaries):
    xy = poses.keypoints
    step = np.nanmean(np.linalg.norm(np.diff(xy, axis=0), axis=-1), axis=1)   # step[t-1]: frame t-1 -> t
    at = np.zeros(len(step), bool); at[np.asarray(boundaries) - 1] = True
    inside = step[~at]
    ratio = discontinuity(poses, boundaries)["position"] if len(boundaries) else np.zeros(0)
    return step[at], inside, ratio


def make_song(seconds: float) -> Path:
    "A song of at least `seconds` (the command cuts it with --seconds): `--song`, looped if shorter, or a synthetic one."
    if args.song:
        audio, sr = sf.read(args.song, dtype="float32", always_2d=True)
        if len(audio) >= seconds * sr: return Path(args.song)
        return Path(write_audio(work / f"song_{seconds:g}s.flac", np.tile(audio.mean(1), int(np.ceil(seconds * sr / len(audio)))), sr))
    score = make_score(seconds, bpm=112, seed=int(seconds))
    return write_audio(work / f"song_{seconds:g}s.flac", synthesize(score), score.sr)


rows, command_rows = [], []
for seconds in args.lengths:
    song = make_song(seconds)
    row = dict(seconds=seconds)
    if not args.skip_model:
        music = pipe.song_features(song, seconds)   # as the model reads them (the beat phase added where it was trained with it)
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
        row.update(windows=len(plan), sample_s=t1 - t0, decode_s=t2 - t1, model_rtf=seconds / (t2 - t0),
                   seam_max=at.max() if len(at) else np.nan, inside_max=np.nanmax(inside), inside_p99=np.nanpercentile(inside, 99),
                   inside_median=np.nanmedian(inside), ratio_max=ratio.max() if len(ratio) else np.nan)
    if not args.skip_command:
        out = work / f"out_{seconds:g}"
        runs = {"first run": [run_command(song, out, seconds, first_run=True)]} if args.first_run else {}
        if args.repeats: runs["warm"] = [run_command(song, out, seconds) for _ in range(args.repeats)]
        for kind, rs in runs.items():
            command_rows.append(dict(seconds=seconds, kind=kind, runs=len(rs), **median_rows(rs)))
            print(command_rows[-1], flush=True)
        row.update({k: command_rows[-1][k] for k in ("command_s", "command_rtf", "peak_mib")})
    rows.append(row)
    if not args.skip_model: print(row, flush=True)

if command_rows:
    names = ("imports", *STAGES, "other")
    print(f"\n`music2pose generate SONG -o OUT --seconds S` by stage, wall seconds (median of the runs), {args.steps} steps:")
    print("| song | run | " + " | ".join(names) + " | whole command | real-time factor | peak RSS MiB |")
    print("|---" * (len(names) + 5) + "|")
    for r in command_rows:
        kind = r["kind"] + (f" (median of {r['runs']})" if r["runs"] > 1 else "")
        print(f"| {r['seconds']:g} s | {kind} | " + " | ".join(f"{r[n]:.1f}" for n in names)
              + f" | {r['command_s']:.1f} | {r['command_rtf']:.2f}x | {r['peak_mib']:.0f} |")
if args.skip_model: sys.exit(0)
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
