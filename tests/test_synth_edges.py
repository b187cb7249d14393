"Edge cases and property checks of music2pose.synth that do not belong in the lesson."
import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from music2pose.synth import Score, Section, make_score, synthesize, write_audio


@settings(max_examples=25, deadline=None)
@given(seconds=st.floats(3, 30), bpm=st.floats(60, 160), seed=st.integers(0, 2**31), change=st.booleans(),
       new_bpm=st.floats(60, 160), frac=st.floats(0.1, 0.9))
def test_make_score_invariants(seconds, bpm, seed, change, new_bpm, frac):
    score = make_score(seconds, bpm, seed, tempo_change=(frac * seconds, new_bpm) if change else None)
    b = score.beat_times
    assert (np.diff(b) > 0).all() and b[0] >= 0 and b[-1] <= seconds
    assert score.sections[0].start == 0 and np.isclose(score.sections[-1].end, seconds)
    t = np.linspace(0, seconds, 50)
    tempi = score.bpm_at(t)
    expected = {round(bpm, 6)} | ({round(new_bpm, 6)} if score.tempo_change else set())
    assert set(np.round(tempi, 6)) <= expected
    assert ((score.energy_at(t) >= 0) & (score.energy_at(t) <= 1)).all()
    back = Score.from_json(score.to_json())
    assert np.allclose(back.beat_times, b, atol=1e-6) and back.sections == [
        Section(round(s.start, 6), round(s.end, 6), round(s.energy, 6), s.name) for s in score.sections]


def test_json_keys():
    d = json.loads(make_score(8, 100, 0).to_json())
    assert {"beat_times", "downbeat_times", "sections", "seconds", "sr", "seed", "beats_per_bar"} <= set(d)
    assert set(d["sections"][0]) == {"start", "end", "energy", "name"}


def test_synthesize_range_and_length():
    score = make_score(3, 160, 7, sr=16000)
    y = synthesize(score)
    assert y.dtype == np.float32 and len(y) == 48000 and np.abs(y).max() <= 1


def test_bad_inputs(tmp_path):
    with pytest.raises(ValueError, match="seconds must be > 0"): make_score(0, 100, 0)
    with pytest.raises(ValueError, match="fewer than 2 beats"): make_score(0.5, 60, 0)
    with pytest.raises(ValueError, match="contains NaN"): write_audio(tmp_path / "x.wav", np.array([np.nan, 0.0]), 8000)
    with pytest.raises(FileNotFoundError, match="no such score file"): Score.load(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match="bad.json"): Score.load(tmp_path / "bad.json")


def test_wav_roundtrip(tmp_path):
    import soundfile as sf
    y = synthesize(make_score(2, 120, 1, sr=8000))
    write_audio(tmp_path / "a.wav", y, 8000)
    back, sr = sf.read(tmp_path / "a.wav", dtype="float32")
    assert sr == 8000 and np.allclose(back, y, atol=1e-4)
    assert [p.name for p in tmp_path.iterdir()] == ["a.wav"]
