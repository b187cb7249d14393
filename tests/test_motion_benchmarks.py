"""The measures behind the 'Holding still' study: benchmarks/motion_parts.py's parts and distance from the reference,
benchmarks/head_span.py's projection onto a span of latent columns."""
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from music2pose.reference import default_reference_pose

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def load_script(name: str):
    sys.path.insert(0, str(BENCHMARKS))   # head_span imports motion_parts, as it does when run from its folder
    try:
        spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
        mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    finally: sys.path.remove(str(BENCHMARKS))
    return mod


def walking(frames: int = 90, speed: float = 0.3):
    "The standing pose carried sideways at `speed` frame heights a second: travel only, nothing around the hips."
    pose = default_reference_pose()
    t = np.arange(frames) / pose.fps
    kp = pose.keypoints + (speed * t / pose.aspect_scale[0])[:, None, None] * np.array([1.0, 0.0])
    return pose.replace(keypoints=kp.astype(np.float32), confidence=np.ones(kp.shape[:2], np.float32))


def test_parts_of_a_walk():
    parts = load_script("motion_parts")
    walk = walking()
    speeds = parts.part_speeds(walk)
    assert speeds["travel"] == pytest.approx(0.3, rel=1e-3) and speeds["around"] == pytest.approx(0.0, abs=1e-4)
    # the walk's median place is its middle frame: on average a quarter of the way it covers (0.3 x 3 s) from there
    assert parts.distance_from_reference(walk, walk) == pytest.approx(0.3 * 3 / 4, rel=0.02)
    assert parts.distance_from_reference(walk[:1], walk[:1]) == pytest.approx(0.0, abs=1e-6)


def test_projection_onto_a_span():
    span = load_script("head_span")
    latents = torch.randn(4, 3, 10)
    mean = torch.randn(12)
    full = torch.linalg.qr(torch.randn(12, 12))[0]
    assert torch.allclose(span.through_span(latents, mean, full), latents, atol=1e-5)      # the whole space: unchanged
    assert span.through_span(latents, mean, None) is latents
    flat = span.through_span(latents, mean, full[:, :0])                                  # no direction: every column the mean
    assert torch.allclose(flat, mean.reshape(4, 3, 1).expand(-1, -1, 10))
    half = span.through_span(latents, mean, full[:, :6])
    assert torch.allclose(span.through_span(half, mean, full[:, :6]), half, atol=1e-5)    # a projection: twice is once


def test_reference_places():
    place = load_script("reference_place")
    pose = default_reference_pose()
    centred = place.centred(pose)
    assert np.allclose(place.hips(centred)[0], [0.5, 0.5], atol=1e-6)
    assert np.allclose(centred.keypoints - pose.keypoints, (centred.keypoints - pose.keypoints)[0, 0], atol=1e-6)   # moved, not reshaped
    there = place.moved(pose, (0.3, 0.6))
    assert np.allclose(place.hips(there)[0], [0.3, 0.6], atol=1e-6)
    seq = place.placeless_reference_sequence(pose, 16, pose_aware=there.replace(keypoints=np.repeat(there.keypoints, 16, 0),
                                                                                 confidence=np.repeat(there.confidence, 16, 0)), n=4)
    assert np.allclose(place.hips(seq)[:4], [0.3, 0.6], atol=1e-6) and np.allclose(place.hips(seq)[4:], [0.5, 0.5], atol=1e-6)
