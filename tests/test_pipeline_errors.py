"""Error paths of music2pose.pipeline (moved out of `nbs/15_pipeline.ipynb`): segment plans for no frames or with an
overlap that does not fit, cross-fades of unequal shapes, unknown decoding precisions and read-back methods, and calls
of the shipped pipeline with a missing song, no steps, negative seconds, a reference pose that is not one, a folder
that is not a generator, and music at another frame rate. The shipped generator is loaded once; nothing is generated."""
import numpy as np
import pytest
import torch

from music2pose.music import music_features
from music2pose.pipeline import Music2PosePipeline, blend_columns, decode_song, plan_segments
from music2pose.synth import make_score, synthesize, write_audio
from error_checks import raises


@pytest.fixture(scope="module")
def pipe():
    "The shipped generator."
    return Music2PosePipeline.from_pretrained()


@pytest.fixture(scope="module")
def song(tmp_path_factory):
    "A 3-second synthetic song as a file."
    score = make_score(3.0, bpm=110, seed=7)
    return write_audio(tmp_path_factory.mktemp("pipe") / "song.wav", synthesize(score), score.sr)


def test_plan_segments_rejects_bad_sizes():
    with raises(ValueError, "num_frames"): plan_segments(0)
    with raises(ValueError, "overlap"): plan_segments(500, overlap=256)
    with raises(ValueError, "multiples of align"): plan_segments(500, overlap=12)
    old, new = torch.zeros(2, 3, 4), torch.ones(2, 3, 4)
    with raises(ValueError, "equal shapes"): blend_columns(old, new[..., :3])


def test_decode_song_rejects_unknown_options(pipe):
    z = torch.zeros(pipe.vae.latent_channels, pipe.vae.config.bins // pipe.vae.stride, 32)   # a song's latent grid
    with raises(ValueError, "precision"): decode_song(pipe.vae, z, precision="fp16")
    with raises(ValueError, "method must be None"): decode_song(pipe.vae, z, method="viterbi")


def test_pipeline_call_rejects_bad_input(pipe, song, tmp_path):
    with raises(FileNotFoundError, "no such audio file"): pipe(tmp_path / "nope.wav")
    with raises(ValueError, "steps"): pipe(song, steps=0)
    with raises(ValueError, "seconds"): pipe(song, seconds=-1)
    with raises(TypeError, "reference_pose"): pipe(song, reference_pose=np.zeros((18, 2)))
    with raises(FileNotFoundError, "not a trained generator folder"): Music2PosePipeline.from_pretrained(tmp_path)
    with raises(ValueError, "fps"): pipe(music_features(song, fps=60))
    with raises(TypeError, "tidy must be True or False"): pipe(song, seconds=1, steps=1, tidy="yes")
