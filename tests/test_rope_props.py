"Edge cases and properties of music2pose.rope that do not belong in the lesson."
import pytest
import torch
from hypothesis import given, settings, strategies as st

from music2pose.rope import (RotaryEmbedding3D, apply_rotary, joint_position_ids, music_position_ids,
                             pose_position_ids)


@given(st.integers(1, 12), st.integers(1, 12))
@settings(max_examples=40, deadline=None)
def test_pose_ids_row_major(height, width):
    ids = pose_position_ids(height, width)
    assert ids.shape == (height * width, 3) and ids.dtype == torch.long
    token = torch.arange(height * width)
    assert torch.equal(ids[:, 0], torch.zeros_like(token))
    assert torch.equal(ids[:, 1], token // width) and torch.equal(ids[:, 2], token % width)


@pytest.mark.parametrize("mode", ["shared", "text"])
def test_joint_ids_order_and_modes(mode):
    ids = joint_position_ids(3, 5, mode)
    assert ids.shape == (5 + 15, 3) and ids.dtype == torch.long
    music = ids[:5]
    axis = 2 if mode == "shared" else 0
    assert torch.equal(music[:, axis], torch.arange(5))
    assert (music[:, [a for a in range(3) if a != axis]] == 0).all()


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "4", None])
def test_bad_sizes(bad):
    with pytest.raises(ValueError, match="must be an integer >= 1"):
        pose_position_ids(bad, 4)
    with pytest.raises(ValueError, match="must be an integer >= 1"):
        music_position_ids(bad)


def test_bad_mode():
    with pytest.raises(ValueError, match="mode must be one of"):
        joint_position_ids(2, 2, "flux")


@pytest.mark.parametrize("head_dim,axes,match", [(16, (4, 4, 4), "sums to 12"), (12, (4, 3, 5), "even"),
                                                 (12, (0, 6, 6), "even"), (12, (6, 6), "3 entries"),
                                                 (12, (4.0, 4, 4), "even")])
def test_bad_rope_config(head_dim, axes, match):
    with pytest.raises(ValueError, match=match):
        RotaryEmbedding3D(head_dim, axes)


def test_bad_shapes():
    rope = RotaryEmbedding3D(8, (2, 2, 4))
    with pytest.raises(ValueError, match=r"ids must have shape \(N, 3\)"):
        rope(torch.zeros(2, 4, 3))
    cos, sin = rope(torch.zeros(4, 3))
    with pytest.raises(ValueError, match="batch, heads, tokens, head_dim"):
        apply_rotary(torch.zeros(4, 8), cos, sin)
    with pytest.raises(ValueError, match="cos/sin must be"):
        apply_rotary(torch.zeros(1, 1, 5, 8), cos, sin)


@given(st.integers(1, 6), st.integers(1, 6), st.sampled_from(["shared", "text"]),
       st.sampled_from([(8, (2, 2, 4)), (32, (8, 12, 12)), (64, (16, 24, 24))]))
@settings(max_examples=20, deadline=None)
def test_matches_diffusers_flux(height, width, mode, dims):
    from diffusers.models.embeddings import apply_rotary_emb
    from diffusers.models.transformers.transformer_flux import FluxPosEmbed
    head_dim, axes = dims
    ids = joint_position_ids(height, width, mode)
    ours, theirs = RotaryEmbedding3D(head_dim, axes)(ids), FluxPosEmbed(theta=10000, axes_dim=list(axes))(ids)
    assert torch.allclose(ours[0], theirs[0], atol=1e-6) and torch.allclose(ours[1], theirs[1], atol=1e-6)
    x = torch.randn(2, 2, len(ids), head_dim)
    assert torch.allclose(apply_rotary(x, *ours), apply_rotary_emb(x, theirs), atol=1e-5)


def test_dtype_preserved_and_norm_kept():
    rope = RotaryEmbedding3D(16, (4, 6, 6))
    ids = joint_position_ids(4, 4)
    x = torch.randn(1, 2, len(ids), 16)
    out = apply_rotary(x.to(torch.bfloat16), *rope(ids))
    assert out.dtype == torch.bfloat16
    # rotation keeps the length of every pair, hence of every vector
    assert torch.allclose(apply_rotary(x, *rope(ids)).norm(dim=-1), x.norm(dim=-1), atol=1e-5)


def test_relative_position_per_axis():
    rope = RotaryEmbedding3D(24, (8, 8, 8))
    q, k = torch.randn(1, 1, 1, 24), torch.randn(1, 1, 1, 24)
    def logit(m, n): return (apply_rotary(q, *rope(torch.tensor([m]))) * apply_rotary(k, *rope(torch.tensor([n])))).sum()
    for axis in range(3):
        shift = [0, 0, 0]; shift[axis] = 11
        m, n = [2, 3, 4], [5, 1, 0]
        assert torch.allclose(logit(m, n), logit([a + s for a, s in zip(m, shift)], [a + s for a, s in zip(n, shift)]), atol=1e-4)
