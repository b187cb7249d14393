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

import numpy as np
import torch

from music2pose.evaluate import load_heldout
from music2pose.metrics import beat_align_score, joint_speed
from music2pose.music import add_beat_phase, beat_phase, music_tokens
from music2pose.reference import phase_mask, reference_pose_from
from music2pose.sample import load_generator, shape_only_reference
from music2pose.train import noisy_pair


def speed_by_beat_phase(dances, beats, bins: int = 8) -> np.ndarray:
    "Mean joint speed in each of `bins` equal parts of the beat (0 = starting on a beat), over the overall mean."
    total, count = np.zeros(bins), np.zeros(bins)
    for dance, b in zip(dances, beats):
        speed = joint_speed(dance)
        sin, cos = beat_phase(b, len(speed), dance.fps).T      # speed[i] is the move from frame i to i + 1
        part = (np.mod(np.arctan2(sin, cos) / (2 * np.pi), 1.0) * bins).astype(int) % bins
        ok = np.isfinite(speed)
        np.add.at(total, part[ok], speed[ok]); np.add.at(count, part[ok], 1)
    profile = total / np.maximum(count, 1)
    return profile / profile.mean()


def scores(dances, beats) -> str:
    return f"{speed_by_beat_phase(dances, beats)[0]:9.2f} {np.mean([beat_align_score(d, b) for d, b in zip(dances, beats)]):10.3f}"


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True, help="a generator folder (<train out>/model), or 'default' for the shipped one")
    p.add_argument("--heldout", required=True, help="a corpus folder the generator never saw")
    p.add_argument("--clips", type=int, default=40)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.model == "default":
        from music2pose.sample import default_generator_dir
        args.model = default_generator_dir()
    gen = load_generator(args.model)
    W, model, vae = gen.window_frames, gen.model, gen.vae
    held = load_heldout(args.heldout, args.clips, W, gen.fps, progress=False)
    music = [add_beat_phase(m) if gen.beat_phase else m for m in held.music]
    own = torch.stack([torch.from_numpy(music_tokens(((m.features - gen.music_mean) / gen.music_std).astype(np.float32), vae.stride))
                       for m in music])
    other = torch.roll(own, 1, 0)                       # the previous clip's music: another song, other beats
    ref = torch.stack([shape_only_reference(vae, reference_pose_from(d, "median"), W) for d in held.dances])
    mask = phase_mask(0, W, model.config.latent_height, vae.stride)[None].expand(len(held), -1, -1, -1)
    with torch.no_grad(): x0 = vae.encode_poses(held.dances)
    noise = torch.randn(x0.shape, generator=torch.Generator().manual_seed(args.seed))
    print(f"{len(held)} held-out clips of {W} frames; on-beat speed and BAS of the real dances: {scores(held.dances, held.beats)}, "
          f"through the VAE: {scores(vae.decode_poses(x0, fps=gen.fps), held.beats)}")
    print(f"{'t':>4} | {'own music':>20} | {'another song':>20} | {'no music':>20}    (on-beat speed, BAS against the real beats)")
    for t in (0.3, 0.5, 0.7, 0.9):
        sigma = torch.full((len(held),), t)
        x_t, _ = noisy_pair(x0, noise, sigma)
        cells = []
        for tokens, keep in ((own, True), (other, True), (own, False)):
            with torch.no_grad(): v = model(x_t, sigma, tokens, ref, mask, music_keep=torch.full((len(held),), keep))
            cells.append(scores(vae.decode_poses(x_t - t * v, fps=gen.fps), held.beats))
        print(f"{t:4.1f} | " + " | ".join(cells), flush=True)
