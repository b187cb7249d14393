"""Error paths of music2pose.vae (moved out of `nbs/09_vae.ipynb`): config options and presets that do not exist or do
not fit, a folder without TAEF2 weights, images and latents of the wrong shape, VAEs that do not match their config,
saved codecs loaded as another config or from nowhere, runs resumed under another config, latent caches of another VAE,
and the frozen TAEF2 handed to the trainer. Nothing here is trained: the models are untrained tiny ones (or TAEF2)."""
import numpy as np
import pytest
import torch

from music2pose.poses import PoseSequence
from music2pose.vae import VAE_CHECKPOINT_FORMAT, PoseVAE, _checkpoint_config, build_vae, cache_latents, get_vae_config, load_taef2, train_vae
from music2pose.files import save_checkpoint
from error_checks import raises


@pytest.fixture(scope="module")
def tiny_cfg():
    return get_vae_config("tiny")


@pytest.fixture(scope="module")
def codec(tiny_cfg):
    "An untrained tiny pose VAE."
    torch.manual_seed(0)
    return PoseVAE(build_vae(tiny_cfg), tiny_cfg)


@pytest.fixture(scope="module")
def train_poses():
    return [PoseSequence(np.clip(0.5 + 0.2 * np.sin(np.linspace(0, 6, 96))[:, None, None] * np.random.default_rng(i).random((1, 18, 2)), 0, 1), fps=30)
            for i in range(4)]


def test_get_vae_config_rejects_bad_options():
    with raises(ValueError, "divisible"): get_vae_config("small", bins=100)
    with raises(ValueError, "the VAE preset must be one of"): get_vae_config("huge")
    with raises(ValueError, "value must be one of"): get_vae_config("small", value="score")
    with raises(ValueError, "sigma must be"): get_vae_config("small", sigma=-1)
    with raises(ValueError, "grouping='rgb'"): get_vae_config("taef2_256", grouping="all")


def test_taef2_needs_its_weights(tmp_path):
    with raises(FileNotFoundError, "no TAEF2 weights"): load_taef2(tmp_path)


def test_codec_rejects_wrong_shapes_and_mismatched_vaes(codec, tiny_cfg):
    with raises(ValueError, "expected one-hot images (B, 36"): codec.encode(torch.zeros(1, 30, tiny_cfg.bins, 32))
    with raises(ValueError, "divisible by 8"): codec.encode(torch.zeros(1, 36, tiny_cfg.bins, 30))
    with raises(ValueError, "expected latents (B, 48"): codec.decode(torch.zeros(1, 47, 8, 4))
    all_cfg = get_vae_config("tiny", grouping="all")
    with raises(ValueError, "needs 36"): PoseVAE(build_vae(tiny_cfg), all_cfg)
    with raises(ValueError, "backend='diffusers' but the VAE is a TAEF2"): PoseVAE(load_taef2(), tiny_cfg)


def test_saved_codecs_load_only_as_what_they_are(codec, tmp_path):
    codec.save_pretrained(tmp_path / "codec")
    with raises(ValueError, "checkpoint from another config"): PoseVAE.from_pretrained(tmp_path / "codec", expect="small")
    with raises(FileNotFoundError, "no such PoseVAE folder"): PoseVAE.from_pretrained(tmp_path / "nothing")
    small_taef2 = get_vae_config("taef2_256", bins=64)
    t2 = PoseVAE(load_taef2(), small_taef2, torch.randn(12 * 32), torch.rand(12 * 32) + 0.5)
    t2.save_pretrained(tmp_path / "t2")
    with raises(ValueError, "backend: taef2 here, diffusers expected"): PoseVAE.from_pretrained(tmp_path / "t2", expect="tiny")


def test_training_refuses_another_config_and_the_frozen_taef2(train_poses, tiny_cfg, tmp_path):
    run = tmp_path / "run"   # what a tiny run leaves after its first checkpoint: its config
    save_checkpoint(run / "checkpoint.pt", VAE_CHECKPOINT_FORMAT, config=_checkpoint_config(tiny_cfg), step=20)
    with raises(ValueError, "another config"):
        train_vae(train_poses, run, get_vae_config("tiny", block_out_channels=(8, 8, 16, 16)))
    with raises(ValueError, "nothing to train"): train_vae(train_poses, tmp_path / "t2run", "taef2_256")


def test_latent_cache_belongs_to_one_vae(codec, tiny_cfg, train_poses, tmp_path):
    torch.manual_seed(1)
    other = PoseVAE(build_vae(tiny_cfg), tiny_cfg)
    cache = cache_latents(other, {"clip0": train_poses[0]}, tmp_path / "latents", progress=False)
    with raises(ValueError, "another VAE"): cache_latents(codec, {"a": train_poses[0]}, cache, progress=False)
