"""The same poses (within float rounding of the CPU's kernels): the shipped generator and the raw-coordinate pipeline against tests/golden/poses.npz.

A restructuring must not change what `music2pose generate` makes; a change that means to (a new shipped model)
rewrites the file with `python tools/golden_poses.py` and says so in its commit.
"""
import importlib.util
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("golden_poses", REPO / "tools" / "golden_poses.py")
golden_poses = importlib.util.module_from_spec(spec)
spec.loader.exec_module(golden_poses)


def test_dances_identical_to_golden():
    differences = golden_poses.compare(golden_poses.golden_dances(), dict(np.load(golden_poses.GOLDEN)), golden_poses.TOLERANCE)
    assert not differences, "the dances changed:\n" + "\n".join(differences)


def test_compare_sees_one_flipped_bit():
    a = {"x_keypoints": np.zeros((3, 18, 2), np.float32)}
    b = {"x_keypoints": a["x_keypoints"].copy()}
    b["x_keypoints"].view(np.uint32)[1, 2, 0] ^= 1
    assert golden_poses.compare(a, a) == []
    assert golden_poses.compare(a, b) == ["x_keypoints: 1 of 108 values differ (max 1.4e-45)"]
    assert golden_poses.compare(a, {}) == ["x_keypoints: only in the new dances"]
    assert golden_poses.compare(a, b, golden_poses.TOLERANCE) == []              # rounding passes a tolerance
    c = {"x_keypoints": a["x_keypoints"].copy()}
    c["x_keypoints"][0, 0, 0] = 2 * golden_poses.TOLERANCE                      # a real change does not
    assert golden_poses.compare(a, c, golden_poses.TOLERANCE) == [f"x_keypoints: 1 of 108 values differ (max {2 * golden_poses.TOLERANCE:.3g})"]
    c["x_keypoints"][0, 0, 0] = np.nan                                          # nor a joint gone missing
    assert golden_poses.compare(a, c, golden_poses.TOLERANCE) != []
