"""One table of what each stage costs on this machine, next to the machine's own matrix-multiply peak.

    python benchmarks/speed.py [--threads N] [--lengths 30 120 600] [--repeats 5] [--device cpu|cuda]

Run by hand on a quiet machine (not a test: the numbers are the machine's). Every row is the best of `--repeats`
timed runs after a warm-up (on a shared machine the best run is the steadier number). Rows:
- matmul peak: fp32 `a @ b` at n = 1024, 2048, 3072, in this process, at the same thread count as everything below;
  FLOP/s fractions below are against the best of these;
- one-hot encode and decode (soft-argmax), 256-frame segments, batch 8: frames/s;
- skeleton drawing (the frames `write_video` encodes), 512x512, of a 10,000-frame dance: frames/s, and how soon the
  first frame comes (frames are drawn one at a time, when asked for);
- VAE encode and decode of the shipped pose VAE, one 256-frame window: frames/s (decode also in bf16 autocast where
  `bf16_is_fast`, as the pipeline then does);
- one training step of the `small` preset (batch 16, AdamW, gradient clipping, EMA; a synthetic batch of the real
  shapes): steps/s, and the model FLOPs it does (forward + backward, counted by torch's FlopCounterMode, the
  attention included: `count_cpu_attention_flops`) per second as a fraction of the matmul peak;
- generation with the shipped model for a 30 s song, the model alone (features computed beforehand): sampling,
  decoding and the real-time factor (dance seconds per wall second; above 1 is faster than the music plays);
- peak memory against song length: `--lengths` songs, each generated in a fresh process (features streamed, then
  the model), its VmHWM.
"""
import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode


def count_cpu_attention_flops():
    "torch's FlopCounterMode has formulas for the GPU attention kernels but not for the CPU one: register the same formulas for it."
    from torch.utils.flop_counter import flop_registry, register_flop_formula, sdpa_backward_flop_count, sdpa_flop_count
    fwd = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu
    bwd = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu_backward
    if fwd not in flop_registry:
        register_flop_formula(fwd)(lambda q, k, v, *args, out_shape=None, **kwargs: sdpa_flop_count(q, k, v))
    if bwd not in flop_registry:
        register_flop_formula(bwd)(lambda g, q, k, v, *args, out_shape=None, **kwargs: sdpa_backward_flop_count(g, q, k, v))


def best_seconds(fn, repeats: int, sync=lambda: None) -> float:
    fn(); sync()   # warm-up: allocations, oneDNN primitive caches, lazy imports
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter(); fn(); sync(); times.append(time.perf_counter() - t0)
    return min(times)


def peak_memory_child(song: str, steps: int, device: str) -> None:
    "Generate `song` (the model alone, features streamed) and print this process's VmHWM in MiB."
    from music2pose.poses import PoseSequence
    from music2pose.render import draw_skeleton_frames
    from music2pose.pipeline import Music2PosePipeline, as_reference_pose, bf16_is_fast, decode_song, plan_segments
    pipe = Music2PosePipeline.from_pretrained().to(device)
    precision = "bf16" if bf16_is_fast(device) else "fp32"
    music = pipe.song_features(song)   # streamed from the file, with the beat phase if the model reads it
    plan = plan_segments(len(music.features), pipe.window_frames, pipe.overlap_frames, pipe.vae.stride)
    reference = as_reference_pose(None)
    latents = pipe.song_latents(music, plan, reference, steps, 2.0, torch.Generator().manual_seed(0), False)
    decode_song(pipe.vae, latents, pipe.fps, reference.frame_size, precision=precision)
    status = dict(l.split(":", 1) for l in Path("/proc/self/status").read_text().splitlines() if ":" in l)
    print(int(status["VmHWM"].split()[0]) // 1024)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--steps", type=int, default=30, help="Euler steps of generation")
    p.add_argument("--lengths", type=float, nargs="*", default=[30, 120, 600], help="song lengths (s) for the memory rows")
    p.add_argument("--device", default="cpu")
    p.add_argument("--memory-child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.threads: torch.set_num_threads(args.threads)
    if args.memory_child: return peak_memory_child(args.memory_child, args.steps, args.device)

    from music2pose.dit import build_dit
    from music2pose.music import BASELINE_NAMES, FRAMES_PER_TOKEN, PHASE_NAMES, music_features
    from music2pose.onehot import keypoints_to_onehot, onehot_to_keypoints
    from music2pose.poses import PoseSequence
    from music2pose.render import draw_skeleton_frames
    from music2pose.pipeline import Music2PosePipeline, as_reference_pose, bf16_is_fast, decode_song, plan_segments
    from music2pose.reference import phase_mask
    from music2pose.synth import make_score, synthesize, write_audio
    from music2pose.train import EMA, flow_matching_loss, get_train_config
    from music2pose.vae import load_default_vae

    dev = torch.device(args.device)
    precision = "bf16" if bf16_is_fast(dev) else "fp32"   # what the pipeline decodes in ('auto')
    sync = (lambda: torch.cuda.synchronize()) if dev.type == "cuda" else (lambda: None)
    rows = []   # (stage, workload, throughput, FLOP/s fraction)
    def row(stage, workload, throughput, fraction=""): rows.append((stage, workload, throughput, fraction)); print(rows[-1], flush=True)

    # the machine's peak: large square fp32 matmuls
    peak = 0.0
    for n in (1024, 2048, 3072):
        a, b = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev)
        s = best_seconds(lambda: a @ b, args.repeats, sync)
        peak = max(peak, 2 * n ** 3 / s)
        row("matmul fp32", f"{n}x{n} @ {n}x{n}", f"{2 * n ** 3 / s / 1e9:.1f} GFLOP/s")
    rows.append(("**matmul peak**", "best of the above", f"**{peak / 1e9:.1f} GFLOP/s**", "100%"))

    # one-hot codec
    rng = np.random.default_rng(0)
    kp = torch.from_numpy(rng.uniform(0.05, 0.95, (8, 256, 18, 2)).astype(np.float32)).to(dev)
    conf = torch.ones(8, 256, 18, device=dev)
    s = best_seconds(lambda: keypoints_to_onehot(kp, conf, 256), args.repeats, sync)
    row("one-hot encode", "8 x 256 frames, 256 bins", f"{8 * 256 / s:,.0f} frames/s")
    images = keypoints_to_onehot(kp, conf, 256)
    s = best_seconds(lambda: onehot_to_keypoints(images, method="soft"), args.repeats, sync)
    row("one-hot decode (soft-argmax)", "8 x 256 frames", f"{8 * 256 / s:,.0f} frames/s")

    # skeleton drawing: lazy, so the first frame of a long dance comes at once
    long = PoseSequence(rng.uniform(0.2, 0.8, (10_000, 18, 2)).astype(np.float32), None, 30.0, "openpose18", (512, 512))
    t0 = time.perf_counter(); next(draw_skeleton_frames(long)); first = time.perf_counter() - t0
    s = best_seconds(lambda: [f for _, f in zip(range(100), draw_skeleton_frames(long))], args.repeats)
    row("skeleton drawing", "512x512 frames of a 10,000-frame dance", f"{100 / s:,.0f} frames/s, first after {first * 1000:.0f} ms")

    # pose VAE
    vae = load_default_vae().to(dev).eval()
    with torch.inference_mode():
        s = best_seconds(lambda: vae.encode(images[:1]), args.repeats, sync)
        row("VAE encode", "1 x 256 frames", f"{256 / s:,.0f} frames/s")
        z = vae.encode(images[:1])
        for prec in ("fp32", "bf16") if precision == "bf16" else ("fp32",):
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=prec == "bf16"):
                s = best_seconds(lambda: vae.decode(z), args.repeats, sync)
            row(f"VAE decode, {prec}", "1 x 256 frames", f"{256 / s:,.0f} frames/s")

    # one training step of the small preset, on a synthetic batch of the real shapes
    config = get_train_config("small")
    music_dim = (len(BASELINE_NAMES) + len(PHASE_NAMES) * config.beat_phase) * FRAMES_PER_TOKEN   # what the dataset would give
    model = build_dit(config.dit, latent_channels=vae.latent_channels, latent_height=vae.config.bins // vae.stride,
                      music_dim=music_dim, **config.dit_switches).to(dev).train()
    B, C, H, W = config.batch_size, vae.latent_channels, vae.config.bins // vae.stride, config.window_frames // vae.stride
    g = torch.Generator().manual_seed(0)
    batch = dict(latents=torch.randn(B, C, H, W, generator=g), music=torch.randn(B, W, model.config.music_dim, generator=g),
                 reference=torch.randn(B, C, H, W, generator=g), mask=torch.stack([phase_mask(n, config.window_frames, H) for n in range(B)]))
    batch = {k: v.to(dev) for k, v in batch.items()}
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    ema = EMA(model, config.ema_decay)
    def train_step():
        loss = flow_matching_loss(model, batch, config, g, device=dev)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        opt.step(); ema.update(model)
    count_cpu_attention_flops()
    with FlopCounterMode(display=False) as counter:
        loss = flow_matching_loss(model, batch, config, g, device=dev); loss.backward()
    flops = counter.get_total_flops()
    s = best_seconds(lambda: [train_step() for _ in range(10)], args.repeats, sync) / 10   # blocks of 10 steps: steadier
    n_params = sum(q.numel() for q in model.parameters())
    row("training step, small preset", f"batch {B}, {n_params / 1e6:.2f} M params, {flops / 1e9:.1f} GFLOP",
        f"{1 / s:.2f} steps/s = {flops / s / 1e9:.1f} GFLOP/s", f"{flops / s / peak:.0%}")

    # generation, the model alone, 30 s song
    work = Path(tempfile.mkdtemp(prefix="m2p_speed_"))
    pipe = Music2PosePipeline.from_pretrained().to(dev)
    score = make_score(30, bpm=112, seed=30)
    song = write_audio(work / "song_30s.flac", synthesize(score), score.sr)
    music = pipe.song_features(song)   # the features the way this model reads them (with the beat phase if it was trained so)
    plan = plan_segments(len(music.features), pipe.window_frames, pipe.overlap_frames, pipe.vae.stride)
    reference = as_reference_pose(None)
    timings = {}
    def generate():
        t0 = time.perf_counter()
        latents = pipe.song_latents(music, plan, reference, args.steps, 2.0, torch.Generator().manual_seed(0), False); sync()
        t1 = time.perf_counter()
        decode_song(pipe.vae, latents, pipe.fps, reference.frame_size, precision=precision); sync()
        timings.setdefault("sample", []).append(t1 - t0); timings.setdefault("decode", []).append(time.perf_counter() - t1)
    s = best_seconds(generate, max(1, args.repeats // 2), sync)
    row("generation, model alone", f"30 s song, {len(plan)} windows, {args.steps} steps: sampling {min(timings['sample'][1:]):.2f} s + "
        f"decoding ({precision}) {min(timings['decode'][1:]):.2f} s", f"{30 / s:.2f}x real time")

    # peak memory against song length, each in a fresh process
    for seconds in args.lengths:
        score = make_score(seconds, bpm=112, seed=int(seconds))
        song = write_audio(work / f"song_{seconds:g}s.flac", synthesize(score), score.sr)
        cmd = [sys.executable, __file__, "--memory-child", str(song), "--steps", str(args.steps), "--device", args.device]
        if args.threads: cmd += ["--threads", str(args.threads)]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode: sys.exit(f"memory run for {seconds:g} s failed:\n{out.stderr}")
        row("generation peak memory", f"{seconds:g} s song (fresh process, streamed features)", f"{int(out.stdout.split()[-1]):,} MiB")

    print(f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, device {dev}, best of {args.repeats}")
    print("\n| stage | workload | throughput | of matmul peak |\n|---|---|---|---|")
    for r in rows: print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
