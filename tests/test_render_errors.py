"""Error paths of music2pose.render (moved out of `nbs/16_render.ipynb`): video sizes that are not positive, unknown
drawing styles, files ffmpeg cannot read or that do not exist, videos and frame folders that would be overwritten (or a
folder that holds other files), a beat plot without the onset's frame rate or a duration, and an empty animation."""
from pathlib import Path

import librosa
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from music2pose.choreo import load_clip
from music2pose.render import (animation_html, beat_plot, draw_skeleton_frames, media_info, video_size, write_frames,
                               write_video)
from error_checks import raises

CORPUS = Path(__file__).resolve().parents[1] / "data_samples" / "corpus"


@pytest.fixture(scope="module")
def sample():
    "The shipped sample clip s0002_d1: audio, sample rate, score and dance."
    return load_clip(CORPUS, "s0002_d1")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_sizes_and_styles(sample):
    dance = sample[3]
    with raises(ValueError, "size must be"): video_size((1920, 1080), (0, 10))
    with raises(ValueError, "style must be one of"): draw_skeleton_frames(dance, style="cartoon")
    with raises(ValueError, "0 frames"): animation_html(dance[:0])


def test_media_info_names_unreadable_and_missing_files():
    with raises(ValueError, "ffmpeg cannot read this file"): media_info(CORPUS / "corpus.json")
    with raises(FileNotFoundError, "no such file"): media_info("nowhere.wav")


def test_outputs_are_not_overwritten_by_accident(sample, tmp_path):
    clip = sample[3].between(0, 0.5)
    song = CORPUS / "songs" / "s0002.flac"
    video = write_video(clip, tmp_path / "dance.mp4", size=(64, 36), progress=False)
    with raises(FileExistsError, "pass overwrite=True"): write_video(clip, video, audio=song)
    write_frames(clip[:5], tmp_path / "frames", size=(160, 90), progress=False)
    with raises(FileExistsError, "pass overwrite=True"): write_frames(clip[:5], tmp_path / "frames")
    with raises(FileExistsError, "holds other files"): write_frames(clip[:3], tmp_path, overwrite=True)


def test_beat_plot_needs_fps_and_a_duration(sample):
    audio, sr, score, dance = sample
    onset = librosa.onset.onset_strength(y=audio, sr=sr, hop_length=512)
    fig, ax = plt.subplots(figsize=(7, 1.1), dpi=72)
    with raises(ValueError, "pass fps="): beat_plot(ax, 5.0, score.beat_times, onset)
    with raises(ValueError, "duration must be"): beat_plot(ax, 0, score.beat_times)
