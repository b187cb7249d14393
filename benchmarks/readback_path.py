"""Read-backs that keep joints on the body: today's soft-argmax vs the Viterbi path (`onehot_to_keypoints(method="path")`).

    python benchmarks/readback_path.py [--views 9] [--songs FILE ...] [--seeds 0 1] [--seconds 20] [--dwm DIR]

Read-backs: `soft`, `path`, and `path+body` (the path with `body=`: the generator's reference pose, or the first frame
of a real input).
(a) Real dances through the shipped pose VAE (`load_default_vae`): AIST++ keypoints2d files x camera views at 30 fps
(and, with --dwm, a Dance with Melody corpus folder), each cut into 256-frame windows, encoded, decoded, and read
back from the SAME decoded images both ways, at the VAE's `DECODE_THRESHOLD` and `DECODE_WINDOW`.
(b) The shipped generator's dances (`music2pose/assets/generator_small`) to songs, a few seeds: the song's latent
grid is sampled once and its decoded images (chunks as `pipeline.decode_song` decodes them) read back both ways.

Measured, per method:
- off-body: the share of visible joints farther than one body height from their frame's median joint
  (`metrics.off_body`: body height from the sequence itself, per frame, over a 2-s window either side); for real
  read-backs also of the input, and how many off-body joints of the read-back are not off-body in the input;
- bones > 2x their median: visible body bones longer than twice their median length over the sequence (a limb thrown
  across the frame that stays within one body height of the median joint);
- jitter: `metrics.jitter` (mean jerk, frame heights / s^3);
- real read-backs only: error vs the input poses (pixels at 1920x1080; joints visible in both), missed joints
  (visible in the input, not in the read-back) and spurious ones (the other way round);
- read-back time per 256-frame image (36 channels).
Runs on one torch thread by default (--threads).
"""
import argparse
import glob
import time
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

from music2pose.metrics import bone_lengths, jitter, off_body
from music2pose.onehot import keypoints_to_onehot, onehot_to_keypoints
from music2pose.poses import PoseSequence, find_shared_data, load_aistpp_keypoints2d, load_poses
from music2pose.vae import DECODE_THRESHOLD, DECODE_WINDOW, PoseVAE, load_default_vae

METHODS = ("soft", "path", "path+body")   # path+body: body= the reference pose (generated) or the first input frame (real)
p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--aist", help="AIST++ keypoints2d folder (default: ../shared/data/aistpp/keypoints2d)")
p.add_argument("--views", type=int, default=9, help="camera views per AIST++ file")
p.add_argument("--dwm", help="a corpus folder of real dances (corpus.json), e.g. the Dance with Melody corpus")
p.add_argument("--dwm-clips", type=int, default=8, help="at most this many dances of --dwm (camera view --dwm-view of each)")
p.add_argument("--dwm-view", type=int, default=0)
p.add_argument("--dwm-seconds", type=float, default=30.0, help="the first SECONDS of each --dwm dance")
p.add_argument("--songs", nargs="*", default=None, help="songs for the generator (default: data_samples/music/*.flac + ../shared/data/music/*.ogg)")
p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
p.add_argument("--seconds", type=float, default=20.0, help="dance to the first SECONDS of each song")
p.add_argument("--steps", type=int, default=30)
p.add_argument("--skip-real", action="store_true")
p.add_argument("--skip-generated", action="store_true")
p.add_argument("--threads", type=int, default=1)
p.add_argument("--threshold", type=float, default=DECODE_THRESHOLD, help="read-back threshold (default: the VAE's DECODE_THRESHOLD)")
p.add_argument("--vae", default="shipped", help="'shipped' (load_default_vae) or a TAEF2 config ('taef2_256', 'taef2_512') for the real read-backs")
p.add_argument("--cache", help="folder to keep the decoded images in (float16), so a rerun skips the VAE and the generator")
args = p.parse_args()
torch.set_num_threads(args.threads)
warnings.filterwarnings("ignore", category=RuntimeWarning)   # nanmedian of all-NaN frames


def stretched(seq: PoseSequence) -> tuple[int, int]:
    "(bones longer than twice their median length over the sequence, bones with both ends visible): limbs thrown across the frame."
    lengths = bone_lengths(seq)
    seen = np.isfinite(lengths)
    return int((lengths > 2 * np.nanmedian(lengths, axis=0)).sum()), int(seen.sum())


def safe_jitter(seq: PoseSequence) -> float:
    try: return jitter(seq)
    except ValueError: return float("nan")


class Tally:
    "Per method, lists of per-sequence counts and values, summed or pooled by `row`."
    def __init__(self): self.data = {m: defaultdict(list) for m in METHODS + ("truth",)}
    def add(self, method, seq, truth=None):
        d = self.data[method]
        far = off_body(seq)
        d["far"].append(int(far.sum())); d["visible"].append(int(seq.visible.sum())); d["jitter"].append(safe_jitter(seq))
        long_bones, bones = stretched(seq)
        d["long"].append(long_bones); d["bones"].append(bones)
        if truth is not None:
            d["far_new"].append(int((far & ~off_body(truth)).sum()))
            both = truth.visible & seq.visible
            d["errors"].append((np.abs(seq.keypoints - np.clip(truth.keypoints, 0, 1)) * np.array(truth.frame_size))[both].ravel())
            d["missed"].append(int((truth.visible & ~seq.visible).sum())); d["present"].append(int(truth.visible.sum()))
            d["spurious"].append(int((~truth.visible & seq.visible).sum())); d["absent"].append(int((~truth.visible).sum()))
    def timed(self, method, seconds, images):
        self.data[method]["seconds"].append(seconds); self.data[method]["images"].append(images)
    def row(self, method, real=True):
        d = self.data[method]
        far, vis = sum(d["far"]), sum(d["visible"])
        cells = [method, f"{far} / {vis} = {far / max(vis, 1):.3%}", f"{sum(d['long']) / max(sum(d['bones']), 1):.3%}"]
        if real: cells.append(f"{sum(d['far_new'])}" if d["far_new"] else "")
        cells.append(f"{np.nanmean(d['jitter']):.1f}")
        if real:
            e = np.concatenate(d["errors"]) if d["errors"] else np.zeros(0)
            cells += ([f"{e.mean():.2f}", f"{np.percentile(e, 99):.1f}", f"{e.max():.1f}",
                       f"{sum(d['missed']) / max(sum(d['present']), 1):.2%}", f"{sum(d['spurious'])} / {sum(d['absent'])}"]
                      if len(e) else ["", "", "", "", ""])
        cells.append(f"{1e3 * sum(d['seconds']) / sum(d['images']):.1f}" if d["seconds"] else "")
        return "| " + " | ".join(cells) + " |"


def print_table(title, tally, methods, real):
    print(f"\n{title}")
    head = ["read-back", "off-body joints (> 1 body height from the frame's median)", "bones > 2x their median"]
    if real: head.append("... of them not off-body in the input")
    head.append("jitter")
    if real: head += ["mean err px", "p99 err px", "max err px", "missed", "spurious"]
    head.append("ms / image")
    print("| " + " | ".join(head) + " |"); print("|" + "---|" * len(head))
    for m in methods: print(tally.row(m, real))


def read_back(images, method, body):
    t0 = time.perf_counter()
    kp, conf = onehot_to_keypoints(images, method=method.split("+")[0], window=DECODE_WINDOW, threshold=args.threshold,
                                   body=body if method.endswith("+body") else None)
    return kp.numpy(), conf.numpy(), time.perf_counter() - t0


codec = (load_default_vae() if args.vae == "shipped" else PoseVAE.from_taef2(args.vae)).eval()
cfg = codec.config
print(f"{args.vae} VAE {cfg.name}: {cfg.bins} bins; read-back threshold {args.threshold}, window {DECODE_WINDOW}; torch threads {torch.get_num_threads()}")


def real_readbacks(seqs, names, title):
    tally, t_start = Tally(), time.perf_counter()
    for i, (seq, name) in enumerate(zip(seqs, names)):
        seq = seq.to_layout("openpose18")
        n = -(-len(seq) // 256) * 256
        kp = np.full((n, 18, 2), np.nan, np.float32); conf = np.zeros((n, 18), np.float32)
        kp[:len(seq)], conf[:len(seq)] = seq.keypoints, seq.confidence
        images = keypoints_to_onehot(kp.reshape(-1, 256, 18, 2), conf.reshape(-1, 256, 18), cfg.bins, cfg.value, getattr(cfg, "sigma", 0.0))
        cached = Path(args.cache) / f"{args.vae}_{name}.npy" if args.cache else None
        if cached is not None and cached.is_file(): decoded = torch.from_numpy(np.load(cached).astype(np.float32))
        else:
            with torch.no_grad(): decoded = torch.cat([codec.decode(codec.encode(images[j:j + 1])) for j in range(len(images))])
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                with open(cached.with_suffix(".tmp"), "wb") as f: np.save(f, decoded.numpy().astype(np.float16))
                cached.with_suffix(".tmp").replace(cached)   # atomic: an interrupted run leaves no half-written image
        tally.add("truth", seq)
        for m in METHODS:
            k, c, s = read_back(decoded, m, seq[:1])
            tally.timed(m, s, len(decoded))
            back = PoseSequence(k.reshape(n, 18, 2)[:len(seq)], c.reshape(n, 18)[:len(seq)], seq.fps, "openpose18", seq.frame_size)
            tally.add(m, back, seq)
        print(f"  {title}: {i + 1}/{len(seqs)} sequences, {time.perf_counter() - t_start:.0f} s", flush=True)
    print_table(f"{title}: {len(seqs)} sequences, {sum(tally.data['truth']['visible'])} visible input joints", tally, ("truth",) + METHODS, True)


if not args.skip_real:
    aist = Path(args.aist) if args.aist else find_shared_data("aistpp", "keypoints2d")
    if aist is None: print("no AIST++ keypoints2d here: real read-backs skipped")
    elif args.views > 0:
        files = sorted(Path(aist).glob("*.pkl"))
        seqs = [load_aistpp_keypoints2d(f, view=v).resample(30) for f in files for v in range(args.views)]
        names = [f"aist_{f.stem}_view{v}" for f in files for v in range(args.views)]
        real_readbacks(seqs, names, f"AIST++ VAE read-backs ({len(files)} files x {args.views} views, 30 fps)")
    if args.dwm:
        import json
        root = Path(args.dwm)
        clips = [c for c in json.loads((root / "corpus.json").read_text())["clips"] if c.get("view", args.dwm_view) == args.dwm_view][:args.dwm_clips]
        seqs = [load_poses(root / c["poses"]) for c in clips]
        seqs = [(s.resample(30) if s.fps != 30 else s)[:int(args.dwm_seconds * 30)] for s in seqs]
        real_readbacks(seqs, [f"dwm_{Path(c['poses']).stem}" for c in clips], f"Dance with Melody VAE read-backs ({len(seqs)} dances of {root}, view {args.dwm_view}, first {args.dwm_seconds:g} s, 30 fps)")

def decode_chunks(columns: int, chunk: int = 64, context: int = 4):
    "`pipeline.decode_song`'s chunks of a latent grid: (lo, hi) columns decoded, (a, b) columns kept."
    return [(max(0, a - context), min(columns, a + chunk + context), a, min(columns, a + chunk)) for a in range(0, columns, chunk)]


if not args.skip_generated:
    from music2pose.pipeline import Music2PosePipeline, as_reference_pose, plan_segments
    pipe = Music2PosePipeline.from_pretrained()
    songs = args.songs if args.songs is not None else sorted(glob.glob("data_samples/music/*.flac")) + sorted(glob.glob("../shared/data/music/*.ogg"))
    tally, t_start = Tally(), time.perf_counter()
    reference = as_reference_pose(None)
    stride = pipe.vae.stride
    for song in songs:
        music = pipe.song_features(song, args.seconds, None)
        plan = plan_segments(len(music.features), pipe.window_frames, pipe.overlap_frames, stride)
        columns = plan[-1].stop // stride
        for seed in args.seeds:
            cached = Path(args.cache) / f"gen_{Path(song).stem}_seed{seed}_{args.seconds:g}s_{args.steps}steps.npz" if args.cache else None
            if cached is not None and cached.is_file():
                with np.load(cached) as z: images = [torch.from_numpy(z[f"chunk{i}"].astype(np.float32)) for i in range(len(z.files))]
            else:
                with torch.no_grad():
                    latents = pipe.song_latents(music, plan, reference, args.steps, 2.0, torch.Generator().manual_seed(seed), False)
                    images = [pipe.vae.decode(latents[None, ..., lo:hi]) for lo, hi, _, _ in decode_chunks(columns)]
                if cached is not None:
                    cached.parent.mkdir(parents=True, exist_ok=True)
                    with open(cached.with_suffix(".tmp"), "wb") as f: np.savez(f, **{f"chunk{i}": x.numpy().astype(np.float16) for i, x in enumerate(images)})
                    cached.with_suffix(".tmp").replace(cached)
            for m in METHODS:
                kps, confs = [], []
                for x, (lo, hi, a, b) in zip(images, decode_chunks(columns)):
                    k, c, s = read_back(x, m, reference)
                    tally.timed(m, s, x.shape[-1] / 256)
                    kps.append(k[0, (a - lo) * stride:(b - lo) * stride]); confs.append(c[0, (a - lo) * stride:(b - lo) * stride])
                n = len(music.features)
                tally.add(m, PoseSequence(np.concatenate(kps)[:n], np.concatenate(confs)[:n], pipe.fps, "openpose18", reference.frame_size))
            print(f"  generated: {Path(song).name} seed {seed}, {time.perf_counter() - t_start:.0f} s", flush=True)
    print_table(f"shipped generator: {len(songs)} songs x seeds {args.seeds}, first {args.seconds:g} s, {args.steps} steps", tally, METHODS, False)
