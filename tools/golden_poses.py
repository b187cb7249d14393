"""Write (or check) the golden dances of tests/test_golden.py: the same poses before and after a restructuring.

    python tools/golden_poses.py          # write tests/golden/poses.npz from the current code
    python tools/golden_poses.py --check  # compare the current code with it (what the test does)

Three dances, each from a fixed seed on one thread: the shipped generator on 10 s of the sample song (two windows:
segment-and-stitch, the reference pose and the path read-back), the same with the soft read-back and a 20-frame
reference pose, and the raw-coordinate pipeline around a seeded tiny DiT (two windows, `place_like`).
Regenerate the file only when a change of the poses is meant (a new shipped model), and say so in the commit.

The same code gives the same bits on one machine, but not across CPUs: oneDNN picks other convolution kernels on
a CPU with AVX-512 or AMX (seen: up to 2.4e-7 of the frame apart, and a whole other dance when the decoder runs in
bf16, which `decode_precision="auto"` picks where `bf16_is_fast`). So the decoder runs in fp32 here, and values may
differ by `TOLERANCE`: a thousand times that rounding, far below any change of the code (a pixel is 1e-3 of the frame).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden" / "poses.npz"
SONG = REPO / "data_samples" / "music" / "song_100to140bpm_30s.flac"
TOLERANCE = 1e-4   # of the frame (keypoints) or of a confidence


def _reference():
    from music2pose.reference import default_reference_pose
    ref = default_reference_pose((1280, 720))
    kp = np.repeat(ref.keypoints, 20, 0) + np.linspace(0, 0.02, 20)[:, None, None]
    return ref.replace(keypoints=kp, confidence=np.repeat(ref.confidence, 20, 0))


def _raw_pipeline(music_dim: int):
    from music2pose.dit import build_dit
    from music2pose.raw import COORDINATES, TOKEN_CHANNELS, RawPosePipeline
    torch.manual_seed(0)
    model = build_dit("tiny", latent_channels=TOKEN_CHANNELS, latent_height=1, patch_size=(1, 1), music_dim=music_dim * 8,   # a token holds 8 frames of features
                      reference_conditioning=False, aligned_music=True)
    rng = np.random.default_rng(0)
    return RawPosePipeline(model, rng.uniform(0.3, 0.7, COORDINATES), rng.uniform(0.05, 0.1, COORDINATES),
                           np.zeros(music_dim), np.ones(music_dim), fps=30.0, window_frames=64, frame_size=(640, 480))


def golden_dances() -> dict[str, np.ndarray]:
    "The dances, as arrays named `<dance>_keypoints` and `<dance>_confidence`."
    from music2pose.music import music_features
    from music2pose.pipeline import Music2PosePipeline
    threads = torch.get_num_threads()
    torch.set_num_threads(1)   # a reduction's order depends on the thread count; the bits must not
    try:
        music = music_features(str(SONG), fps=30.0, duration=10.0)
        pipe = Music2PosePipeline.from_pretrained()
        dances = {"shipped": pipe(music, seed=0, steps=10, decode_precision="fp32", progress=False).poses,
                  "shipped_soft_ref": pipe(music, seed=1, steps=8, reference_pose=_reference(), decode_method="soft",
                                           decode_precision="fp32", progress=False).poses}
        dances["raw"] = _raw_pipeline(music.dim)(music, seed=2, steps=6, reference_pose=_reference(), progress=False).poses
    finally:
        torch.set_num_threads(threads)
    out = {}
    for name, seq in dances.items():
        out[f"{name}_keypoints"], out[f"{name}_confidence"] = seq.keypoints, seq.confidence
    return out


def compare(found: dict, expected: dict, tolerance: float = 0.0) -> list[str]:
    "One line per array with a value more than `tolerance` off, or a NaN where the other has a number (empty: the same)."
    bad = []
    for k in sorted(set(found) | set(expected)):
        if k not in found or k not in expected: bad.append(f"{k}: only in {'the golden file' if k in expected else 'the new dances'}"); continue
        a, b = np.asarray(found[k]), np.asarray(expected[k])
        if a.shape != b.shape or a.dtype != b.dtype: bad.append(f"{k}: {a.dtype}{a.shape} now, {b.dtype}{b.shape} golden"); continue
        if a.tobytes() != b.tobytes():
            d = np.abs(np.nan_to_num(a.astype(np.float64), nan=-9) - np.nan_to_num(b.astype(np.float64), nan=-9))
            if (d > tolerance).any(): bad.append(f"{k}: {int((d > tolerance).sum())} of {d.size} values differ (max {d.max():.3g})")
    return bad


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="compare with tests/golden/poses.npz instead of writing it")
    args = p.parse_args()
    dances = golden_dances()
    if args.check:
        bad = compare(dances, dict(np.load(GOLDEN)), TOLERANCE)
        print("\n".join(bad) or f"the same as {GOLDEN.relative_to(REPO)} (within {TOLERANCE:g})")
        sys.exit(1 if bad else 0)
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(GOLDEN, **dances)
    print(f"wrote {GOLDEN.relative_to(REPO)}: " + ", ".join(f"{k} {v.shape}" for k, v in dances.items()))
