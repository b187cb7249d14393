"""`sample.FlowMatchEuler` is diffusers' `FlowMatchEulerDiscreteScheduler` at its defaults, number for number, without importing diffusers."""
import subprocess
import sys

import pytest
import torch

from music2pose.sample import FlowMatchEuler, default_scheduler


@pytest.mark.parametrize("steps", [1, 2, 7, 30, 50, 1000])
def test_same_times_and_steps_as_diffusers(steps):
    from diffusers import FlowMatchEulerDiscreteScheduler
    theirs, ours = FlowMatchEulerDiscreteScheduler(), FlowMatchEuler()
    theirs.set_timesteps(steps); ours.set_timesteps(steps)
    assert torch.equal(theirs.timesteps, ours.timesteps) and torch.equal(theirs.sigmas, ours.sigmas)
    g = torch.Generator().manual_seed(steps)
    x = torch.randn(2, 4, 3, 5, generator=g)
    a = b = x
    for t in theirs.timesteps:
        v = torch.randn(x.shape, generator=g)
        a, b = theirs.step(v, t, a).prev_sample, ours.step(v, t, b).prev_sample
    assert torch.equal(a, b)


def test_the_default_scheduler_needs_no_diffusers():
    code = "import sys; from music2pose.sample import default_scheduler; default_scheduler().set_timesteps(3); print(any(m.startswith('diffusers') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
    assert isinstance(default_scheduler(), FlowMatchEuler)


def test_clear_errors():
    s = FlowMatchEuler()
    with pytest.raises(RuntimeError, match="call set_timesteps"): s.step(torch.zeros(1), 1000.0, torch.zeros(1))
    s.set_timesteps(3)
    with pytest.raises(ValueError, match="not one of this scheduler's timesteps"): s.step(torch.zeros(1), 0.5, torch.zeros(1))
    with pytest.raises(ValueError, match="steps"): s.set_timesteps(0)
    with pytest.raises(ValueError, match="num_train_timesteps"): FlowMatchEuler(0)


def test_keeps_the_velocity_dtype():
    s = FlowMatchEuler(); s.set_timesteps(2)
    out = s.step(torch.ones(3, dtype=torch.bfloat16), s.timesteps[0], torch.zeros(3)).prev_sample
    assert out.dtype == torch.bfloat16 and torch.allclose(out.float(), torch.full((3,), -0.999), atol=1e-2)   # sigma 1 to 1/1000
