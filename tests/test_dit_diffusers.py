"""music2pose.dit's Flux blocks, written in plain PyTorch, against diffusers' own: the same parameter names, the same
float32 bits, the same random init from a seed, and the shipped checkpoint gives the same velocities.

diffusers is imported here only, to build the reference; the package itself must not import it."""
import subprocess
import sys

import pytest
import torch
from torch import nn

from music2pose.dit import (AdaLayerNormContinuous, DoubleStreamBlock, FeedForward, SingleStreamBlock, TimestepEmbedding,
                            Timesteps, build_dit, load_dit)
from music2pose.rope import RotaryEmbedding3D, joint_position_ids
from music2pose.sample import default_generator_dir

diffusers = pytest.importorskip("diffusers")
from diffusers.models.attention import FeedForward as DiffusersFeedForward
from diffusers.models.embeddings import TimestepEmbedding as DiffusersTimestepEmbedding
from diffusers.models.embeddings import Timesteps as DiffusersTimesteps
from diffusers.models.normalization import AdaLayerNormContinuous as DiffusersAdaLayerNormContinuous
from diffusers.models.transformers.transformer_flux import FluxSingleTransformerBlock, FluxTransformerBlock


def diffusers_ff(dim, ratio):
    return DiffusersFeedForward(dim, dim_out=dim, mult=ratio, activation_fn="gelu-approximate")


def randomised(module, seed=0):
    "Every parameter random (the adaLN-Zero layers too), so that every path of the block counts."
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters(): p.copy_(torch.randn(p.shape, generator=g) * 0.3)
    return module


def same_weights(ours, theirs):
    assert list(ours.state_dict()) == list(theirs.state_dict())                       # the same names, in the same order
    ours.load_state_dict(theirs.state_dict(), strict=True)
    return ours


CASES = [(32, 2, 2.0, 3, 5, 2), (128, 4, 2.0, 1, 32, 2), (64, 4, 3.0, 2, 7, 1)]   # dim, heads, mlp ratio, rows, columns, batch


def streams(dim, heads, rows, cols, batch, dtype=torch.float32, seed=1):
    g = torch.Generator().manual_seed(seed)
    head_dim = dim // heads
    side = head_dim // 3 // 2 * 2
    rotary = RotaryEmbedding3D(head_dim, (head_dim - 2 * side, side, side))(joint_position_ids(rows, cols))
    music, pose, temb = (torch.randn(shape, generator=g).to(dtype) for shape in ((batch, cols, dim), (batch, rows * cols, dim), (batch, dim)))
    return music, pose, temb, rotary


@pytest.mark.parametrize("dim,heads,ratio,rows,cols,batch", CASES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_double_stream_block_is_diffusers_flux_block(dim, heads, ratio, rows, cols, batch, dtype):
    theirs = FluxTransformerBlock(dim, heads, dim // heads)
    theirs.ff, theirs.ff_context = diffusers_ff(dim, ratio), diffusers_ff(dim, ratio)
    theirs = randomised(theirs).to(dtype)
    ours = same_weights(DoubleStreamBlock(dim, heads, ratio).to(dtype), theirs)
    music, pose, temb, rotary = streams(dim, heads, rows, cols, batch, dtype)
    with torch.no_grad():
        expected, found = theirs(pose, music, temb, image_rotary_emb=rotary), ours(music, pose, temb, rotary)
    assert all(torch.equal(a, b) for a, b in zip(expected, found))


@pytest.mark.parametrize("dim,heads,ratio,rows,cols,batch", CASES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_single_stream_block_is_diffusers_flux_single_block(dim, heads, ratio, rows, cols, batch, dtype):
    theirs = randomised(FluxSingleTransformerBlock(dim, heads, dim // heads, ratio)).to(dtype)
    ours = same_weights(SingleStreamBlock(dim, heads, ratio).to(dtype), theirs)
    music, pose, temb, rotary = streams(dim, heads, rows, cols, batch, dtype)
    with torch.no_grad():
        expected, found = theirs(pose, music, temb, image_rotary_emb=rotary), ours(music, pose, temb, rotary)
    assert all(torch.equal(a, b) for a, b in zip(expected, found))


def test_gradients_match_diffusers():
    "Training takes the same steps: the gradients of a double block agree to float rounding."
    theirs = FluxTransformerBlock(32, 2, 16)
    theirs.ff, theirs.ff_context = diffusers_ff(32, 2.0), diffusers_ff(32, 2.0)
    theirs = randomised(theirs)
    ours = same_weights(DoubleStreamBlock(32, 2, 2.0), theirs)
    music, pose, temb, rotary = streams(32, 2, 3, 5, 2)
    sum(o.square().sum() for o in theirs(pose, music, temb, image_rotary_emb=rotary)).backward()
    sum(o.square().sum() for o in ours(music, pose, temb, rotary)).backward()
    grads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters(): torch.testing.assert_close(p.grad, grads[name].grad, atol=1e-5, rtol=1e-5)


def test_small_parts_are_diffusers():
    t = torch.rand(5) * 1000
    assert torch.equal(Timesteps(256)(t), DiffusersTimesteps(256, flip_sin_to_cos=True, downscale_freq_shift=0)(t))
    x, temb, tokens = torch.randn(5, 256), torch.randn(3, 48), torch.randn(3, 7, 48)
    theirs = randomised(DiffusersTimestepEmbedding(256, 48))
    ours = same_weights(TimestepEmbedding(256, 48), theirs)
    assert torch.equal(ours(x), theirs(x))
    theirs = randomised(DiffusersAdaLayerNormContinuous(48, 48, elementwise_affine=False, eps=1e-6))
    ours = same_weights(AdaLayerNormContinuous(48), theirs)
    assert torch.equal(ours(tokens, temb), theirs(tokens, temb))
    theirs = randomised(diffusers_ff(48, 2.0))
    ours = same_weights(FeedForward(48, 2.0), theirs)
    assert torch.equal(ours(tokens), theirs(tokens))


class DiffusersPoseDiT(nn.Module):
    "The PoseDiT of before, assembled from diffusers' classes: the same init order and forward pass, for reference."
    def __init__(self, latent_channels, latent_height, patch_size, music_dim, hidden_size, depth, single_depth, num_heads,
                 axes_dim, mlp_ratio, time_indexing, reference_conditioning, phase_channels, rope_theta, prediction,
                 min_sigma, aligned_music):
        super().__init__()
        self.cfg = {k: v for k, v in locals().items() if k not in ("self", "__class__")}
        ph, pt = patch_size
        head_dim = hidden_size // num_heads
        in_channels = 2 * latent_channels + phase_channels if reference_conditioning else latent_channels
        self.patch_embed = nn.Conv2d(in_channels, hidden_size, kernel_size=(ph, pt), stride=(ph, pt))
        self.music_embed = nn.Linear(music_dim * pt, hidden_size)
        self.null_music = nn.Parameter(torch.randn(hidden_size) * 0.02)
        self.music_to_pose = nn.Linear(hidden_size, hidden_size) if aligned_music else None
        self.time_proj = DiffusersTimesteps(256, flip_sin_to_cos=True, downscale_freq_shift=0)
        self.time_embed = DiffusersTimestepEmbedding(256, hidden_size)
        self.rope = RotaryEmbedding3D(head_dim, tuple(axes_dim), theta=rope_theta)
        self.blocks = nn.ModuleList([FluxTransformerBlock(hidden_size, num_heads, head_dim) for _ in range(depth)])
        for block in self.blocks: block.ff, block.ff_context = diffusers_ff(hidden_size, mlp_ratio), diffusers_ff(hidden_size, mlp_ratio)
        self.single_blocks = nn.ModuleList([FluxSingleTransformerBlock(hidden_size, num_heads, head_dim, mlp_ratio) for _ in range(single_depth)])
        self.norm_out = DiffusersAdaLayerNormContinuous(hidden_size, hidden_size, elementwise_affine=False, eps=1e-6)
        self.proj_out = nn.Linear(hidden_size, ph * pt * latent_channels)
        zeroed = [b.norm1.linear for b in self.blocks] + [b.norm1_context.linear for b in self.blocks]
        zeroed += [b.norm.linear for b in self.single_blocks] + [self.norm_out.linear, self.proj_out]
        if self.music_to_pose is not None: zeroed.append(self.music_to_pose)
        for layer in zeroed: nn.init.zeros_(layer.weight); nn.init.zeros_(layer.bias)

    def forward(self, noisy_latents, timestep, music_tokens, reference_latents=None, mask=None, music_keep=None):
        cfg, (B, C, H, W) = self.cfg, noisy_latents.shape
        (ph, pt), h, w = cfg["patch_size"], H // cfg["patch_size"][0], W // cfg["patch_size"][1]
        x = torch.cat([noisy_latents, reference_latents, mask], dim=1) if cfg["reference_conditioning"] else noisy_latents
        pose = self.patch_embed(x).flatten(2).transpose(1, 2)
        music = self.music_embed(music_tokens.reshape(B, w, pt * cfg["music_dim"]))
        if music_keep is not None: music = torch.where(music_keep[:, None, None], music, self.null_music)
        if self.music_to_pose is not None: pose = (pose.reshape(B, h, w, -1) + self.music_to_pose(music)[:, None]).reshape(B, h * w, -1)
        temb = self.time_embed(self.time_proj(timestep * 1000))
        rotary = self.rope(joint_position_ids(h, w, cfg["time_indexing"]))
        for block in self.blocks: music, pose = block(pose, music, temb, image_rotary_emb=rotary)
        for block in self.single_blocks: music, pose = block(pose, music, temb, image_rotary_emb=rotary)
        out = self.proj_out(self.norm_out(pose, temb))
        out = out.reshape(B, h, w, C, ph, pt).permute(0, 3, 1, 4, 2, 5).reshape(B, C, H, W)
        if cfg["prediction"] == "velocity": return out
        return (noisy_latents - out).div(timestep.clamp(min=cfg["min_sigma"]).reshape(B, 1, 1, 1))


def inputs(cfg, batch, width, seed):
    g = torch.Generator().manual_seed(seed)
    shape = (batch, cfg["latent_channels"], cfg["latent_height"], width)
    return dict(noisy_latents=torch.randn(shape, generator=g), timestep=torch.rand(batch, generator=g),
                music_tokens=torch.randn(batch, width, cfg["music_dim"], generator=g), reference_latents=torch.randn(shape, generator=g),
                mask=(torch.rand(batch, cfg["phase_channels"], cfg["latent_height"], width, generator=g) > 0.5).float(),
                music_keep=torch.tensor([True, False] * (batch // 2)))


def test_shipped_checkpoint_gives_the_diffusers_velocities():
    ours = load_dit(default_generator_dir())
    reference = DiffusersPoseDiT(**{k: v for k, v in ours.config.items()})
    reference.load_state_dict(ours.state_dict(), strict=True)
    for seed, width in ((0, 32), (1, 8)):
        batch = inputs(ours.config, 2, width, seed)
        with torch.no_grad(): assert torch.equal(ours(**batch), reference(**batch))


@pytest.mark.parametrize("overrides", [{}, dict(aligned_music=True, depth=2, single_depth=2, mlp_ratio=3.0),
                                       dict(latent_channels=288, latent_height=1, patch_size=(1, 2), reference_conditioning=False, prediction="velocity")])
def test_a_seed_gives_the_diffusers_network(overrides):
    "The random init draws in the old order: the same seed builds the same weights (and leaves the generator in the same state)."
    torch.manual_seed(0); ours = build_dit("tiny", **overrides); after_ours = torch.rand(3)
    config = dict(ours.config)
    torch.manual_seed(0); reference = DiffusersPoseDiT(**config); after_reference = torch.rand(3)
    assert list(ours.state_dict()) == list(reference.state_dict())
    assert all(torch.equal(v, reference.state_dict()[k]) for k, v in ours.state_dict().items())
    assert torch.equal(after_ours, after_reference)
    with torch.no_grad():
        for p in list(ours.parameters()) + list(reference.parameters()): p.add_(0.01)   # open the adaLN-Zero gates
        batch = inputs(config, 2, 6, 3)
        if not config["reference_conditioning"]: batch.pop("reference_latents"), batch.pop("mask")
        assert torch.equal(ours(**batch), reference(**batch))


def test_dit_imports_no_diffusers():
    code = "import sys, music2pose.dit; bad = [m for m in sys.modules if m.startswith('diffusers')]; assert not bad, bad"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
