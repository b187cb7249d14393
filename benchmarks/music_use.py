"""How much does a trained generator use the music? Its training loss with the music and with the null token.

    python benchmarks/music_use.py --model RUN/model --corpus CORPUS [--cache RUN/latents/<hash>] [--windows 32]

On the first window of `--windows` training clips, at t = 0.1, 0.5 and 0.9 (the same noise for both), the velocity
MSE with the clip's music tokens and with the null music token. A model that listens has a clearly lower loss with
the music, most of all at large t, where the noisy latent says little about the dance. `--cache` reuses the latent
cache of a training run (`RUN/latents/<hash>`); without it the clips are encoded into a temporary folder.
"""
import argparse
import tempfile

import torch

from music2pose.train import LatentDanceDataset, noisy_pair
from music2pose.sample import load_generator

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--model", required=True, help="a trained generator folder (<out_dir>/model)")
p.add_argument("--corpus", required=True, help="the corpus folder it was trained on")
p.add_argument("--cache", default=None, help="a latent cache folder of the same VAE (RUN/latents/<hash>)")
p.add_argument("--windows", type=int, default=32)
p.add_argument("--seed", type=int, default=0)
args = p.parse_args()

gen = load_generator(args.model)
with tempfile.TemporaryDirectory() as tmp:
    ds = LatentDanceDataset(args.corpus, gen.vae, args.cache or tmp, "train", gen.window_frames,
                            music_stats=(gen.music_mean, gen.music_std), progress=False, beat_phase=gen.beat_phase)
    n = min(args.windows, len(ds))
    batch = ds.windows(torch.arange(n), torch.zeros(n, dtype=torch.long), torch.zeros(n, dtype=torch.long))
x0 = batch["latents"]
reference = (batch["reference"], batch["mask"]) if gen.model.config.reference_conditioning else (None, None)
g = torch.Generator().manual_seed(args.seed)
print(f"{args.model}: velocity MSE on {n} training windows, with the music and with the null token")
for t in (0.1, 0.5, 0.9):
    sigma = torch.full((n,), t)
    x_t, velocity = noisy_pair(x0, torch.randn(x0.shape, generator=g), sigma)
    losses = []
    for keep in (True, False):
        with torch.no_grad():
            v = gen.model(x_t, sigma, batch["music"], *reference, music_keep=torch.full((n,), keep))
        losses.append(float((v - velocity).pow(2).mean()))
    print(f"t = {t}: with music {losses[0]:.4f}, null music {losses[1]:.4f}, music lowers it by {100 * (1 - losses[0] / losses[1]):.1f}%")
