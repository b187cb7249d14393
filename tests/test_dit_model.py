"Edge cases and properties of music2pose.dit.PoseDiT that do not belong in the lesson."
import json

import pytest
import torch
import torch.nn.functional as F

from music2pose.dit import DIT_PRESETS, PoseDiT, build_dit, dit_config, load_dit


def make_inputs(model, batch=2, width=4, seed=0):
    g, cfg = torch.Generator().manual_seed(seed), model.config
    shape = (batch, cfg.latent_channels, cfg.latent_height, width)
    return dict(noisy_latents=torch.randn(shape, generator=g), timestep=torch.rand(batch, generator=g),
                music_tokens=torch.randn(batch, width, cfg.music_dim, generator=g),
                reference_latents=torch.randn(shape, generator=g),
                mask=(torch.rand(batch, cfg.phase_channels, cfg.latent_height, width, generator=g) > 0.5).float())


def open_gates(model, seed=0):
    "Random weights for the zero-initialised layers, as training would give them."
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            if p.abs().sum() == 0: p.copy_(torch.randn(p.shape, generator=g) * 0.3 / max(1, p.shape[-1]) ** 0.5)
    return model


@pytest.mark.parametrize("height,width,patch", [(8, 4, (1, 1)), (4, 6, (2, 1)), (8, 8, (2, 2)), (16, 3, (4, 1))])
def test_output_shape_and_zero_init(height, width, patch):
    inputs = None
    for prediction in ("velocity", "sample"):
        model = build_dit("tiny", latent_height=height, patch_size=patch, prediction=prediction)
        inputs = inputs or make_inputs(model, width=width)
        with torch.no_grad(): v = model(**inputs)
        assert v.shape == inputs["noisy_latents"].shape
        # adaLN-Zero + zero output layer: the raw output is 0, i.e. v = 0 or x0 = 0 (so v = x_t / t)
        expected = torch.zeros_like(v) if prediction == "velocity" else \
            inputs["noisy_latents"] / inputs["timestep"].clamp(min=0.05)[:, None, None, None]
        assert torch.allclose(v, expected, atol=1e-6), prediction


def test_sample_prediction_velocity_takes_x_t_to_the_predicted_x0():
    # v = (x_t - x0_hat) / t: one Euler step from t straight to 0 must land on the network's x0 estimate.
    model = open_gates(build_dit("tiny"))
    inputs = make_inputs(model)
    raw = open_gates(build_dit("tiny", prediction="velocity"))
    raw.load_state_dict(model.state_dict())
    with torch.no_grad(): v, x0_hat = model(**inputs), raw(**inputs)
    t = inputs["timestep"].clamp(min=0.05)[:, None, None, None]
    assert torch.allclose(inputs["noisy_latents"] - t * v, x0_hat, atol=1e-5)


def test_old_checkpoints_without_prediction_key_load_as_velocity(tmp_path):
    model = build_dit("tiny", prediction="velocity")
    model.save_pretrained(tmp_path)
    cfg = json.loads((tmp_path / "config.json").read_text()); cfg.pop("prediction"); cfg.pop("min_sigma")
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    assert load_dit(tmp_path).config.prediction == "velocity"
    with pytest.raises(ValueError, match="prediction='velocity' \\(expected 'sample'\\)"):
        load_dit(tmp_path, expect="tiny")


def test_open_model_is_not_zero_and_depends_on_every_input():
    model = open_gates(build_dit("tiny"))
    inputs = make_inputs(model)
    with torch.no_grad():
        base = model(**inputs)
        assert base.abs().max() > 1e-3
        for key in ("noisy_latents", "music_tokens", "reference_latents", "mask"):
            changed = model(**{**inputs, key: inputs[key] + 1.0})
            assert (changed - base).abs().max() > 1e-5, key
        later = model(**{**inputs, "timestep": 1 - inputs["timestep"]})
        assert (later - base).abs().max() > 1e-5


def test_null_token_replaces_the_music():
    model = open_gates(build_dit("tiny"))
    inputs = make_inputs(model)
    with torch.no_grad():
        full = model(**inputs)
        assert torch.allclose(model(**inputs, music_keep=torch.ones(2, dtype=torch.bool)), full)
        half = model(**inputs, music_keep=torch.tensor([True, False]))
        assert torch.allclose(half[0], full[0]) and (half[1] - full[1]).abs().max() > 1e-5
        # With the null token the music content no longer matters.
        none = torch.zeros(2, dtype=torch.bool)
        other_music = {**inputs, "music_tokens": torch.randn_like(inputs["music_tokens"])}
        assert torch.allclose(model(**inputs, music_keep=none), model(**other_music, music_keep=none))


def test_shared_and_text_ids_differ_with_the_same_weights():
    shared = open_gates(build_dit("tiny"))
    text = build_dit("tiny", time_indexing="text"); text.load_state_dict(shared.state_dict())
    inputs = make_inputs(shared, width=6)
    with torch.no_grad(): assert (shared(**inputs) - text(**inputs)).abs().max() > 1e-5


def test_gradients_reach_every_parameter():
    model = open_gates(build_dit("tiny", depth=2, single_depth=1))
    inputs = make_inputs(model)
    loss = F.mse_loss(model(**inputs, music_keep=torch.tensor([True, False])), torch.randn_like(inputs["noisy_latents"]))
    loss.backward()
    dead = [n for n, p in model.named_parameters() if p.grad is None or p.grad.abs().max() == 0]
    assert dead == []


def test_first_step_trains_the_output_layer():
    model = build_dit("tiny")
    inputs = make_inputs(model)
    F.mse_loss(model(**inputs), torch.randn_like(inputs["noisy_latents"])).backward()
    assert model.proj_out.weight.grad.abs().max() > 0


def test_without_reference_conditioning():
    model = open_gates(build_dit("tiny", reference_conditioning=False))
    assert model.patch_embed.in_channels == 48
    inputs = make_inputs(model)
    del inputs["reference_latents"], inputs["mask"]
    with torch.no_grad(): assert model(**inputs).shape == inputs["noisy_latents"].shape
    with pytest.raises(ValueError, match="reference_conditioning=False"):
        model.check_inputs(**make_inputs(model))


def test_input_channels():
    assert build_dit("tiny").patch_embed.in_channels == 2 * 48 + 8


@pytest.mark.parametrize("change,message", [
    (lambda d: d.update(noisy_latents=d["noisy_latents"][:, :40]), "latent_channels=48"),
    (lambda d: d.update(noisy_latents=d["noisy_latents"][:, :, :4]), "latent_height=8"),
    (lambda d: d.update(music_tokens=d["music_tokens"][:, :3]), "one token per latent column"),
    (lambda d: d.update(music_tokens=d["music_tokens"][..., :35]), "music_dim"),
    (lambda d: d.update(reference_latents=None), "uses reference conditioning"),
    (lambda d: d.update(mask=None), "uses reference conditioning"),
    (lambda d: d.update(mask=d["mask"][:, :4]), "mask must be"),
    (lambda d: d.update(reference_latents=d["reference_latents"][:1]), "reference_latents must have the shape"),
    (lambda d: d.update(timestep=d["timestep"] * 1000), "divide a scheduler's timesteps by 1000"),
    (lambda d: d.update(timestep=torch.rand(3)), "timestep must have shape"),
    (lambda d: d.update(noisy_latents=d["noisy_latents"][0]), "must be (B, C, H, W)"),
])
def test_clear_errors(change, message):
    model = build_dit("tiny")
    inputs = make_inputs(model)
    change(inputs)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")): model.check_inputs(**inputs)


def test_music_keep_must_be_bool():
    model = build_dit("tiny")
    with pytest.raises(ValueError, match="music_keep must be a bool"): model.check_inputs(**make_inputs(model), music_keep=torch.ones(2))


def test_patch_width_must_divide_the_latent_width():
    model = build_dit("tiny", patch_size=(1, 2))
    with pytest.raises(ValueError, match="divisible by the patch width 2"): model.check_inputs(**make_inputs(model, width=5))


def test_scalar_timestep_broadcasts():
    model = open_gates(build_dit("tiny"))
    inputs = make_inputs(model)
    with torch.no_grad():
        a = model(**{**inputs, "timestep": 0.5})
        b = model(**{**inputs, "timestep": torch.full((2,), 0.5)})
    assert torch.equal(a, b)


@pytest.mark.parametrize("kwargs,message", [
    (dict(hidden_size=33), "divisible by num_heads"),
    (dict(axes_dim=(4, 4, 4)), "summing to the head dimension"),
    (dict(latent_height=7, patch_size=(2, 1)), "divisible by the patch height"),
    (dict(time_indexing="absolute"), "time_indexing"),
])
def test_bad_configs(kwargs, message):
    with pytest.raises(ValueError, match=message): build_dit("tiny", **kwargs)


def test_presets():
    with pytest.raises(ValueError, match="the DiT preset must be one of"): dit_config("medium")
    with pytest.raises(TypeError, match="no option"): dit_config("tiny", depht=2)
    assert dit_config("tiny", depth=3)["depth"] == 3 and DIT_PRESETS["tiny"]["depth"] == 1
    with torch.device("meta"): full = build_dit("full")
    assert sum(p.numel() for p in full.parameters()) > 3e8


def test_save_load_round_trip(tmp_path):
    model = open_gates(build_dit("tiny", time_indexing="text"))
    model.save_pretrained(tmp_path)
    assert (tmp_path / "diffusion_pytorch_model.safetensors").is_file()
    loaded = load_dit(tmp_path, expect=dit_config("tiny", time_indexing="text"))
    assert loaded.config.time_indexing == "text"
    inputs = make_inputs(model)
    with torch.no_grad(): assert torch.equal(loaded(**inputs), model(**inputs))
    assert torch.equal(PoseDiT.from_pretrained(tmp_path).null_music, model.null_music)
    with pytest.raises(ValueError, match="time_indexing='text' \\(expected 'shared'\\)"): load_dit(tmp_path, expect="tiny")
    with pytest.raises(ValueError, match="do not fit"): load_dit(tmp_path, mlp_ratio=4.0)
    with pytest.raises(FileNotFoundError, match="config.json missing"): load_dit(tmp_path / "nothing")


def test_aligned_music_shortcut_starts_as_a_no_op_and_then_carries_the_music(tmp_path):
    plain = open_gates(build_dit("tiny"))
    aligned = build_dit("tiny", aligned_music=True)
    missing, unexpected = aligned.load_state_dict(plain.state_dict(), strict=False)
    assert missing == ["music_to_pose.weight", "music_to_pose.bias"] and not unexpected
    inputs = make_inputs(plain)
    with torch.no_grad():
        assert torch.equal(aligned(**inputs), plain(**inputs))         # zero-initialised: the same model at first
        aligned.music_to_pose.weight.normal_(std=0.3)
        louder = {**inputs, "music_tokens": inputs["music_tokens"] * 3}
        shortcut_effect = (aligned(**louder) - aligned(**inputs)).abs().mean()
        attention_effect = (plain(**louder) - plain(**inputs)).abs().mean()
    assert shortcut_effect > attention_effect
    aligned.save_pretrained(tmp_path)
    again = load_dit(tmp_path, expect=dit_config("tiny", aligned_music=True))
    with torch.no_grad(): assert torch.equal(again(**inputs), aligned(**inputs))
