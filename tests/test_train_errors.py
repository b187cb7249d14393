"""Error paths of music2pose.train (moved out of `nbs/14_train.ipynb`): noise of another shape, unknown presets and
options, music statistics of another feature set, windows that leave their clip, EMA state of another model, runs
resumed with another VAE or other settings, damaged checkpoints, and music of the wrong width or length for sampling.
Nothing is trained: the pose VAE and the DiT are untrained tiny ones, the checkpoints are written directly."""
import numpy as np
import pytest
import torch

from music2pose.data import song_features
from music2pose.dit import build_dit
from music2pose.train import (CHECKPOINT_FILE, CHECKPOINT_FORMAT, EMA, LatentDanceDataset, run_settings, check_resumable, get_train_config, noisy_pair, train_generator)
from music2pose.sample import generate_segment, sample_segment
from music2pose.vae import PoseVAE, build_vae, codec_identity, compute_latent_stats, get_vae_config, load_training_poses
from music2pose.files import load_checkpoint, save_checkpoint
from error_checks import raises


@pytest.fixture(scope="module")
def corpus(featured_corpus):
    "Three synthetic clips of 9 s, their music features already computed (conftest)."
    return featured_corpus


@pytest.fixture(scope="module")
def tiny_vae(corpus):
    "An untrained tiny pose VAE with the latent statistics of the corpus (the notebook's `tiny_vae`)."
    vae_cfg = get_vae_config("tiny")
    torch.manual_seed(0)
    raw_vae = PoseVAE(build_vae(vae_cfg).eval().requires_grad_(False), vae_cfg)
    return PoseVAE(raw_vae.vae, vae_cfg, *compute_latent_stats(raw_vae, load_training_poses(corpus)))


@pytest.fixture(scope="module")
def latents_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("latents")


@pytest.fixture(scope="module")
def ds(corpus, tiny_vae, latents_dir):
    return LatentDanceDataset(corpus, tiny_vae, latents_dir, split=None, progress=False)


@pytest.fixture(scope="module")
def with_phase(corpus, tiny_vae, latents_dir):
    return LatentDanceDataset(corpus, tiny_vae, latents_dir, split=None, progress=False, beat_phase=True)


def test_noise_and_configs_reject_bad_input():
    x0, noise = torch.randn(40, 2), torch.randn(40, 2)
    with raises(ValueError, "one shape"): noisy_pair(x0, noise[:3], torch.zeros(40))
    with raises(ValueError, "the training preset must be one of"): get_train_config("huge")
    with raises(ValueError, "multiple of 8"): get_train_config("tiny", window_frames=250)
    with raises(ValueError, "'shared' or 'text'"): get_train_config("tiny", time_indexing="rope")
    with raises(TypeError, "no field"): get_train_config("tiny", stepz=3)
    with raises(ValueError, "loss_weighting must be"): get_train_config("tiny", loss_weighting="x0")
    with raises(ValueError, "motion_loss must be"): get_train_config("tiny", motion_loss=-1)


def test_latent_dataset_rejects_other_statistics_and_windows_off_the_clip(corpus, tiny_vae, latents_dir, ds):
    with raises(ValueError, "use the statistics of the same feature set"):
        LatentDanceDataset(corpus, tiny_vae, latents_dir, split=None, progress=False, beat_phase=True, music_stats=ds.music_stats)
    with raises(ValueError, "leaves clips"): ds.windows(torch.tensor([0]), torch.tensor([5]), torch.tensor([0]))


def test_ema_state_of_another_model():
    lin = torch.nn.Linear(2, 1, bias=False)
    ema = EMA(lin, decay=0.5)
    with raises(ValueError, "another model"): ema.load_state_dict({"decay": 0.5, "updates": 1, "shadow": {"other": torch.zeros(1)}})


def test_checkpoints_resume_only_the_same_run(tiny_vae, with_phase, tmp_path):
    tiny_cfg = get_train_config("tiny")
    ck = save_checkpoint(tmp_path / "ck" / "checkpoint.pt", CHECKPOINT_FORMAT, settings=run_settings(tiny_cfg), codec=codec_identity(tiny_vae), step=3)
    vae_cfg = get_vae_config("tiny")
    other_vae = PoseVAE(build_vae(vae_cfg), vae_cfg)                 # same shape, other weights
    with raises(ValueError, "pose VAE differs"): check_resumable(load_checkpoint(ck), tiny_cfg, codec_identity(other_vae))
    with raises(ValueError, "lr: 0.005 there, 1.0 now"):
        check_resumable(load_checkpoint(ck), get_train_config("tiny", lr=1.0), codec_identity(tiny_vae))
    (tmp_path / "ck" / "bad.pt").write_bytes(b"not a checkpoint")
    with raises(ValueError, "damaged"): load_checkpoint(tmp_path / "ck" / "bad.pt")
    half = tmp_path / "half"   # what a tiny run of with_phase leaves at its first checkpoint: its settings and VAE
    save_checkpoint(half / CHECKPOINT_FILE, CHECKPOINT_FORMAT, settings=run_settings(tiny_cfg), codec=codec_identity(tiny_vae), step=60)
    with raises(ValueError, "another config"): train_generator(with_phase, half, "tiny", lr=1e-2, progress=False)


def test_sampling_rejects_music_of_the_wrong_shape(corpus, tiny_vae, with_phase):
    model = build_dit("tiny", latent_channels=tiny_vae.latent_channels, latent_height=tiny_vae.config.bins // tiny_vae.stride,
                      music_dim=with_phase.music_dim).eval()    # untrained: only the shapes matter here
    with raises(ValueError, "music_tokens must be"): sample_segment(model, tiny_vae, torch.zeros(32, 99))
    clip0 = with_phase.clips[0]
    song = song_features([clip0], with_phase.fps, corpus / "features", progress=False)[clip0.song]
    with raises(ValueError, "T >= 256"):
        generate_segment(model, tiny_vae, song.features[:100], with_phase.music_stats)
