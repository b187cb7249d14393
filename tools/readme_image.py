"""Regenerate the README picture: `python tools/readme_image.py` (needs ../shared/data, or pass a pose file)."""
import sys
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch

from music2pose.onehot import pose_to_onehot
from music2pose.poses import OPENPOSE18, find_shared_data, load_aistpp_keypoints2d, load_poses, plot_skeleton
from music2pose.render import render_openpose

src = Path(sys.argv[1]) if len(sys.argv) > 1 else sorted(find_shared_data("aistpp", "keypoints2d").glob("*.pkl"))[0]
dance = (load_poses(src) if src.suffix != ".pkl" else load_aistpp_keypoints2d(src)).resample(30).to_layout("openpose18")
clip = dance[:256]
fig = plt.figure(figsize=(12, 3.6), dpi=100)
grid = fig.add_gridspec(2, 8, width_ratios=[2.2, 1, 1, 1, 1, .15, 3.2, .01], height_ratios=[1, 1])

ax = fig.add_subplot(grid[:, 0])
frame = render_openpose(clip, 60, size=512)
ys, xs = np.nonzero(frame.sum(-1))
pad = 30
ax.imshow(frame[max(ys.min() - pad, 0):ys.max() + pad, max(xs.min() - pad, 0):xs.max() + pad]); ax.axis("off")
ax.set_title("OpenPose-style frame", fontsize=10)

for i, t in enumerate(np.linspace(0, 240, 8).astype(int)):
    a = fig.add_subplot(grid[i // 4, 1 + i % 4])
    plot_skeleton(clip, frame=int(t), ax=a, limits="pose"); a.set_title(f"{t / clip.fps:.1f} s", fontsize=8)
    a.set_xticks([]); a.set_yticks([])

ax = fig.add_subplot(grid[:, 6])
image = pose_to_onehot(clip, bins=256)
colours = plt.cm.tab10(np.arange(4))[:, :3]
names = ["right_wrist", "left_wrist", "right_ankle", "left_ankle"]
rgb = np.zeros((256, 256, 3))
for c, n in zip(colours, names):
    ch = image[2 * OPENPOSE18.index(n) + 1]  # the y channel
    ch = torch.nn.functional.max_pool1d(ch.T[None], 5, stride=1, padding=2)[0].T.numpy()
    rgb = np.maximum(rgb, ch[..., None] * c)
ax.imshow(rgb, aspect="auto"); ax.set_xlabel("frame (time)"); ax.set_ylabel("y bin")
ax.set_title("one-hot image: y of wrists and ankles", fontsize=10)
ax.legend(handles=[plt.Line2D([], [], color=c, lw=3, label=n.replace("_", " ")) for c, n in zip(colours, names)],
          fontsize=7, loc="lower right", framealpha=.6)
fig.tight_layout()
out = Path(__file__).resolve().parents[1] / "nbs" / "images" / "readme.png"
fig.savefig(out, dpi=90, facecolor="white"); print(out, out.stat().st_size // 1024, "KB")
