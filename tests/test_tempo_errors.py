"""Error paths of music2pose.tempo (moved out of `nbs/20_tempo.ipynb`): dances too short for the slowest rate or with
no visible joints, BPM ranges the wrong way round, inputs that are not pose sequences, local windows too short or hops
of 0, tempi outside [30, 300] BPM or none at all, tempo changes past the song's end, sweeps of no songs, empty tables
and plots, a song index outside the sweep, and a beat tolerance of 0."""
import numpy as np
import pytest

from music2pose.choreo import CH, FRAME_SIZE, key_pose, pose_from_channels, random_dancer
from music2pose.poses import PoseSequence
from music2pose.tempo import (PROCEDURAL, TempoSweep, beat_tracking_scores, format_tempo_table, local_motion_bpm,
                              motion_bpm, plot_local_rate, plot_rate_vs_tempo, songs_at_tempi, tempo_change_song,
                              tempo_sweep)
from error_checks import raises


def bouncing_dance(bpm, seconds=12.0, fps=30.0, jitter=0.0, seed=0) -> PoseSequence:
    "The notebook's dancer: a standing body bouncing `bpm` times a minute (a stop at the top and the bottom of every bounce)."
    t = np.arange(int(round(seconds * fps))) / fps
    channels = np.tile(key_pose(), (len(t), 1))
    channels[:, CH["drop"]] = 0.03 * (1 - np.cos(np.pi * bpm / 60 * t))
    channels[:, CH["larm_angle"]] += 0.3 * (1 - np.cos(np.pi * bpm / 60 * t))
    dancer = random_dancer(seed)
    joints, _ = pose_from_channels(channels, dancer)
    joints += jitter * dancer.height * np.random.default_rng(seed).standard_normal(joints.shape)
    return PoseSequence.from_pixels(joints, fps=fps, layout="openpose18", frame_size=FRAME_SIZE)


def test_motion_bpm_rejects_what_has_no_rate():
    with raises(ValueError, "needs at least 3.00 s; give a longer dance or raise min_bpm"): motion_bpm(bouncing_dance(120, seconds=2))
    blank = bouncing_dance(120).replace(keypoints=np.full_like(bouncing_dance(120).keypoints, np.nan), confidence=None)
    with raises(ValueError, "undefined in 100% of the dance's frames (NaN keypoints"): motion_bpm(blank)
    with raises(ValueError, "need 0 < min_bpm < max_bpm"): motion_bpm(bouncing_dance(120), min_bpm=0)
    with raises(ValueError, "need 0 < min_bpm < max_bpm"): motion_bpm(bouncing_dance(120), min_bpm=150, max_bpm=100)
    with raises(TypeError, "must be a PoseSequence"): motion_bpm(np.zeros((300, 18, 2)))


def test_local_motion_bpm_rejects_bad_windows():
    switch = bouncing_dance(90, seconds=10)
    fast = bouncing_dance(150, seconds=10)
    switch = switch.replace(keypoints=np.concatenate([switch.keypoints, fast.keypoints]), confidence=None)
    with raises(ValueError, "cannot hold two periods at min_bpm=40 BPM"): local_motion_bpm(switch, window_s=2.0)
    with raises(ValueError, "hop_s must be a positive number"): local_motion_bpm(switch, hop_s=0)
    with raises(ValueError, "needs at least 4.00 s; give a longer dance or a shorter window_s"): local_motion_bpm(switch[:90], window_s=4.0)


def test_songs_reject_bad_tempi():
    for bad in (0, -120, float("nan"), "fast"):
        with raises(ValueError, "tempo must be a number of beats per minute in [30, 300]"): songs_at_tempi([100, bad])
    with raises(ValueError, "got 400"): songs_at_tempi([100, 400])
    with raises(ValueError, "to_bpm must be a number of beats per minute"): tempo_change_song(80, 0)
    with raises(ValueError, "tempi is empty"): songs_at_tempi([])
    with raises(ValueError, "past the song's end"): tempo_change_song(80, 140, seconds=12, change_s=11.9)


def test_sweeps_tables_and_plots_reject_empty_input():
    with raises(ValueError, "non-empty list of TempoSong"): tempo_sweep([], None)
    with raises(ValueError, "no rows"): format_tempo_table([])
    with raises(ValueError, "no rows to plot"): plot_rate_vs_tempo([])
    change = TempoSweep([tempo_change_song(80, 140, seconds=8.0, seed=0)], [], {PROCEDURAL: []})   # a sweep of one song
    with raises(ValueError, "song must be an index in [0, 1)"): plot_local_rate(change, song=3)
    grid = np.arange(0.5, 10, 0.5)
    with raises(ValueError, "tolerance_s must be a positive number"): beat_tracking_scores(grid, grid, tolerance_s=0)
