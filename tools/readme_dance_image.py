"""Regenerate the README picture of a generated dance:

    music2pose generate data_samples/music/song_100to140bpm_30s.flac -o out/
    python tools/readme_dance_image.py out/            # writes nbs/images/readme_dance.png
"""
import json
import sys
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from music2pose.metrics import motion_beats
from music2pose.poses import PoseSequence
from music2pose.render import render_openpose

out = Path(sys.argv[1] if len(sys.argv) > 1 else "out")
dance = PoseSequence.load(out / "poses.npz")
info = json.loads((out / "dance.json").read_text())
beats = np.asarray(info["beat_times"])

fig = plt.figure(figsize=(12, 4.2), dpi=100)
grid = fig.add_gridspec(2, 8, height_ratios=[1.6, 1])
times = np.linspace(2, dance.duration - 2, 8)
for i, t in enumerate(times):
    ax = fig.add_subplot(grid[0, i])
    frame = render_openpose(dance, int(t * dance.fps), size=384)
    ys, xs = np.nonzero(frame.sum(-1))
    pad = 12
    ax.imshow(frame[max(ys.min() - pad, 0):ys.max() + pad, max(xs.min() - pad, 0):xs.max() + pad]); ax.axis("off")
    ax.set_title(f"{t:.1f} s", fontsize=9)

ax = fig.add_subplot(grid[1, :])
mb, speed = motion_beats(dance, return_speed=True)
t = np.arange(len(speed)) / dance.fps
ax.plot(t, speed, lw=0.8, color="tab:blue", label="smoothed joint speed")
for b in beats: ax.axvline(b, color="tab:red", lw=0.6, alpha=0.5)
ax.plot(mb, np.interp(mb, t, speed), "o", ms=3, color="k", label="motion beats (speed minima)")
ax.plot([], [], color="tab:red", lw=0.8, label="music beats")
ax.set_xlim(0, dance.duration); ax.set_xlabel("time (s)"); ax.legend(fontsize=8, loc="upper left", ncol=3)
fig.suptitle(f"music2pose generate {Path(info['song']).name}: {len(dance)} frames, OpenPose-18", fontsize=10)
fig.tight_layout()
dest = Path(__file__).resolve().parents[1] / "nbs" / "images" / "readme_dance.png"
fig.savefig(dest, bbox_inches="tight")
print(f"wrote {dest}")
