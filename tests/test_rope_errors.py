"""Error paths of music2pose.rope (moved out of `nbs/10_rope.ipynb`): unknown time-indexing modes, token grids that are
not positive ints, axis splits that do not add up to the head size or are odd, and ids or cos/sin of the wrong shape."""
import pytest
import torch

from music2pose.rope import RotaryEmbedding3D, apply_rotary, music_position_ids, pose_position_ids
from error_checks import raises


def test_position_ids_reject_bad_modes_and_sizes():
    with raises(ValueError, "mode must be one of"): music_position_ids(4, "flux")
    with raises(ValueError, "height must be an integer >= 1"): pose_position_ids(0, 4)
    with raises(ValueError, "width must be an integer >= 1"): pose_position_ids(4, 2.0)


def test_rotary_embedding_rejects_bad_axes_and_shapes():
    with raises(ValueError, "sums to 18 but head_dim is 16"): RotaryEmbedding3D(16, (4, 6, 8))
    with raises(ValueError, "positive even int"): RotaryEmbedding3D(15, (4, 6, 5))
    with raises(ValueError, "must have 3 entries"): RotaryEmbedding3D(16, (8, 8))
    rope = RotaryEmbedding3D(16, (4, 6, 6))
    x = torch.randn(1, 1, 5, 16, generator=torch.Generator().manual_seed(0))
    with raises(ValueError, "ids must have shape (N, 3)"): rope(torch.zeros(5, 2))
    with raises(ValueError, "cos/sin must be (tokens, head_dim)"): apply_rotary(x, *rope(torch.zeros(4, 3)))
