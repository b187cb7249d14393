"""Error paths of music2pose.dit (moved out of `nbs/12_dit.ipynb`): unknown predictions, presets and options, and saved
models loaded as another config, with size overrides that do not fit their weights, or from a folder without one."""
import pytest
import torch

from music2pose.dit import build_dit, dit_config, load_dit
from error_checks import raises


def test_build_dit_rejects_unknown_settings():
    with raises(ValueError, "'velocity' or 'sample'"): build_dit("tiny", prediction="epsilon")
    with raises(ValueError, "the DiT preset must be one of"): dit_config("huge")
    with raises(TypeError, "no option"): dit_config("tiny", hiden_size=3)


def test_load_dit_rejects_other_configs_and_missing_folders(tmp_path):
    build_dit("tiny").save_pretrained(tmp_path)   # untrained: the config and the weights' shapes are what matter
    with raises(ValueError, "hidden_size=32 (expected 128)"): load_dit(tmp_path, expect="small")
    with raises(ValueError, "do not fit"): load_dit(tmp_path, mlp_ratio=4.0)
    with raises(FileNotFoundError, "config.json missing"): load_dit("/nonexistent/dit")


def test_check_inputs_is_the_boundary_check():
    checked = build_dit("tiny")
    W = 4
    good = dict(noisy_latents=torch.zeros(2, 48, 8, W), timestep=torch.full((2,), 0.5), music_tokens=torch.zeros(2, W, 280),
                reference_latents=torch.zeros(2, 48, 8, W), mask=torch.zeros(2, 8, 8, W))
    with raises(ValueError, "one token per latent column"): checked.check_inputs(**{**good, "music_tokens": torch.zeros(2, W - 1, 280)})
    with raises(ValueError, "divide a scheduler's timesteps by 1000"): checked.check_inputs(**{**good, "timestep": torch.full((2,), 500.0)})
    with raises(ValueError, "uses reference conditioning"): checked.check_inputs(**{**good, "mask": None})
