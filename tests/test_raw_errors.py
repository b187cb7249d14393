"""Error paths of music2pose.raw (moved out of `nbs/21_raw.ipynb`): coordinates of inputs that are not pose sequences,
coordinate and token arrays of the wrong shape, datasets with windows that are not whole tokens, longer than every clip
or from a folder without a corpus, unknown presets and options, runs resumed under other settings or over another kind
of run's checkpoint, and raw pipelines loaded from the wrong folder or called with bad input. Nothing is trained: the
checkpoints are written directly and the raw generator is an untrained tiny one."""
import numpy as np
import pytest
import torch

from music2pose.choreo import choreograph
from music2pose.music import MusicFeatures, music_features
from music2pose.pipeline import Music2PosePipeline
from music2pose.sample import default_generator_dir
from music2pose.raw import (COORDINATES, RAW_CHECKPOINT_FORMAT, RAW_CODEC, RawDanceDataset, RawPosePipeline,
                            build_raw_dit, coordinates_to_tokens, get_raw_train_config, pose_coordinates,
                            save_raw_generator, tokens_to_coordinates, train_raw_generator)
from music2pose.synth import make_score, synthesize
from music2pose.train import CHECKPOINT_FILE, run_settings
from music2pose.files import load_checkpoint, save_checkpoint
from error_checks import raises


@pytest.fixture(scope="module")
def xy():
    "The coordinates of a 9-second synthetic dance (270 frames)."
    return pose_coordinates(choreograph(make_score(9, 110, seed=0), seed=0))


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    "A raw-coordinate generator folder: the tiny preset, untrained (only its folder and its settings matter here)."
    config = get_raw_train_config("tiny")
    music_dim = 8 * 37
    stats = lambda n: (np.zeros(n, np.float32), np.ones(n, np.float32))
    return save_raw_generator(tmp_path_factory.mktemp("raw") / "model", build_raw_dit(config, music_dim),
                              stats(COORDINATES), stats(37), 30.0, (1920, 1080), config)


@pytest.fixture(scope="module")
def pipe(model_dir):
    return RawPosePipeline.from_pretrained(model_dir)


def test_coordinates_and_tokens_reject_bad_shapes(xy):
    with raises(TypeError, "must be a PoseSequence"): pose_coordinates(xy)
    with raises(ValueError, "a positive multiple of 8"): coordinates_to_tokens(xy[:250])
    with raises(ValueError, "(..., T, 36)"): coordinates_to_tokens(xy[:256, :34])
    with raises(ValueError, "(..., 288, 1, columns)"): tokens_to_coordinates(torch.zeros(48, 8, 32))


def test_raw_dataset_rejects_bad_windows_and_folders(featured_corpus, tmp_path):
    with raises(ValueError, "multiple of 8"): RawDanceDataset(featured_corpus, split=None, window_frames=100, progress=False)
    with raises(ValueError, "no clip is as long as one window"):
        RawDanceDataset(featured_corpus, split=None, window_frames=1024, progress=False)
    with raises(FileNotFoundError, "no corpus.json"): RawDanceDataset(tmp_path / "nowhere", progress=False)


def test_raw_train_config_rejects_bad_options():
    with raises(ValueError, "the raw training preset must be one of 'tiny', 'small', got 'full'"): get_raw_train_config("full")
    with raises(ValueError, "no reference input"): get_raw_train_config("small", reference_conditioning=True)
    with raises(ValueError, "steps must be an integer >= 1"): get_raw_train_config("small", steps=0)


def test_training_resumes_only_its_own_run(featured_corpus, tmp_path):
    corpus = featured_corpus
    straight = tmp_path / "straight"   # what 40 steps of the tiny preset leave: their settings (beat_phase=True)
    save_checkpoint(straight / CHECKPOINT_FILE, RAW_CHECKPOINT_FORMAT, settings=run_settings(get_raw_train_config("tiny", steps=40)),
                    codec=RAW_CODEC, step=40)
    with raises(ValueError, "beat_phase: True there, False now"):
        train_raw_generator(corpus, straight, "tiny", steps=45, split=None, progress=False, beat_phase=False)
    other = tmp_path / "onehot_run"
    save_checkpoint(other / CHECKPOINT_FILE, "music2pose.train/1", step=3)
    with raises(ValueError, "another kind of run (format 'music2pose.train/1')"):
        train_raw_generator(corpus, other, "tiny", steps=2, split=None, resume=False, progress=False)
    assert load_checkpoint(other / CHECKPOINT_FILE)["step"] == 3   # untouched
    with raises(FileNotFoundError, "no corpus.json"): train_raw_generator(tmp_path / "nowhere", tmp_path / "r", "tiny")
    with raises(ValueError, "the raw training preset must be one of"): train_raw_generator(corpus, tmp_path / "r", "huge")


def test_generator_folders_are_told_apart(model_dir, featured_corpus, tmp_path):
    with raises(ValueError, "a one-hot generator (from `music2pose train`)"): RawPosePipeline.from_pretrained(default_generator_dir())
    with raises(ValueError, "music2pose.raw_generator/1"): Music2PosePipeline.from_pretrained(model_dir)
    with raises(FileNotFoundError, "no such generator folder"): RawPosePipeline.from_pretrained(tmp_path / "nowhere")
    with raises(FileNotFoundError, "not a trained generator folder"): RawPosePipeline.from_pretrained(featured_corpus)


def test_raw_pipeline_call_rejects_bad_input(pipe):
    score = make_score(3.0, bpm=120, seed=5)
    song = MusicFeatures.from_array(np.zeros((90, 35), np.float32), fps=30)   # 3 s of features at the model's fps
    with raises(ValueError, "steps must be an integer >= 1"): pipe(song, steps=0)
    with raises(FileNotFoundError, "nowhere.npz"): pipe(song, reference_pose="nowhere.npz")
    with raises(ValueError, "trained at 30 fps"): pipe(music_features(synthesize(score), fps=60, sr_in=score.sr, duration=3.0))
