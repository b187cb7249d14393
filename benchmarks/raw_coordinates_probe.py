"""The generator's beat problem without the image VAE: the same PoseDiT and flow matching on raw keypoint coordinates.

    python benchmarks/raw_coordinates_probe.py --corpus TRAIN_CORPUS --heldout HELDOUT_CORPUS --out DIR [--steps 6000]
        [--beat-phase] [--aligned-music] [--frame-motion-loss 1.0]

Each token holds 8 frames x 36 coordinates (OpenPose-18, z-normalised over the corpus), one per 8-frame column
like a latent column, with the music token of the same 8 frames; no reference image (the model places the body
itself). Training is the library's loss with `loss_weighting="sample"` (clean-coordinate error), plus, with
`--frame-motion-loss W`, W times the error of the estimate's frame-to-frame changes over the data's mean squared
change (what moves, not where the body stands). The model is scored on the held-out clips like `music2pose evaluate`
scores generators: BAS against the clip's own beats and another clip's, jitter, FID_k. It is a probe (fast to
train: about 10 minutes on one CPU core), not a method: it asks which training choices make a model of this size
take the beat's timing from the music at all.
"""
import argparse
from pathlib import Path

import numpy as np
import torch

from music2pose.data import corpus_clips, song_features
from music2pose.dit import PoseDiT
from music2pose.evaluate import music_beat_times
from music2pose.metrics import beat_align_score, fid_k, jitter
from music2pose.music import add_beat_phase, feature_stats, music_tokens
from music2pose.poses import PoseSequence
from music2pose.train import EMA, get_train_config, logit_normal_sigmas, mean_square_sigma, noisy_pair, sample_segment

FPS, W, S = 30.0, 256, 8


def coordinates(clip):
    "A clip's OpenPose-18 coordinates `(T, 36)` at 30 fps; short gaps filled, joints never seen set to their mean."
    poses = clip.load_poses().resample(FPS).to_layout("openpose18").fill_gaps(int(FPS))
    kp = poses.keypoints.reshape(len(poses), -1)
    mean = np.nanmean(kp, 0)
    return np.where(np.isfinite(kp), kp, np.where(np.isfinite(mean), mean, 0.5)).astype(np.float32), poses


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", required=True); p.add_argument("--heldout", required=True); p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=6000); p.add_argument("--clips", type=int, default=40)
    p.add_argument("--beat-phase", action="store_true"); p.add_argument("--aligned-music", action="store_true")
    p.add_argument("--frame-motion-loss", type=float, default=0.0); p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(1)
    feats = lambda clips, cache: {s: add_beat_phase(m) if args.beat_phase else m for s, m in song_features(clips, FPS, cache, progress=False).items()}
    train_clips = corpus_clips(args.corpus, split="train")
    music = feats(train_clips, Path(args.corpus) / "features")
    music_mean, music_std = feature_stats(music[c.song] for c in train_clips)
    data = []
    for c in train_clips:
        kp, _ = coordinates(c)
        n = min(len(kp), len(music[c.song]))
        if n >= W: data.append((kp[:n], ((music[c.song].features[:n] - music_mean) / music_std).astype(np.float32)))
    every = np.concatenate([kp for kp, _ in data]); coord_mean, coord_std = every.mean(0), every.std(0) + 1e-4
    to_tokens = lambda kp: torch.from_numpy(((kp - coord_mean) / coord_std).reshape(W // S, S, -1).transpose(2, 1, 0).reshape(-1, 1, W // S).copy())
    to_frames = lambda z: z.reshape(z.shape[0], -1, S, W // S).permute(0, 3, 2, 1).reshape(z.shape[0], W, -1)   # (B, W, 36)

    config = get_train_config("small", reference_conditioning=False, loss_weighting="sample")
    torch.manual_seed(args.seed)
    model = PoseDiT(latent_channels=36 * S, latent_height=1, patch_size=(1, 1), music_dim=music_mean.size * S, hidden_size=96,
                    depth=3, single_depth=1, num_heads=4, axes_dim=(4, 10, 10), mlp_ratio=2.0, reference_conditioning=False,
                    prediction="sample", aligned_music=args.aligned_music)
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    ema = EMA(model, config.ema_decay)
    rng, g, history = np.random.default_rng(args.seed), torch.Generator().manual_seed(args.seed), []
    for step in range(args.steps):
        x0, tokens = [], []
        for i in rng.integers(len(data), size=config.batch_size):
            kp, mf = data[i]; start = int(rng.integers(0, len(kp) - W + 1)) // S * S
            x0.append(to_tokens(kp[start:start + W])); tokens.append(torch.from_numpy(music_tokens(mf[start:start + W], S)))
        x0, tokens = torch.stack(x0), torch.stack(tokens)
        sigma = logit_normal_sigmas(len(x0), generator=g)
        x_t, _ = noisy_pair(x0, torch.randn(x0.shape, generator=g), sigma)
        keep = torch.rand(len(x0), generator=g) >= config.music_dropout
        x0_hat = x_t - sigma[:, None, None, None] * model(x_t, sigma, tokens, music_keep=keep)
        loss = (x0_hat - x0).pow(2).mean()
        if args.frame_motion_loss:
            change = to_frames(x0).diff(dim=1)
            loss = loss + args.frame_motion_loss * (to_frames(x0_hat).diff(dim=1) - change).pow(2).mean() / change.pow(2).mean()
        loss = loss / mean_square_sigma()
        for group in opt.param_groups: group["lr"] = config.lr * min(1.0, (step + 1) / config.warmup_steps)
        opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip); opt.step(); ema.update(model)
        history.append(loss.item())
        if (step + 1) % 500 == 0: print(f"step {step + 1}: loss {np.mean(history[-500:]):.4f}", flush=True)
    final = ema.copy_to(PoseDiT.from_config(model.config)).eval()
    Path(args.out).mkdir(parents=True, exist_ok=True); final.save_pretrained(args.out)

    held = corpus_clips(args.heldout)[:args.clips]
    held_music = feats(held, None)
    real, fake, own = [], [], []
    for i, c in enumerate(held):
        _, poses = coordinates(c)
        own.append(music_beat_times(c)[0]); real.append(poses[:W])
        tok = torch.from_numpy(music_tokens(((held_music[c.song].features[:W] - music_mean) / music_std).astype(np.float32), S))
        z = sample_segment(final, None, tok, steps=30, guidance_scale=2.0, generator=torch.Generator().manual_seed(i))
        kp = to_frames(z)[0].numpy() * coord_std + coord_mean
        fake.append(PoseSequence(kp.reshape(W, 18, 2), np.ones((W, 18), np.float32), FPS, "openpose18", poses.frame_size))
    other = own[1:] + own[:1]
    print(f"{len(held)} held-out clips, {W} frames, 30 Euler steps, guidance 2; BAS (fact, sigma 0.05 s): own / another clip's beats")
    for name, dances in (("held-out real", real), ("raw-coordinate model", fake)):
        a = [beat_align_score(d, b) for d, b in zip(dances, own)]; o = [beat_align_score(d, b) for d, b in zip(dances, other)]
        print(f"{name:22s} BAS {np.mean(a):.3f} +- {np.std(a):.3f} / {np.mean(o):.3f} +- {np.std(o):.3f}   "
              f"FID_k {0.0 if dances is real else fid_k(real, dances):8.1f}   jitter {np.mean([jitter(d) for d in dances]):6.1f}")
