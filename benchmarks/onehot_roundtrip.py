"""One-hot round-trip error and encode+decode throughput on the real AIST++ 2D keypoints.

Run by hand from the repository root (not a test; the numbers depend on the machine):

    PYTHONPATH=. python benchmarks/onehot_roundtrip.py [--data DIR] [--repeats N]

Error: every camera view (9) of every `*.pkl` in DIR, converted to OpenPose-18, encoded in 256-frame segments
(`onehot_segments`) and decoded with the default soft-argmax (argmax is checked to give the same result on these
clean images). The error is against the coordinates clipped to [0, 1] (the image cannot hold out-of-frame
positions; the count of such coordinates is printed), in bins and in pixels of the 1920x1080 source frame,
x and y separately. Throughput: `keypoints_to_onehot` + `onehot_to_keypoints` on 256-frame segments, batch 1
and batch 8, median and best of `--repeats` runs after one warm-up, at torch's default thread count (on a
shared machine the best run is the steadier number; the median shows what contention costs).
"""
import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from music2pose.onehot import keypoints_to_onehot, onehot_segments, onehot_to_keypoints, count_out_of_frame
from music2pose.poses import find_shared_data, load_aistpp_keypoints2d

SEGMENT = 256


def load_all_views(folder: Path):
    paths = sorted(folder.glob("*.pkl"))
    if not paths: raise FileNotFoundError(f"{folder}: no AIST++ keypoints2d .pkl files")
    return [load_aistpp_keypoints2d(p, view=v).to_layout("openpose18") for p in paths for v in range(9)], paths


def round_trip_errors(seqs, bins: int):
    "Absolute errors (N, 2) in normalised units of every visible keypoint, over every sequence."
    errors = []
    for seq in seqs:
        for start, image in onehot_segments(seq, window_frames=SEGMENT, bins=bins):
            part = seq[start:start + SEGMENT]
            soft, conf = onehot_to_keypoints(image, method="soft")
            hard, _ = onehot_to_keypoints(image, method="argmax")
            if not torch.equal(torch.nan_to_num(soft, nan=-1), torch.nan_to_num(hard, nan=-1)):
                raise AssertionError("soft-argmax and argmax disagree on a clean image")
            if not np.array_equal(conf.numpy() > 0, part.visible): raise AssertionError("missing joints changed")
            err = np.abs(soft.numpy() - np.clip(part.keypoints, 0, 1))[part.visible]
            errors.append(err)
    return np.concatenate(errors)


def throughput(keypoints: np.ndarray, confidence: np.ndarray, bins: int, batch: int, repeats: int) -> tuple[float, float]:
    "Frames per second (median run, best run) of encode + decode for a batch of `batch` segments of 256 frames."
    kp = torch.from_numpy(np.stack([keypoints] * batch)); conf = torch.from_numpy(np.stack([confidence] * batch))
    def once():
        onehot_to_keypoints(keypoints_to_onehot(kp, conf, bins=bins))
    once()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter(); once(); times.append(time.perf_counter() - t0)
    return batch * SEGMENT / float(np.median(times)), batch * SEGMENT / float(np.min(times))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=None, help="AIST++ keypoints2d folder (default: ../shared/data/aistpp/keypoints2d)")
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    folder = args.data or find_shared_data("aistpp", "keypoints2d")
    if folder is None: raise SystemExit("no AIST++ data found; pass --data DIR")
    seqs, paths = load_all_views(folder)
    frames = sum(len(s) for s in seqs)
    print(f"data: {len(paths)} files x 9 views = {len(seqs)} sequences, {frames} frames, OpenPose-18; "
          f"{sum(count_out_of_frame(s.keypoints) for s in seqs)} out-of-frame coordinates (clipped)")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}")
    w, h = seqs[0].frame_size
    print()
    print(f"| bins | max err x (bins / px) | max err y (bins / px) | mean err x (bins / px) | mean err y (bins / px) "
          f"| half a bin x / y (px) | fps batch 1 (median / best) | fps batch 8 (median / best) |")
    print("|---|---|---|---|---|---|---|---|")
    part = seqs[0][:SEGMENT]
    for bins in (512, 256):
        err = round_trip_errors(seqs, bins) * (bins - 1)           # in bins
        mx, mn = err.max(0), err.mean(0)
        px = np.array([w, h]) / (bins - 1)
        fps1 = throughput(part.keypoints, part.confidence, bins, 1, args.repeats)
        fps8 = throughput(part.keypoints, part.confidence, bins, 8, max(args.repeats // 4, 3))
        print(f"| {bins} | {mx[0]:.3f} / {mx[0] * px[0]:.2f} | {mx[1]:.3f} / {mx[1] * px[1]:.2f} "
              f"| {mn[0]:.3f} / {mn[0] * px[0]:.2f} | {mn[1]:.3f} / {mn[1] * px[1]:.2f} "
              f"| {0.5 * px[0]:.2f} / {0.5 * px[1]:.2f} | {fps1[0]:,.0f} / {fps1[1]:,.0f} | {fps8[0]:,.0f} / {fps8[1]:,.0f} |")


if __name__ == "__main__":
    main()
