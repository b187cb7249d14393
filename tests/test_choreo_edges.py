"Edge cases of music2pose.choreo, and the committed sample corpus, outside the lesson."
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from music2pose.choreo import (choreograph, dominant_motion_frequency, load_clip, make_corpus, random_dancer, bone_lengths,
                               dance_channels, pose_from_channels)
from music2pose.files import load_corpus
from music2pose.metrics import beat_align_score
from music2pose.synth import make_score

SAMPLES = Path(__file__).resolve().parents[1] / "data_samples" / "corpus"


def test_sample_corpus_is_valid_and_reproducible(tmp_path):
    index = load_corpus(SAMPLES)
    assert index["format"] == "music2pose.corpus/1" and len(index["clips"]) == 4
    bpms = sorted(c["bpm"] for c in index["clips"])
    assert bpms[0] < 80 and bpms[-1] > 120  # slow to fast
    assert sum(json.loads((SAMPLES / "songs" / f"{c['song']}.json").read_text())["tempo_change"] is not None
               for c in index["clips"]) == 1
    fresh = make_corpus(tmp_path, n_clips=4, seconds=12, seed=0, progress=False)
    assert fresh == index  # the README's command regenerates it
    for clip in index["clips"]:
        a, sr, score, poses = load_clip(SAMPLES, clip)
        b, sr2, score2, poses2 = load_clip(tmp_path, clip)
        assert sr == sr2 and np.allclose(a, b, atol=1e-4) and poses.equals(poses2, atol=1e-5)
        assert np.allclose(score.beat_times, score2.beat_times)


def test_bad_inputs(tmp_path):
    with pytest.raises(TypeError, match="score must be"): choreograph("song.flac", seed=0)
    with pytest.raises(ValueError, match="n_clips"): make_corpus(tmp_path, 0, 4, 0)
    with pytest.raises(ValueError, match="bpm_range"): make_corpus(tmp_path, 1, 4, 0, bpm_range=(10, 400))
    with pytest.raises(FileNotFoundError, match="no corpus index"): load_corpus(tmp_path / "none")
    (tmp_path / "corpus.json").write_text('{"format": "music2pose.corpus/1", "fps": 30, "sr": 22050, "clips": [{"id": 3}]}')
    with pytest.raises(ValueError, match="corpus.json: clip #0 has no valid 'id'"): load_corpus(tmp_path)


@pytest.mark.parametrize("seed", range(6))
def test_bones_rigid_and_in_frame(seed):
    score = make_score(6, 60 + 17 * seed, seed)
    dancer = random_dancer(seed)
    ch, _ = dance_channels(score, dancer, np.arange(180) / 30, seed)
    joints, _ = pose_from_channels(ch, dancer)
    for name, L in bone_lengths(joints).items(): assert np.allclose(L, getattr(dancer, name), rtol=1e-6)
    dance = choreograph(score, seed)
    kp = dance.keypoints[dance.visible]
    assert ((kp >= 0) & (kp <= 1)).all(-1).mean() > 0.99


def test_other_fps_keeps_rhythm():
    score = make_score(8, 120, 5)
    d60 = choreograph(score, 5, fps=60)
    assert d60.num_frames == 480 and d60.fps == 60
    assert beat_align_score(d60, score.beat_times, "bailando") > 0.6
    assert dominant_motion_frequency(d60) == pytest.approx(2.0, rel=0.05)  # 120 bpm: two steps a second


def test_dominant_motion_frequency_survives_missing_frames():
    dance = choreograph(make_score(8, 100, 2), 2)
    conf = dance.confidence.copy(); conf[100:130] = 0  # the dancer is lost for a second
    assert dominant_motion_frequency(dance.replace(confidence=conf)) == pytest.approx(100 / 60, rel=0.08)
