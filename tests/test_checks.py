"The error paths of music2pose.checks: the exception type and the one-line wording every module relies on."
import numpy as np
import pytest
import torch

from music2pose.checks import check_choice, check_fraction, check_positive, check_shape, check_type


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "4", None, float("nan")])
def test_counts_refuse_what_is_not_a_positive_int(bad):
    with pytest.raises(ValueError, match=r"steps must be an integer >= 1, got "):
        check_positive(bad, "steps", integer=True)


def test_counts_bounds_and_hint():
    assert check_positive(np.int32(0), "window", integer=True, minimum=0) == 0
    with pytest.raises(ValueError, match=r"bins must be an integer >= 2, got 1; the paper uses 512"):
        check_positive(1, "bins", integer=True, minimum=2, hint="the paper uses 512")
    with pytest.raises(ValueError, match=r"hop must be an integer in 1\.\.4"):
        check_positive(5, "hop", integer=True, maximum=4)


@pytest.mark.parametrize("bad", [0, -0.5, float("inf"), float("nan"), None, "fast", True])
def test_amounts_are_finite_and_positive(bad):
    with pytest.raises(ValueError, match="fps must be > 0, got"): check_positive(bad, "fps")
    with pytest.raises(ValueError, match="hop_s must be a positive number of seconds, got"): check_positive(bad, "hop_s", unit="seconds")


def test_amounts_minimum_and_conversion():
    assert check_positive(np.float32(2.5), "fps") == 2.5 and type(check_positive(3, "fps")) is float
    assert check_positive(0, "offset", minimum=0) == 0.0
    with pytest.raises(ValueError, match="offset must be a finite number >= 0, got -1"): check_positive(-1, "offset", minimum=0)
    with pytest.raises(ValueError, match=r"must be a number in \[0, 1\]"): check_positive(2, "x", minimum=0, maximum=1)


@pytest.mark.parametrize("closed,ok,bad", [("both", [0, 1], [-0.1, 1.1]), ("right", [1], [0]), ("left", [0], [1]),
                                          ("neither", [0.5], [0, 1])])
def test_fractions(closed, ok, bad):
    for v in ok: assert check_fraction(v, "p", closed) == v
    for v in bad + [float("nan"), "x", True]:
        with pytest.raises(ValueError, match=r"p must be in [\[(]0, 1[\])], got "): check_fraction(v, "p", closed)
    with pytest.raises(ValueError, match="closed must be one of"): check_fraction(0.5, "p", "open")


def test_choices():
    assert check_choice("text", "mode", ("shared", "text")) == "text"
    with pytest.raises(ValueError, match="mode must be one of 'shared', 'text', got 'flux'; see rope.MODES"):
        check_choice("flux", "mode", ("shared", "text"), hint="see rope.MODES")
    with pytest.raises(ValueError, match=r"method must be None \(the default\) or one of 'peak', got 'x'"):
        check_choice("x", "method", (None, "peak"))


def test_types():
    assert check_type(np.int64(3), "n", (int, np.integer)) == 3
    with pytest.raises(TypeError, match="n must be an int or an integer, got bool"): check_type(True, "n", (int, np.integer))
    assert check_type(True, "flag", bool) is True
    with pytest.raises(TypeError, match="seq must be a PoseSequence, got list; convert"):
        check_type([], "seq", type("PoseSequence", (), {}), hint="convert")


@pytest.mark.parametrize("x", [np.zeros((4, 3)), torch.zeros(4, 3)])
def test_shapes(x):
    assert check_shape(x, "ids", ("N", 3)) is x and check_shape(x, "ids", (..., 3)) is x and check_shape(x, "ids", (None, 3)) is x
    with pytest.raises(ValueError, match=r"ids must be \(N, 2\), got shape \(4, 3\)"): check_shape(x, "ids", ("N", 2))
    with pytest.raises(ValueError, match=r"got shape \(4, 3\)"): check_shape(x, "ids", ("B", "N", 3))
    with pytest.raises(ValueError, match=r"must be \(\.\.\., 4, 3, 2\)"): check_shape(x, "kp", (..., 4, 3, 2))
    with pytest.raises(ValueError, match="got no array"): check_shape(None, "ids", ("N", 3))
