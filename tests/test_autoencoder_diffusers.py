"""`music2pose.autoencoder.AutoencoderKL` against diffusers' `AutoencoderKL` (the reference, imported in the tests only):
the same parameter names, the same weights from the same seed, the same numbers (fp32 and bf16 autocast, odd image
sizes, mid-block attention, several layers per block, channels-last inputs as `PoseVAE` feeds them, training gradients),
the shipped codecs loaded either way, and folders that each class writes and the other reads. Also: loading the
shipped generator's codec imports no diffusers, and the error paths of the class and of `load_vae`."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from music2pose.autoencoder import AutoencoderKL
from music2pose.poses import PoseSequence
from music2pose.vae import DEFAULT_VAE_DIR, PoseVAE, build_vae, get_vae_config, load_vae, vae_loss
from error_checks import raises

REPO = Path(__file__).resolve().parents[1]
SHIPPED = [DEFAULT_VAE_DIR, REPO / "music2pose" / "assets" / "generator_small" / "pose_vae"]
DOWN, UP = "DownEncoderBlock2D", "UpDecoderBlock2D"
CONFIGS = {   # name: (config, image size for encode, latent size for decode)
    "shipped": (dict(block_out_channels=(16, 32, 64, 64), norm_num_groups=8, mid_block_add_attention=False), (64, 84), (32, 11)),
    "attention": (dict(in_channels=5, out_channels=2, block_out_channels=(8, 24, 32), layers_per_block=2, latent_channels=3,
                       norm_num_groups=8), (37, 30), (9, 13)),
    "sd-like": (dict(block_out_channels=(16, 32), layers_per_block=2, norm_num_groups=4, use_quant_conv=False), (18, 10), (5, 7)),
    "one level": (dict(block_out_channels=(12,), norm_num_groups=4, use_post_quant_conv=False, latent_channels=6), (7, 9), (3, 4)),
}


def _config(name):
    cfg, _, _ = CONFIGS[name]
    n = len(cfg["block_out_channels"])
    return {"down_block_types": (DOWN,) * n, "up_block_types": (UP,) * n, **cfg}


def _pair(name, seed=0):
    "Ours and diffusers', built from the same seed, then given the same random (non-trivial) weights."
    from diffusers import AutoencoderKL as Reference
    cfg = _config(name)
    torch.manual_seed(seed); theirs = Reference(**cfg)
    torch.manual_seed(seed); ours = AutoencoderKL(**cfg)
    assert list(ours.state_dict()) == list(theirs.state_dict())            # same names, same order
    assert all(torch.equal(a, b) for a, b in zip(ours.state_dict().values(), theirs.state_dict().values()))  # same init
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for p in theirs.parameters(): p.add_(0.05 * torch.randn(p.shape, generator=g))   # GroupNorms away from 1 and 0
    ours.load_state_dict(theirs.state_dict(), strict=True)
    return ours.eval(), theirs.eval()


def _same(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    assert torch.equal(a, b), f"max abs difference {(a.float() - b.float()).abs().max().item():.3g}"


@pytest.mark.parametrize("name", list(CONFIGS))
@pytest.mark.parametrize("layout", [torch.contiguous_format, torch.channels_last])
def test_same_numbers_as_diffusers(name, layout):
    ours, theirs = _pair(name)
    _, (h, w), (zh, zw) = CONFIGS[name]
    torch.manual_seed(2)
    x = torch.randn(3, ours.config.in_channels, h, w).contiguous(memory_format=layout)
    z = torch.randn(12, ours.config.latent_channels, zh, zw).contiguous(memory_format=layout)
    with torch.no_grad():
        p, q = ours.encode(x).latent_dist, theirs.encode(x).latent_dist
        for k in ("mean", "logvar", "std", "var"): _same(getattr(p, k), getattr(q, k))
        _same(p.mode(), q.mode()); _same(p.kl(), q.kl()); _same(p.kl(q), q.kl(p))
        _same(p.sample(torch.Generator().manual_seed(3)), q.sample(torch.Generator().manual_seed(3)))
        _same(ours.decode(z).sample, theirs.decode(z).sample)
        up = 2 ** (len(ours.config.block_out_channels) - 1)
        assert ours.decode(z).sample.shape[-2:] == (zh * up, zw * up)
        _same(ours(x, sample_posterior=True, generator=torch.Generator().manual_seed(4)).sample,
              theirs(x, sample_posterior=True, generator=torch.Generator().manual_seed(4)).sample)
        with torch.autocast("cpu", torch.bfloat16):
            _same(ours.decode(z).sample, theirs.decode(z).sample)
            _same(ours.encode(x).latent_dist.mean, theirs.encode(x).latent_dist.mean)


def test_same_training_step_as_diffusers():
    "`vae_loss` (posterior sample, KL) and its gradients are the same, so `train_vae` trains the same model."
    cfg = get_vae_config("tiny")
    for name in ("shipped", "sd-like"):   # sd-like: mid-block attention, two layers per block
        ours, theirs = (m.train() for m in _pair(name))
        images = (torch.rand(4, ours.config.in_channels, 32, 16, generator=torch.Generator().manual_seed(5)) > 0.95).float()
        losses = []
        for m in (ours, theirs):
            out = vae_loss(m, images, cfg, torch.Generator().manual_seed(6)); out["loss"].backward(); losses.append(out["loss"])
        _same(*losses)
        for (n, a), b in zip(ours.named_parameters(), theirs.parameters()): assert torch.equal(a.grad, b.grad), n


def test_build_vae_is_ours_with_diffusers_weights():
    "A fresh training VAE is our class, and from the same seed it has exactly the weights diffusers' class would have."
    from diffusers import AutoencoderKL as Reference
    cfg = get_vae_config("small")
    torch.manual_seed(0); vae = build_vae(cfg)
    assert type(vae) is AutoencoderKL
    torch.manual_seed(0)
    ref = Reference(**{k: v for k, v in vae.config.items() if not k.startswith("_")})
    assert all(torch.equal(a, b) for a, b in zip(vae.state_dict().values(), ref.state_dict().values()))


@pytest.mark.parametrize("folder", SHIPPED, ids=["pose_vae_small", "generator_small"])
def test_shipped_codec_loads_with_ours_and_round_trips_as_with_diffusers(folder):
    from diffusers import AutoencoderKL as Reference
    codec = PoseVAE.from_pretrained(folder)
    assert type(codec.vae) is AutoencoderKL and not codec.vae.training
    ref = PoseVAE(Reference.from_pretrained(folder / "vae").eval().requires_grad_(False), codec.config, codec.latent_mean, codec.latent_std)
    assert all(torch.equal(a, b) for a, b in zip(codec.vae.state_dict().values(), ref.vae.state_dict().values()))
    rng = np.random.default_rng(0)
    t = np.linspace(0, 4, 72)[:, None, None]
    seq = PoseSequence(np.clip(0.5 + 0.3 * np.sin(t + rng.random((1, 18, 2)) * 6), 0, 1).astype(np.float32), fps=30)
    with torch.no_grad():
        _same(codec.encode_poses(seq), ref.encode_poses(seq))
        z = codec.encode_poses(seq) + 0.3 * torch.randn(1, codec.latent_channels, 32, 9, generator=torch.Generator().manual_seed(0))
        _same(codec.decode(z), ref.decode(z))
        with torch.autocast("cpu", torch.bfloat16): _same(codec.decode(z), ref.decode(z))
        a, b = codec.decode_poses(z)[0], ref.decode_poses(z)[0]
    assert np.array_equal(a.keypoints, b.keypoints, equal_nan=True) and np.array_equal(a.confidence, b.confidence)


def test_folders_are_interchangeable_with_diffusers(tmp_path):
    from diffusers import AutoencoderKL as Reference
    ours, theirs = _pair("attention")
    ours.save_pretrained(tmp_path / "ours", safe_serialization=True)
    theirs.save_pretrained(tmp_path / "theirs", safe_serialization=True)
    for name in ("ours", "theirs"):
        assert sorted(p.name for p in (tmp_path / name).iterdir()) == ["config.json", "diffusion_pytorch_model.safetensors"]
        assert json.loads((tmp_path / name / "config.json").read_text())["_class_name"] == "AutoencoderKL"
    x = torch.randn(2, 5, 20, 12, generator=torch.Generator().manual_seed(0))
    by_them = Reference.from_pretrained(tmp_path / "ours").eval()   # strict: diffusers complains of any missing or extra key
    by_us = AutoencoderKL.from_pretrained(tmp_path / "theirs").eval()
    assert type(load_vae(tmp_path / "theirs")) is AutoencoderKL
    with torch.no_grad():
        _same(by_them.encode(x).latent_dist.mean, ours.encode(x).latent_dist.mean)
        _same(by_us.encode(x).latent_dist.mean, theirs.encode(x).latent_dist.mean)
    cfg_ours = {k: v for k, v in json.loads((tmp_path / "ours" / "config.json").read_text()).items() if not k.startswith("_")}
    cfg_theirs = {k: v for k, v in json.loads((tmp_path / "theirs" / "config.json").read_text()).items() if not k.startswith("_")}
    assert cfg_ours == cfg_theirs


def test_what_ours_does_not_build_still_loads_with_diffusers(tmp_path):
    "A local AutoencoderKL with attention in every block, or loaded with options for diffusers' from_pretrained, goes to diffusers."
    from diffusers import AutoencoderKL as Reference
    Reference(down_block_types=("AttnDownEncoderBlock2D",), up_block_types=("AttnUpDecoderBlock2D",), block_out_channels=(8,),
              norm_num_groups=4).save_pretrained(tmp_path / "attn")
    assert not AutoencoderKL.builds(AutoencoderKL.load_config(tmp_path / "attn"))
    assert type(load_vae(tmp_path / "attn")) is Reference
    _pair("one level")[0].save_pretrained(tmp_path / "plain")
    assert type(load_vae(tmp_path / "plain")) is AutoencoderKL
    vae = load_vae(tmp_path / "plain", torch_dtype=torch.float64)
    assert type(vae) is Reference and vae.dtype == torch.float64


def test_loading_the_shipped_generator_codec_imports_no_diffusers():
    code = ("import sys; from music2pose.vae import PoseVAE; from music2pose.sample import default_generator_dir; "
            "v = PoseVAE.from_pretrained(default_generator_dir() / 'pose_vae'); "
            "bad = sorted(m for m in sys.modules if m.startswith('diffusers')); assert not bad, bad[:5]")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_unsupported_configs_fail_clearly():
    with raises(ValueError, "down_block_types"): AutoencoderKL(down_block_types=("AttnDownEncoderBlock2D",))
    with raises(ValueError, "up_block_types"): AutoencoderKL(up_block_types=("AttnUpDecoderBlock2D",))
    with raises(ValueError, "one per entry of block_out_channels"): AutoencoderKL(block_out_channels=(32, 64))
    with raises(ValueError, "act_fn"): AutoencoderKL(act_fn="gelu")


def test_load_errors(tmp_path):
    vae = AutoencoderKL(block_out_channels=(8, 8), down_block_types=(DOWN,) * 2, up_block_types=(UP,) * 2, norm_num_groups=4)
    good = tmp_path / "good"; vae.save_pretrained(good)
    no_weights = tmp_path / "no_weights"; shutil.copytree(good, no_weights)
    (no_weights / "diffusion_pytorch_model.safetensors").unlink()
    with raises(ValueError, f"cannot load a VAE from local folder {no_weights}"): load_vae(no_weights)
    corrupt = tmp_path / "corrupt"; shutil.copytree(good, corrupt)
    (corrupt / "config.json").write_text('{"_class_name": "AutoencoderKL", "block_out_channels": [8, ')
    with raises(ValueError, "not valid JSON"): load_vae(corrupt)
    other = tmp_path / "other"; shutil.copytree(good, other)
    cfg = json.loads((good / "config.json").read_text()); cfg["block_out_channels"] = [8, 16]
    (other / "config.json").write_text(json.dumps(cfg))
    with raises(ValueError, f"cannot load a VAE from local folder {other}"): load_vae(other)   # weights of another shape
    damaged = tmp_path / "damaged"; shutil.copytree(good, damaged)
    (damaged / "diffusion_pytorch_model.safetensors").write_bytes(b"not safetensors")
    with raises(ValueError, f"cannot load a VAE from local folder {damaged}"): load_vae(damaged)
    with raises(FileNotFoundError, "no config.json"): load_vae(tmp_path)
