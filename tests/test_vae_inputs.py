"""Pose VAE: bad checkpoints and inputs, and the shipped model's accuracy (not lessons: plain pytest)."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from music2pose.files import load_corpus
from music2pose.poses import PoseSequence, find_shared_data, load_aistpp_keypoints2d, load_npz
from music2pose.vae import (DEFAULT_VAE_DIR, PoseVAE, build_vae, cache_latents, get_vae_config, load_default_vae,
                            load_latents, load_vae, reconstruction_errors, summarize_errors, train_vae)

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data_samples" / "corpus"


@pytest.fixture(scope="module")
def tiny_codec_dir(tmp_path_factory):
    cfg = get_vae_config("tiny")
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("codec") / "pose_vae"
    PoseVAE(build_vae(cfg), cfg).save_pretrained(folder)
    return folder


def test_corrupt_safetensors(tiny_codec_dir, tmp_path):
    bad = tmp_path / "bad"
    import shutil; shutil.copytree(tiny_codec_dir, bad)
    weights = next((bad / "vae").glob("*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:200])
    with pytest.raises(ValueError, match="cannot load a VAE from local folder"):
        PoseVAE.from_pretrained(bad)


def test_missing_or_garbled_codec_json(tiny_codec_dir, tmp_path):
    import shutil
    shutil.copytree(tiny_codec_dir, tmp_path / "a")
    (tmp_path / "a" / "pose_vae.json").unlink()
    with pytest.raises(ValueError, match="not a PoseVAE folder"): PoseVAE.from_pretrained(tmp_path / "a")
    shutil.copytree(tiny_codec_dir, tmp_path / "b")
    (tmp_path / "b" / "pose_vae.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"): PoseVAE.from_pretrained(tmp_path / "b")
    with pytest.raises(FileNotFoundError, match="no config.json"): load_vae(tmp_path)


def test_checkpoint_from_another_config(tiny_codec_dir):
    with pytest.raises(ValueError, match="another config"): PoseVAE.from_pretrained(tiny_codec_dir, expect="small")
    with pytest.raises(ValueError, match="another config"):
        PoseVAE.from_pretrained(tiny_codec_dir, expect=get_vae_config("tiny", grouping="all"))


def test_wrong_images(tiny_codec_dir):
    codec = PoseVAE.from_pretrained(tiny_codec_dir)
    with pytest.raises(ValueError, match=r"expected one-hot images \(B, 36, 64, T\)"): codec.encode(torch.zeros(1, 36, 60, 16))
    with pytest.raises(ValueError, match="expected one-hot images"): codec.encode(torch.zeros(36, 64, 16))
    with pytest.raises(ValueError, match="divisible by 8"): codec.encode(torch.zeros(1, 36, 64, 12))
    with pytest.raises(ValueError, match="divisible by the VAE stride"): get_vae_config("tiny", bins=60)


def test_bad_training_data(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such folder"): train_vae(tmp_path / "nope", tmp_path / "run", "tiny")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no pose files"): train_vae(tmp_path / "empty", tmp_path / "run", "tiny")
    with pytest.raises(ValueError, match="pretrained VAE"): train_vae(SAMPLES, tmp_path / "run", "full")


def test_corrupt_training_checkpoint(tmp_path):
    seqs = [PoseSequence(np.random.default_rng(0).random((40, 18, 2)), fps=30)]
    (tmp_path / "run").mkdir(); (tmp_path / "run" / "checkpoint.pt").write_bytes(b"half a file")
    with pytest.raises(ValueError, match="cannot read checkpoint"): train_vae(seqs, tmp_path / "run", "tiny", steps=2)


def test_latent_cache_unreadable(tmp_path):
    (tmp_path / "x.npz").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="not a readable latent cache"): load_latents(tmp_path / "x.npz")


# -- the shipped model -------------------------------------------------------------------------------------------
shipped = pytest.mark.skipif(not (DEFAULT_VAE_DIR / "pose_vae.json").exists(), reason="no shipped VAE in this checkout")


@shipped
def test_shipped_vae_reconstructs_sample_dances():
    codec = load_default_vae()
    clips = load_corpus(SAMPLES)["clips"]
    seq = load_npz(SAMPLES / clips[0]["poses"])[:256]
    r = summarize_errors(reconstruction_errors(codec, seq))
    assert r["mean"] < 0.005 and r["missed"] < 0.02, r


@shipped
def test_shipped_vae_reconstructs_real_dances():
    aist = find_shared_data("aistpp", "keypoints2d")
    if aist is None: pytest.skip("needs ../shared/data (AIST++ keypoints)")
    codec = load_default_vae()
    seq = load_aistpp_keypoints2d(sorted(aist.glob("*.pkl"))[0], view=0).resample(30)[:256]
    r = summarize_errors(reconstruction_errors(codec, seq))
    assert r["mean"] < 0.005 and r["missed"] < 0.05, r  # the target: 0.005 of the frame size


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_decoding_a_few_images_at_a_time(monkeypatch, precision):
    "On a CPU, inference decodes CPU_DECODE_IMAGES grouped images at a time: the images of decoding all at once, in order."
    import music2pose.vae as vae_module
    vae = load_default_vae()
    latents = torch.randn(2, vae.latent_channels, vae.config.bins // vae.stride, 5, generator=torch.Generator().manual_seed(0))
    def decoded(images_at_once):
        monkeypatch.setattr(vae_module, "CPU_DECODE_IMAGES", images_at_once)
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            return vae.decode(latents)
    whole, rounding = decoded(10_000), 1e-5 if precision == "fp32" else 2e-2
    for images_at_once in (vae_module.CPU_DECODE_IMAGES, 4, 5):   # 24 images: in fours, and 5 + 5 + 5 + 5 + 4
        assert (decoded(images_at_once) - whole).abs().max() < rounding
    with torch.no_grad():   # the order kept: a sequence decoded alone is the same sequence
        assert (vae.decode(latents[1:]) - vae.decode(latents)[1:]).abs().max() < 1e-5
    calls = []
    inner = vae.vae.decode
    monkeypatch.setattr(vae.vae, "decode", lambda z: calls.append(len(z)) or inner(z))
    monkeypatch.setattr(vae_module, "CPU_DECODE_IMAGES", 4)
    with torch.no_grad(): vae.decode(latents)
    assert calls == [4] * 6
    calls.clear(); vae.decode(latents)   # with gradients (training): one pass over every image
    assert calls == [24]
