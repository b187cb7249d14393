"""Does the reference image's place hold the dances still? Shape-only frames that keep the body but not its place.

    OMP_NUM_THREADS=1 python benchmarks/reference_place.py --place centred train --corpus dwm5 --out runs/centred_s0 --steps 6000 --seed 0
    python benchmarks/reference_place.py --place centred run study.py generators --heldout dwm5 --heldout-split val \\
        --frames 600 --arm "shape-only frames centred=runs/centred_s0/model" --seed 0 --out centred_seed0.json
    python benchmarks/reference_place.py --place centred run motion_parts.py --heldout dwm5 --split val --seeds 0 --model runs/centred_s0/model

In the shipped recipe every frame of a window that is not known shows the reference pose where it stands: in training
the clip's median pose at its median place (`train.LatentDanceDataset`), in sampling the reference pose the user gives
(`pipeline.song_latents`). Here, in this process only, both show the same pose elsewhere (`--place`):
- `centred`: moved so that its hips' centre is at the middle of the frame: the body's shape and size, not its place.
  The known frames (the window before, when stitching) keep their place, so a dance stays where it was first drawn.
- `start`: moved to where the window starts: the hips' place in the last known frame (the first frame when none is
  known). In training that place is the nearest of `START_PLACES` x `START_PLACES` places the clip's dancer passes
  through (each encoded once, `START_FRAMES` frames of its median pose); in sampling the first window keeps the reference's own
  place, and every later one reads it back from the known columns it continues.
`train` is the shipped generator's command (`music2pose train --preset small --no-aligned-music`, resumable; its latent
cache must be its own, since the shape-only latents differ); `run SCRIPT ARGS` runs another benchmark of this folder
with the same change, so that a generator trained here is sampled as it was trained.
"""
import argparse
import runpy
import sys
from pathlib import Path

import numpy as np

import torch

import music2pose.pipeline
import music2pose.train
from motion_parts import hips_centre   # this script's folder is on the path when it runs
from music2pose.poses import PoseSequence
from music2pose.reference import encode_reference, reference_sequence
from music2pose.vae import load_latents

START_PLACES = 8    # quantiles of where a clip's hips go, along x and along y: its shape-only frames stand at one of 8 x 8 places
START_FRAMES = 8    # frames of the standing pose encoded for one place: one latent column, the shape column


def hips(pose: PoseSequence) -> np.ndarray:
    "The hips' centre `(T, 2)` in normalised coordinates (NaN where a hip is missing)."
    return hips_centre(pose)[0] / pose.aspect_scale


def moved(pose: PoseSequence, place) -> PoseSequence:
    "The one-frame `pose` moved so that its hips' centre is at `place` (x, y normalised)."
    return pose.replace(keypoints=(pose.keypoints + (np.asarray(place) - np.nanmean(hips(pose), axis=0))).astype(np.float32))


def centred(pose: PoseSequence) -> PoseSequence:
    "The pose moved so that its hips' centre is at the middle of the frame."
    return moved(pose, (0.5, 0.5))


def shape_columns(vae, pose: PoseSequence, places) -> torch.Tensor:
    "The shape-only latent column `(C, H, places)` of the one-frame `pose` standing at each of `places` `(P, 2)`."
    return encode_reference(vae, [reference_sequence(moved(pose, place), START_FRAMES) for place in places])[..., 0].permute(1, 2, 0)


def placeless_reference_sequence(reference_pose, length, pose_aware=None, n=0):
    "`reference.reference_sequence` with the shape-only frames centred (the first `n` frames keep their place)."
    return reference_sequence(centred(reference_pose), length, pose_aware, n)


def use_placeless_reference():
    "Training and sampling in this process both build their shape-only frames centred."
    music2pose.train.reference_sequence = placeless_reference_sequence
    music2pose.pipeline.reference_sequence = placeless_reference_sequence


def use_start_reference():
    "Training and sampling in this process both put the shape-only frames where the window starts."
    Dataset, sampler = music2pose.train.LatentDanceDataset, music2pose.pipeline.Music2PosePipeline
    build, windows, song_latents, sample_segment = Dataset.__init__, Dataset.windows, sampler.song_latents, music2pose.pipeline.sample_segment

    def __init__(self, source, vae, cache_dir, *args, **kwargs):
        build(self, source, vae, cache_dir, *args, **kwargs)
        self.places, self.place_columns, self.hips = [], [], []
        for clip in self.clips:
            seq = music2pose.train._load_clip_poses(clip)
            track = hips(seq)
            track = np.where(np.isfinite(track), track, np.nanmedian(track, axis=0))
            places = np.nanquantile(track, np.linspace(0.02, 0.98, START_PLACES), axis=0)   # (places, 2), x and y apart
            grid = np.stack(np.meshgrid(places[:, 0], places[:, 1]), -1).reshape(-1, 2)  # every x with every y
            body = music2pose.train.reference_pose_from(seq, "median")
            path = Path(cache_dir) / f"{clip.id}.places.npz"
            if not path.exists():
                np.savez(path.with_suffix(".tmp.npz"), latents=shape_columns(vae, body, grid).numpy(), num_frames=len(grid))
                path.with_suffix(".tmp.npz").replace(path)
            self.places.append(torch.from_numpy(grid)); self.place_columns.append(load_latents(path)[0]); self.hips.append(torch.from_numpy(track))

    def start_windows(self, clip_index, start, n):
        batch = windows(self, clip_index, start, n)
        frame = start * self.stride + (n - 1).clamp(min=0)                                  # the last known frame, or the first
        shape = []
        for i, f in zip(clip_index.tolist(), frame.tolist()):
            here = self.hips[i][min(f, len(self.hips[i]) - 1)]
            nearest = (self.places[i] - here).pow(2).sum(-1).argmin()
            shape.append(self.place_columns[i][..., nearest, None].expand(-1, -1, self.columns))
        real = (torch.arange(self.columns) * self.stride)[None, :] < n[:, None]
        batch["reference"] = torch.where(real[:, None, None, :], batch["latents"], torch.stack(shape))
        return batch

    state = {}
    def remembering_song_latents(self, music, plan, reference, *args, **kwargs):
        state.update(reference=reference, fps=self.fps)
        return song_latents(self, music, plan, reference, *args, **kwargs)

    def starting_sample_segment(model, vae, tokens, reference_latents=None, mask=None, *args, **kwargs):
        if reference_latents is not None and mask is not None:
            known = int(mask[:, 0, :].sum())                                                  # known frames
            pose = state["reference"]
            if known:   # read the place back from the known columns this window continues
                cols = -(-known // vae.stride)
                back = music2pose.pipeline.decode_song(vae, reference_latents[..., :cols], fps=state["fps"], body=pose)
                place = hips(back)[known - 1]
                if not np.isfinite(place).all(): place = np.nanmean(hips(pose), axis=0)
            else: cols, place = 0, np.nanmean(hips(pose), axis=0)
            shape = shape_columns(vae, pose, [place]).expand(-1, -1, reference_latents.shape[-1]).to(reference_latents)
            reference_latents = torch.cat([reference_latents[..., :cols], shape[..., cols:]], -1)
        return sample_segment(model, vae, tokens, reference_latents, mask, *args, **kwargs)

    Dataset.__init__, Dataset.windows = __init__, start_windows
    sampler.song_latents = remembering_song_latents
    music2pose.pipeline.sample_segment = starting_sample_segment


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--place", choices=("centred", "start"), required=True, help="where the shape-only frames stand")
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train the shipped recipe with the shape-only frames at --place")
    t.add_argument("--corpus", required=True, help="corpus folder, e.g. dwm5 (07_data)")
    t.add_argument("--out", required=True, help="run folder (checkpoint, latents, model/)")
    t.add_argument("--steps", type=int, default=6000)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--motion-loss", type=float, default=None, metavar="WEIGHT", help="weight of the motion term (default: the preset's, 1)")
    r = sub.add_parser("run", help="run another benchmark of this folder with the shape-only frames at --place")
    r.add_argument("script", help="e.g. study.py or motion_parts.py")
    r.add_argument("args", nargs=argparse.REMAINDER)
    args = p.parse_args()
    use_placeless_reference() if args.place == "centred" else use_start_reference()
    if args.command == "train":
        extra = {} if args.motion_loss is None else {"motion_loss": args.motion_loss}
        model = music2pose.train.train_generator(args.corpus, args.out, "small", steps=args.steps, seed=args.seed, aligned_music=False, **extra)
        print(f"model in {model}", file=sys.stderr)
    else:
        script = Path(__file__).resolve().parent / args.script
        if not script.is_file(): sys.exit(f"reference_place.py: no benchmark {args.script} in {script.parent}")
        sys.argv = [str(script), *args.args]
        runpy.run_path(str(script), run_name="__main__")
