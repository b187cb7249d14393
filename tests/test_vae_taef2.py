"""The TAEF2 backend of PoseVAE: shipped weights, save/load, identity, caching and bad inputs (plain pytest)."""
import json
import shutil

import numpy as np
import pytest
import torch

from music2pose.onehot import keypoints_to_onehot
from music2pose.poses import PoseSequence
from music2pose.vae import (TAEF2, TAEF2_DIR, TAEF2_FILES, PoseVAE, build_vae, cache_latents, codec_identity, get_vae_config,
                            load_latents, load_taef2, load_vae, reconstruction_errors, train_vae,
                            weights_sha256)

BINS = 64   # TAEF2 takes any height divisible by 8; small images keep these tests fast


def one_line(excinfo):
    assert "\n" not in str(excinfo.value), str(excinfo.value)


@pytest.fixture(scope="module")
def taef2():
    torch.set_num_threads(1)
    return load_taef2()


@pytest.fixture(scope="module")
def cfg():
    return get_vae_config("taef2_256", bins=BINS)


@pytest.fixture(scope="module")
def dance():
    t = np.linspace(0, 2 * np.pi, 32)[:, None, None]
    base = np.random.default_rng(0).uniform(0.3, 0.7, (1, 18, 2))
    return PoseSequence((base + 0.1 * np.sin(t + base * 5)).astype(np.float32), fps=30)


def test_weights_ship_with_their_licence(taef2):
    for name in (*TAEF2_FILES, "LICENSE"): assert (TAEF2_DIR / name).is_file(), name
    assert "MIT License" in (TAEF2_DIR / "LICENSE").read_text()
    assert isinstance(taef2, TAEF2) and not any(p.requires_grad for p in taef2.parameters())
    assert weights_sha256(taef2) == weights_sha256(load_taef2())
    assert isinstance(load_vae("taef2"), TAEF2) and isinstance(load_vae(TAEF2_DIR), TAEF2)


def test_damaged_or_wrong_weight_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="no TAEF2 weights") as e: load_taef2(tmp_path)
    one_line(e)
    for name in TAEF2_FILES: shutil.copy(TAEF2_DIR / name, tmp_path / name)
    (tmp_path / TAEF2_FILES[0]).write_bytes((TAEF2_DIR / TAEF2_FILES[0]).read_bytes()[:1000])
    with pytest.raises(ValueError, match="cannot read it") as e: load_taef2(tmp_path)
    one_line(e)
    shutil.copy(TAEF2_DIR / TAEF2_FILES[1], tmp_path / TAEF2_FILES[0])      # a decoder where the encoder belongs
    with pytest.raises(ValueError, match="not TAEF2 weights") as e: load_taef2(tmp_path)
    one_line(e)


def test_encode_poses_feeds_soft_ridges(taef2, cfg, dance):
    codec = PoseVAE(taef2, cfg)
    images = keypoints_to_onehot(torch.from_numpy(dance.keypoints)[None], torch.from_numpy(dance.confidence)[None], BINS, sigma=cfg.sigma)
    with torch.no_grad(): torch.testing.assert_close(codec.encode_poses(dance), codec.encode(images))
    sharp = PoseVAE(taef2, get_vae_config(cfg, sigma=0.0))
    with torch.no_grad(): assert not torch.allclose(sharp.encode_poses(dance), codec.encode_poses(dance))
    assert codec.encode_poses(dance).shape == (1, 12 * 32, BINS // 8, 4)


def test_save_load_references_shipped_weights_and_loads_from_a_fresh_folder(taef2, cfg, dance, tmp_path):
    codec = PoseVAE(taef2, cfg, torch.randn(384), torch.rand(384) + 0.5)
    codec.save_pretrained(tmp_path / "a")
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["pose_vae.json"]
    shutil.copytree(tmp_path / "a", tmp_path / "moved" / "elsewhere")
    with torch.no_grad():
        want = codec.encode_poses(dance)
        torch.testing.assert_close(PoseVAE.from_pretrained(tmp_path / "moved" / "elsewhere", expect=cfg).encode_poses(dance), want)
        codec.save_pretrained(tmp_path / "b", copy_weights=True)
        assert (tmp_path / "b" / "vae" / "LICENSE").is_file()
        torch.testing.assert_close(PoseVAE.from_pretrained(tmp_path / "b").encode_poses(dance), want)
    again = PoseVAE.from_pretrained(tmp_path / "b")
    assert again.config == codec.config and codec_identity(again) == codec_identity(codec)


def test_saved_with_other_weights(taef2, cfg, tmp_path):
    PoseVAE(taef2, cfg).save_pretrained(tmp_path / "a")
    meta = json.loads((tmp_path / "a" / "pose_vae.json").read_text())
    meta["vae_sha256"] = "0" * 64
    (tmp_path / "a" / "pose_vae.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="saved with other TAEF2 weights") as e: PoseVAE.from_pretrained(tmp_path / "a")
    one_line(e)


def test_checkpoint_from_another_config(taef2, cfg, tmp_path):
    PoseVAE(taef2, cfg).save_pretrained(tmp_path / "t")
    with pytest.raises(ValueError, match="backend: taef2 here, diffusers expected") as e: PoseVAE.from_pretrained(tmp_path / "t", expect="small")
    one_line(e)
    with pytest.raises(ValueError, match="bins: 64 here, 512 expected"): PoseVAE.from_pretrained(tmp_path / "t", expect="taef2_512")
    small = PoseVAE(build_vae(get_vae_config("tiny")), get_vae_config("tiny"))   # any diffusers-backed codec
    small.save_pretrained(tmp_path / "s")
    with pytest.raises(ValueError, match="backend: diffusers here, taef2 expected"): PoseVAE.from_pretrained(tmp_path / "s", expect="taef2_256")
    with pytest.raises(ValueError, match="backend='taef2' but the VAE is a AutoencoderKL") as e: PoseVAE(small.vae, cfg)
    one_line(e)


def test_identity_and_cache_tell_codecs_apart(taef2, cfg, dance, tmp_path):
    soft, sharp = PoseVAE(taef2, cfg), PoseVAE(taef2, get_vae_config(cfg, sigma=0.0))
    ids = [codec_identity(c) for c in (soft, sharp, PoseVAE(build_vae(get_vae_config("tiny")), get_vae_config("tiny")))]
    assert ids[0]["config"]["backend"] == "taef2" and ids[0]["config"]["sigma"] == cfg.sigma > 0
    assert ids[0] != ids[1] and ids[0]["weights_sha256"] != ids[2]["weights_sha256"]
    cache = cache_latents(soft, {"a": dance, "b": dance[:20]}, tmp_path / "z", progress=False)
    z, n = load_latents(cache / "b.npz")
    assert (z.shape, n) == ((384, BINS // 8, 3), 20)
    with torch.no_grad(): torch.testing.assert_close(load_latents(cache / "a.npz")[0], soft.encode_poses(dance)[0], atol=2e-2, rtol=1e-2)
    with pytest.raises(ValueError, match="another VAE"): cache_latents(sharp, {"a": dance}, cache, progress=False)


def test_nothing_to_train_and_bad_configs(tmp_path, dance):
    with pytest.raises(ValueError, match="nothing to train") as e: train_vae([dance], tmp_path / "run", "taef2_256")
    one_line(e)
    with pytest.raises(ValueError, match="latent_channels=32"): get_vae_config("taef2_256", latent_channels=4)
    with pytest.raises(ValueError, match="backend must be one of"): get_vae_config("small", backend="sdxl")
    with pytest.raises(ValueError, match="sigma must be"): get_vae_config("taef2_256", sigma=float("nan"))


def test_soft_ridges_read_back_better_than_sharp_ones(taef2, cfg, dance):
    "The issue's finding, on a small scale: TAEF2 cannot hold a one-pixel ridge, a one-bin Gaussian it can."
    seq = PoseSequence(np.clip(dance.keypoints, 0, 1), fps=30)
    soft = reconstruction_errors(PoseVAE(taef2, get_vae_config("taef2_256", bins=128)), seq, method="gauss")
    sharp = reconstruction_errors(PoseVAE(taef2, get_vae_config("taef2_256", bins=128, sigma=0.0)), seq, method="gauss")
    assert soft["error"].mean() < sharp["error"].mean() and soft["missed"] <= sharp["missed"], (soft["error"].mean(), sharp["error"].mean())
