"""Does the pose codec keep a dancer's motion? Held-out dances through the generator's pose VAE and read-back, scored.

    python benchmarks/codec_motion.py --heldout dwm5 [--split test] [--frames 600] [--generator default]

Every held-out dance (OpenPose-18) is encoded with the generator's pose VAE, decoded chunk by chunk and read back
along the path within reach of its own median pose (what `music2pose generate` does with the latents it samples),
then tidied as the pipeline tidies (`tidy_dance`). Printed: the median speed (`metrics.median_speed`), jitter and
FID_k against the dances themselves, before and after tidying. If the round trip keeps the dancers' speed, a
generator that holds still does so in its latents, not in the codec.
"""
import argparse

import numpy as np

from music2pose.evaluate import load_heldout, load_pipeline
from music2pose.metrics import fid_k, jitter, median_speed
from music2pose.pipeline import decode_song, tidy_dance
from music2pose.reference import reference_pose_from
from music2pose.vae import encode_sequence

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--heldout", required=True, help="corpus folder with the held-out dances and their songs")
p.add_argument("--split", default="test", choices=["train", "val", "test", "all"])
p.add_argument("--frames", type=int, default=600, help="frames scored per clip")
p.add_argument("--generator", default="default", help="generator folder whose pose VAE is measured ('default': the shipped one)")
args = p.parse_args()

vae = load_pipeline(args.generator).vae
held = load_heldout(args.heldout, None, args.frames, progress=False, split=None if args.split == "all" else args.split)
raw, tidied = [], []
for dance in held.dances:
    pose18 = dance.to_layout("openpose18")
    body = reference_pose_from(pose18, "median")
    back = decode_song(vae, encode_sequence(vae, pose18), fps=dance.fps, body=body)
    raw.append(back.to_layout(dance.layout)); tidied.append(tidy_dance(back, body, vae.stride).to_layout(dance.layout))

print(f"{len(held)} held-out clips ({args.heldout}, {args.split}), {args.frames} frames at {held.fps:g} fps")
print("| dances | median speed | jitter | FID_k |\n|---|---|---|---|")
for name, dances in (("the dancers", held.dances), ("through the codec", raw), ("through the codec, tidied", tidied)):
    print(f"| {name} | {np.mean([median_speed(d) for d in dances]):.3f} | {np.mean([jitter(d) for d in dances]):.1f} | "
          f"{fid_k(held.dances, dances):.1f} |")
