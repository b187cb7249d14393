"""Does a generator take the beat's timing from the music? Its one-step clean estimate of noised real dances, with
their own music, another song's music and no music, scored against the real beats.

    python benchmarks/beat_timing.py --model RUN/model --heldout HELDOUT_CORPUS [--clips 40]

For each held-out clip the real dance (first window) is encoded, noised to t (same noise for every condition) and
denoised in one step. If the model reads when the beats are, the estimate made with the clip's own music stops on
the real beats more than the one made with another song's music: a lower on-beat speed (the mean joint speed in
the eighth of a beat that starts on a beat, over the mean speed; the real dances give about 0.3) and a higher BAS.
At small t the noisy dance itself shows the timing, so the conditions only differ at middle and large t.
"""
import argparse
import json
from pathlib import Path

import numpy as np
import torch

from music2pose.data import corpus_clips, song_features
from music2pose.metrics import beat_align_score, joint_speed
from music2pose.music import add_beat_phase, music_tokens
from music2pose.reference import phase_mask, reference_pose_from
from music2pose.train import load_generator, noisy_pair, shape_only_reference


def speed_by_beat_phase(dances, beats, bins: int = 8) -> np.ndarray:
    "Mean joint speed in each of `bins` equal parts of the beat (0 = starting on a beat), over the overall mean."
    total, count = np.zeros(bins), np.zeros(bins)
    for dance, b in zip(dances, beats):
        speed = joint_speed(dance)
        t = (np.arange(len(speed)) + 0.5) / dance.fps
        i = np.clip(np.searchsorted(b, t, side="right") - 1, 0, len(b) - 2)
        phase = (t - b[i]) / (b[i + 1] - b[i])
        ok = (phase >= 0) & (phase < 1) & np.isfinite(speed)
        np.add.at(total, (phase[ok] * bins).astype(int), speed[ok]); np.add.at(count, (phase[ok] * bins).astype(int), 1)
    profile = total / np.maximum(count, 1)
    return profile / profile.mean()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True, help="a generator folder (<train out>/model)")
    p.add_argument("--heldout", required=True, help="a corpus folder with score beats (songs/<song>.json)")
    p.add_argument("--clips", type=int, default=40)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    gen = load_generator(args.model)
    W, model, vae = gen.window_frames, gen.model, gen.vae
    held = [c for c in corpus_clips(args.heldout)][:args.clips]
    features = song_features(held, gen.fps, progress=False)
    dances, beats, tokens, refs = [], [], [], []
    for c in held:
        dance = c.load_poses().resample(gen.fps)[:W].to_layout("openpose18")
        b = np.asarray(json.loads((Path(args.heldout) / "songs" / f"{c.song}.json").read_text())["beat_times"])
        mf = add_beat_phase(features[c.song]) if gen.beat_phase else features[c.song]
        dances.append(dance); beats.append(b[b < W / gen.fps])
        tokens.append(torch.from_numpy(music_tokens(((mf.features[:W] - gen.music_mean) / gen.music_std).astype(np.float32), vae.stride)))
        refs.append(shape_only_reference(vae, reference_pose_from(dance, "median"), W))
    with torch.no_grad(): x0 = torch.cat([vae.encode_poses([d]) for d in dances])
    own, ref = torch.stack(tokens), torch.stack(refs)
    other = torch.roll(own, 1, 0)                       # the previous clip's music: another song, other beats
    mask = phase_mask(0, W, model.config.latent_height, vae.stride)[None].expand(len(held), -1, -1, -1)
    noise = torch.randn(x0.shape, generator=torch.Generator().manual_seed(args.seed))
    decoded = vae.decode_poses(x0, fps=gen.fps)
    print(f"{len(held)} held-out clips of {W} frames; real dances: on-beat speed {speed_by_beat_phase(dances, beats)[0]:.2f}, "
          f"BAS {np.mean([beat_align_score(d, b) for d, b in zip(dances, beats)]):.3f}; through the VAE: "
          f"{speed_by_beat_phase(decoded, beats)[0]:.2f}, {np.mean([beat_align_score(d, b) for d, b in zip(decoded, beats)]):.3f}")
    print(f"{'t':>4} | {'own music':>20} | {'another song':>20} | {'no music':>20}    (on-beat speed, BAS against the real beats)")
    for t in (0.3, 0.5, 0.7, 0.9):
        sigma = torch.full((len(held),), t)
        x_t, _ = noisy_pair(x0, noise, sigma)
        cells = []
        for music, keep in ((own, True), (other, True), (own, False)):
            with torch.no_grad():
                v = model(x_t, sigma, music, ref, mask, music_keep=torch.full((len(held),), keep))
            est = vae.decode_poses(x_t - t * v, fps=gen.fps)
            cells.append(f"{speed_by_beat_phase(est, beats)[0]:9.2f} {np.mean([beat_align_score(d, b) for d, b in zip(est, beats)]):10.3f}")
        print(f"{t:4.1f} | " + " | ".join(cells))
