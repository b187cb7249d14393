"""Bad inputs of music2pose.tempo: each is refused in one line that says what is wrong and what to do."""
import numpy as np
import pytest

from music2pose.choreo import choreograph
from music2pose.poses import PoseSequence
from music2pose.synth import make_score
from music2pose.tempo import (format_tempo_table, local_motion_bpm, motion_bpm, plot_rate_vs_tempo, songs_at_tempi,
                              tempo_change_song, tempo_sweep)


@pytest.fixture(scope="module")
def dance():
    return choreograph(make_score(8, 120, seed=1), seed=1, noise=False)


def one_line(excinfo):
    return "\n" not in str(excinfo.value)


def test_too_short(dance):
    with pytest.raises(ValueError, match=r"needs at least 3.00 s; give a longer dance or raise min_bpm") as e:
        motion_bpm(dance[:60])
    assert one_line(e)
    with pytest.raises(ValueError, match="give a longer dance or a shorter window_s"):
        local_motion_bpm(dance[:60], window_s=3.0)


def test_nan_keypoints(dance):
    blank = PoseSequence(np.full_like(dance.keypoints, np.nan), None, dance.fps, dance.layout, dance.frame_size)
    with pytest.raises(ValueError, match=r"undefined in 100% .*NaN keypoints.*fill the gaps") as e:
        motion_bpm(blank)
    assert one_line(e)
    half = dance.keypoints.copy()
    half[(np.arange(len(half)) // 10) % 2 == 0] = np.nan   # lost in runs of 10 frames: too long for gap filling
    with pytest.raises(ValueError, match="NaN keypoints"):
        motion_bpm(PoseSequence(half, None, dance.fps, dance.layout, dance.frame_size))


def test_not_a_dance():
    with pytest.raises(TypeError, match="must be a PoseSequence"):
        motion_bpm(np.zeros((300, 18, 2)))


@pytest.mark.parametrize("tempo", [0, -90, 0.0, float("nan"), float("inf"), 10, 1000, "120", None])
def test_bad_tempo(tempo):
    with pytest.raises(ValueError, match=r"tempo must be a number of beats per minute in \[30, 300\]") as e:
        songs_at_tempi([100, tempo], seconds=4)
    assert one_line(e)


def test_bad_change():
    with pytest.raises(ValueError, match="from_bpm must be"):
        tempo_change_song(0, 140, seconds=8)
    with pytest.raises(ValueError, match="past the song's end"):
        tempo_change_song(80, 140, seconds=8, change_s=7.9)


def test_bad_ranges(dance):
    for lo, hi in ((0, 200), (100, 100), (200, 100), (float("nan"), 200)):
        with pytest.raises(ValueError, match="need 0 < min_bpm < max_bpm"):
            motion_bpm(dance, lo, hi)
    with pytest.raises(ValueError, match="hop_s must be a positive number"):
        local_motion_bpm(dance, hop_s=-1)


def test_empty_things():
    with pytest.raises(ValueError, match="tempi is empty"): songs_at_tempi([])
    with pytest.raises(ValueError, match="non-empty list of TempoSong"): tempo_sweep([], None)
    with pytest.raises(ValueError, match="non-empty list of TempoSong"): tempo_sweep(["song.wav"], None)
    with pytest.raises(ValueError, match="no rows"): format_tempo_table([])
    with pytest.raises(ValueError, match="no rows"): plot_rate_vs_tempo([])


def test_missing_generator_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such generator folder"):
        tempo_sweep(songs_at_tempi([120], seconds=4), tmp_path / "nope")


def test_still_dance_has_no_rate(dance):
    still = dance[:1].keypoints.repeat(240, 0)
    rate, clarity = motion_bpm(PoseSequence(still, None, dance.fps, dance.layout, dance.frame_size), return_clarity=True)
    assert np.isnan(rate) and clarity == 0.0


def test_beat_tracking_scores_bad_inputs():
    from music2pose.tempo import beat_tracking_scores
    grid = np.arange(0.5, 5, 0.5)
    for tol in (0, -0.1, float("nan")):
        with pytest.raises(ValueError, match="tolerance_s must be a positive number of seconds") as e:
            beat_tracking_scores(grid, grid, tolerance_s=tol)
        assert one_line(e)
    with pytest.raises(ValueError, match="beat times must be finite"):
        beat_tracking_scores([0.5, np.nan], grid)
    found, false = beat_tracking_scores(grid, [])          # no true beats: nothing to find, every found beat is false
    assert np.isnan(found) and false == 1.0
    found, false = beat_tracking_scores([], grid)          # nothing found: every true beat is missed, no false share
    assert found == 0.0 and np.isnan(false)
    assert all(np.isnan(beat_tracking_scores(grid, grid, start=10, stop=20)))   # an empty stretch has neither
