"""Peak memory of the generation stages, inside one process (VmRSS / VmHWM from /proc/self/status, Linux):

    python benchmarks/generation_memory.py SONG [--precision bf16]

Loads the shipped pipeline, then: streamed music features, the song's latent grid (window by window), chunked
decoding, poses.npz, OpenPose JSON, the mp4. Run it on songs of different lengths: what is bounded by a chunk or a
window stays the same, what grows with the song shows up. (The `music2pose generate` figure in
benchmarks/generation.py is the child's ru_maxrss, which also counts the ffmpeg process it waits for.)
"""
import argparse
import shutil
import tempfile
from pathlib import Path

import torch

from music2pose.music import stream_music_features
from music2pose.pipeline import Music2PosePipeline, as_reference_pose, decode_song, plan_segments
from music2pose.poses import write_openpose_json
from music2pose.render import write_video

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("song")
p.add_argument("--precision", choices=("fp32", "bf16"), default="bf16")
p.add_argument("--steps", type=int, default=30)
args = p.parse_args()


def mem() -> str:
    d = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines() if l.startswith(("VmRSS", "VmHWM")))
    return f"rss {int(d['VmRSS'].split()[0]) // 1024:5d} MiB   peak so far {int(d['VmHWM'].split()[0]) // 1024:5d} MiB"


pipe = Music2PosePipeline.from_pretrained(); print(f"{'model loaded':16s} {mem()}", flush=True)
music = stream_music_features(args.song, fps=pipe.fps); print(f"{'music features':16s} {mem()}  ({music.duration:.0f} s)", flush=True)
plan = plan_segments(len(music.features), pipe.window_frames, pipe.overlap_frames, pipe.vae.stride)
reference = as_reference_pose(None)
latents = pipe.song_latents(music, plan, reference, args.steps, 2.0, torch.Generator().manual_seed(0), False)
print(f"{'latent grid':16s} {mem()}  ({len(plan)} windows)", flush=True)
poses = decode_song(pipe.vae, latents, pipe.fps, reference.frame_size, precision=args.precision)[:len(music.features)]
print(f"{'decoded':16s} {mem()}", flush=True)
out = Path(tempfile.mkdtemp(prefix="m2p_mem_"))
poses.save(out / "poses.npz"); print(f"{'poses.npz':16s} {mem()}", flush=True)
write_openpose_json(poses, out / "json"); print(f"{'OpenPose JSON':16s} {mem()}", flush=True)
write_video(poses, out / "dance.mp4", audio=args.song, progress=False); print(f"{'dance.mp4':16s} {mem()}", flush=True)
shutil.rmtree(out, ignore_errors=True)
