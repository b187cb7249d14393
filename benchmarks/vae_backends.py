"""The in-house `small` pose VAE against the pretrained TAEF2 at 256 and 512 bins (run by hand; prints tables).

    python benchmarks/vae_backends.py [--threads 2] [--frames 64] [--out vae_backends] [--dwm /work/scratch/dwm_corpus]

Read-back error after encode -> decode -> read-back, per coordinate (|dx| and |dy| pooled) as a fraction of the frame,
on joints present in both input and read-back: mean and 95th percentile; missed joints (visible in the input, missing
after) and spurious ones (missing in the input, present after), pooled over all sequences. Sets:
- AIST++: every file in ../shared/data/aistpp/keypoints2d, every one of its 9 views, resampled 60 -> 30 fps; to keep the
  run short each view contributes one window of `--frames` frames from its middle (TAEF2 costs ~0.04 s per frame
  at 256 bins on 2 CPU threads);
- Dance with Melody: a converted corpus folder (`--dwm`, default /work/scratch/dwm_corpus), `--dwm-clips` clips, one
  `--frames` window from the middle of each (skipped when the folder is absent);
- a sigma sweep of the soft ridge for TAEF2 on a subset of AIST++ (view 0 of the first `--sweep-files` files);
- latent noise, a stand-in for a generator's imperfect latents: on the same subset, each codec's latents get Gaussian
  noise of `--noise` times each latent channel's standard deviation (measured on the subset) before decoding.
Every codec's decoded images are read back with each method in `--methods` ("soft": windowed soft-argmax, "gauss":
log-parabola fit, exact for Gaussian ridges). Throughput: encode and decode of one 64-frame window, batch 1, best of
`--repeats`, frames per second, fp32 and bf16 (autocast). Work runs sequence by sequence, every codec on the same
sequence before the next one (views in the order view 0 of every file, then view 1, ...), and each result is kept in
the folder `--out`, so an interrupted run resumes where it stopped, `--report` reprints the tables, and a partial run
compares the codecs on the same sequences (the tables say how many).
"""
import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from music2pose.files import load_corpus
from music2pose.onehot import onehot_to_keypoints
from music2pose.poses import find_shared_data, load_aistpp_keypoints2d, load_npz
from music2pose.vae import DECODE_THRESHOLD, DECODE_WINDOW, PoseVAE, get_vae_config, load_default_vae

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--threads", type=int, default=2)
p.add_argument("--frames", type=int, default=64, help="frames per sequence (one window from the middle)")
p.add_argument("--sigma", type=float, default=None, help="TAEF2 soft-ridge width (bins) in the main comparison (default: the preset's)")
p.add_argument("--dwm", default="/work/scratch/dwm_corpus", help="Dance with Melody corpus folder (corpus.json)")
p.add_argument("--dwm-clips", type=int, default=24)
p.add_argument("--sigmas", type=float, nargs="*", default=[0.0, 0.5, 1.0, 1.5, 2.0])
p.add_argument("--sweep-files", type=int, default=5, help="AIST++ files (view 0 of each) in the sigma sweep")
p.add_argument("--view-order", type=int, nargs="*", default=list(range(9)), help="AIST++ views in the order to measure them")
p.add_argument("--noise", type=float, nargs="*", default=[0.1, 0.3])
p.add_argument("--methods", nargs="*", default=["soft", "gauss"])
p.add_argument("--repeats", type=int, default=2)
p.add_argument("--out", default="vae_backends", help="folder of per-sequence results")
p.add_argument("--skip", nargs="*", default=[], help="parts to skip: speed sweep aist dwm noise")
p.add_argument("--report", action="store_true", help="only print the tables of what is done")
args = p.parse_args()
torch.set_num_threads(args.threads)
out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
CODECS = ["small", "taef2_256", "taef2_512"]
_codecs = {}

def codec_for(name, sigma):
    if (name, sigma) not in _codecs:   # read-back errors do not depend on the latent statistics (they cancel)
        _codecs[name, sigma] = load_default_vae() if name == "small" else PoseVAE.from_taef2(get_vae_config(name, sigma=sigma))
    return _codecs[name, sigma]

def variant(name, sigma): return name if name == "small" else f"{name}/sigma={sigma:g}"

def middle(seq, n):
    start = max(0, (len(seq) - n) // 2)
    s = seq[start:start + n].to_layout("openpose18")
    return s[:len(s) // 8 * 8]

@torch.no_grad()
def measure(codec, s, noise: float = 0.0, latent_std=None) -> dict:
    "Errors and joint counts of every read-back method on one sequence (latents perturbed by `noise` x `latent_std`)."
    z = codec.encode_poses(s)
    if noise: z = z + noise * latent_std[:, None, None] * torch.randn(z.shape, generator=torch.Generator().manual_seed(0))
    images = codec.decode(z)
    res = {}
    for m in args.methods:
        kp, conf = onehot_to_keypoints(images, method=m, window=DECODE_WINDOW, threshold=DECODE_THRESHOLD)
        kp, vis = kp[0].numpy(), (conf[0] > 0).numpy()
        res[f"{m}_err"] = np.abs(kp - np.clip(s.keypoints, 0, 1))[s.visible & vis].ravel().astype(np.float32)
        res[f"{m}_counts"] = np.array([(s.visible & ~vis).sum(), s.visible.sum(), (~s.visible & vis).sum(), (~s.visible).sum(), len(s)])
    return res

def run(part, name, sigma, i, seq, noise=0.0, latent_std=None):
    f = out / part / variant(name, sigma).replace("/", "_") / f"{i:03d}.npz"
    if f.exists() or args.report: return
    f.parent.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter(); r = measure(codec_for(name, sigma), seq, noise, latent_std)
    if f.exists(): return   # a second run working from the other end got here first
    tmp = f.with_suffix(".tmp.npz"); np.savez(tmp, **r); os.replace(tmp, f)
    print(f"  {part} {variant(name, sigma)} #{i}: {len(seq)} frames, {time.perf_counter() - t:.1f} s", flush=True)

def pooled(part, variants):
    "Pooled statistics per variant and method over the sequences every variant has finished."
    dirs = {v: out / part / v.replace("/", "_") for v in variants}
    done = [set(f.name for f in d.glob("[0-9]*.npz")) for d in dirs.values()]
    common = sorted(set.intersection(*done)) if done else []
    table = {}
    for v, d in dirs.items():
        for m in args.methods:
            if not common: continue
            z = [np.load(d / n) for n in common]
            e = np.concatenate([r[f"{m}_err"] for r in z]); c = np.sum([r[f"{m}_counts"] for r in z], axis=0)
            table[v, m] = {"seqs": len(common), "frames": int(c[4]), "mean": float(e.mean()), "p95": float(np.percentile(e, 95)),
                           "missed": c[0] / max(c[1], 1), "spurious": c[2] / max(c[3], 1), "absent": int(c[3]), "visible": int(c[1])}
    return table

# -- speed -------------------------------------------------------------------------------------------------------
speed_file = out / "speed.json"
speed = json.loads(speed_file.read_text()) if speed_file.exists() else {}
if "speed" not in args.skip and not args.report:
    for c in CODECS:
        if c in speed: continue
        codec, cfg = codec_for(c, get_vae_config(c).sigma), get_vae_config(c)
        x = torch.zeros(1, cfg.num_channels, cfg.bins, 64); x[:, :, cfg.bins // 2] = 1
        row = {"latent": [codec.latent_channels, cfg.bins // codec.stride]}
        for prec in ("fp32", "bf16"):
            with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=prec == "bf16"):
                z = codec.encode(x); codec.decode(z)   # warm-up
                te, td = [], []
                for _ in range(args.repeats):
                    t = time.perf_counter(); z = codec.encode(x); te.append(time.perf_counter() - t)
                    t = time.perf_counter(); codec.decode(z); td.append(time.perf_counter() - t)
            row[prec] = {"encode": 64 / min(te), "decode": 64 / min(td)}
        speed[c] = row; speed_file.write_text(json.dumps(speed, indent=1))
        print(f"  speed {c}: {row}", flush=True)

# -- read-back -----------------------------------------------------------------------------------------------------
aist = find_shared_data("aistpp", "keypoints2d")
aist_files = sorted(Path(aist).glob("*.pkl")) if aist else []
views = {}   # (view, file) -> window, loaded on first use
def aist_view(v, i):
    if (v, i) not in views: views[v, i] = middle(load_aistpp_keypoints2d(aist_files[i], view=v).resample(30), args.frames)
    return views[v, i]

sweep = [("taef2_256", s) for s in args.sigmas] + [("taef2_512", s) for s in (1.0, 2.0, 3.0)]
if aist_files and "sweep" not in args.skip:
    for i in range(min(args.sweep_files, len(aist_files))):
        for name, sigma in sweep: run("sweep", name, sigma, i, aist_view(0, i))
main = [("small", 0.0), *((c, get_vae_config(c).sigma if args.sigma is None else args.sigma) for c in ("taef2_256", "taef2_512"))]
if aist_files and "aist" not in args.skip:
    for v in args.view_order:
        for i in range(len(aist_files)):
            for name, sigma in main: run("aist", name, sigma, v * len(aist_files) + i, aist_view(v, i))
if aist_files and "noise" not in args.skip and not args.report:
    subset = [aist_view(0, i) for i in range(min(args.sweep_files, len(aist_files)))]
    for name, sigma in main:
        with torch.no_grad(): zs = torch.cat([codec_for(name, sigma).encode_poses(s)[0].flatten(1) for s in subset], dim=1)
        for noise in args.noise:
            for i, s in enumerate(subset): run(f"noise{noise:g}", name, sigma, i, s, noise, zs.std(1))
dwm = Path(args.dwm)
if (dwm / "corpus.json").is_file() and "dwm" not in args.skip:
    clips = load_corpus(dwm)["clips"]
    picked = [clips[i] for i in np.linspace(0, len(clips) - 1, min(args.dwm_clips, len(clips))).round().astype(int)]
    for j, c in enumerate(picked):
        seq = None
        for name, sigma in main:
            if not (out / "dwm" / variant(name, sigma).replace("/", "_") / f"{j:03d}.npz").exists() and not args.report:
                seq = seq or middle(load_npz(dwm / c["poses"]), args.frames)
                run("dwm", name, sigma, j, seq)

# -- tables --------------------------------------------------------------------------------------------------------
print(f"\ntorch threads {args.threads}; bf16 native on this CPU: {torch.ops.mkldnn._is_mkldnn_bf16_supported()}; "
      f"one window of {args.frames} frames per sequence")
for part, variants, what in (("aist", [variant(*m) for m in main], "AIST++, every file x view, 30 fps"),
                             ("dwm", [variant(*m) for m in main], "Dance with Melody"),
                             ("sweep", [variant(*m) for m in sweep], "soft-ridge sweep, AIST++ view 0"),
                             *((f"noise{n:g}", [variant(*m) for m in main], f"latent noise {n:g} std, AIST++ view 0") for n in args.noise)):
    t = pooled(part, variants)
    if not t: continue
    print(f"\n{what}\n\n| codec | read-back | seqs | frames | mean | p95 | missed | spurious (of absent) |\n|---|---|---|---|---|---|---|---|")
    for (v, m), r in t.items():
        print(f"| {v} | {m} | {r['seqs']} | {r['frames']} | {r['mean']:.4f} | {r['p95']:.4f} | {r['missed']:.2%} | "
              f"{r['spurious']:.0%} (of {r['absent']}) |")
if speed:
    print("\nframes/s, one 64-frame window, batch 1\n\n| codec | latent (channels x height) | encode fp32 | decode fp32 | encode bf16 | decode bf16 |\n|---|---|---|---|---|---|")
    for c, r in speed.items():
        print(f"| {c} | {r['latent'][0]} x {r['latent'][1]} | {r['fp32']['encode']:.0f} | {r['fp32']['decode']:.0f} | "
              f"{r['bf16']['encode']:.0f} | {r['bf16']['decode']:.0f} |")
