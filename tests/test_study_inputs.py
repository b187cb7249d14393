"""Bad input to the evaluation study (`music2pose.study`, `benchmarks/study.py`): one clear error, nothing lost."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from music2pose.poses import PoseSequence
from music2pose.study import (arm_table, clip_scores, format_arm_table, load_study, merge_errors, proportion_error,
                              run_study, seed_spread, vae_ablation)

REPO = Path(__file__).resolve().parents[1]


def test_seed_spread_edges():
    assert seed_spread([0.2])["n"] == 1 and np.isnan(seed_spread([0.2])["std"])
    with pytest.raises(ValueError, match="no finite value"): seed_spread([float("nan"), None])


@pytest.mark.parametrize("text, message", [("{not json", "not a study file"), (json.dumps({"arms": {}}), "no protocol/arms")])
def test_load_study_rejects_damaged_files(tmp_path, text, message):
    f = tmp_path / "study.json"; f.write_text(text)
    with pytest.raises(ValueError, match=message): load_study(f)
    assert f.read_text() == text   # left as it was


def test_run_study_refuses_before_work(tmp_path):
    with pytest.raises(ValueError, match="at least one generator"): run_study({}, heldout=None)
    with pytest.raises(ValueError, match="at least one generator"): run_study({"a": []}, heldout=None)


def test_tables_of_a_hand_made_study():
    runs = {f"seed{s}": {"bas_own": [0.3 + s / 100, 0.3], "bas_gap": [0.1, 0.0]} for s in range(3)}
    table = arm_table({"protocol": {}, "arms": {"arm": runs}}, ("bas_own", "bas_gap", "jitter"))
    assert table["arm"]["bas_own"]["n"] == 3 and "jitter" not in table["arm"]          # a metric nobody measured: no column
    np.testing.assert_allclose(table["arm"]["bas_own"]["mean"], 0.305)
    assert "0.305 ± 0.005 (3)" in format_arm_table(table)


def test_proportions_need_a_visible_reference():
    dance = PoseSequence(np.random.default_rng(0).random((40, 18, 2)).astype(np.float32), fps=30)
    hidden = dance.replace(keypoints=np.full_like(dance.keypoints, np.nan), confidence=np.zeros_like(dance.confidence))
    with pytest.raises(ValueError, match="no body bone"): proportion_error(dance, hidden)   # not a NaN that looks like a score
    with pytest.raises(ValueError, match="no body bone"): proportion_error(dance, dance[:0])


def test_clip_scores_wants_one_dance_per_clip():
    class Held:   # the two attributes clip_scores checks first
        dances, beats = [None, None], [np.array([1.0])] * 2
        def __len__(self): return 2
    with pytest.raises(ValueError, match="one dance per clip"): clip_scores([], Held())


def test_clip_scores_leave_a_clip_without_a_beat_period_out_of_the_tempo_scores():
    rng = np.random.default_rng(0)
    dances = [PoseSequence((0.5 + 0.05 * rng.standard_normal((120, 18, 2))).astype(np.float32), fps=30) for _ in range(2)]
    class Held:   # a 4 s clip with a beat every half second, and one whose song has a single beat
        beats, other_beats = [np.arange(0.5, 4, 0.5), np.array([1.0])], [np.array([1.0]), np.arange(0.5, 4, 0.5)]
        def __len__(self): return 2
    scores = clip_scores(dances, Held())
    assert np.isfinite(scores["tempo_lock"][0]) and np.isfinite(scores["tempo_gap"][0])
    assert np.isnan(scores["tempo_lock"][1]) and np.isnan(scores["tempo_gap"][1])   # no period to lock to: not a score of 0
    assert np.isfinite(scores["jitter"]).all() and len(scores["bas_own"]) == 2


def test_vae_ablation_input_checks(tmp_path):
    with pytest.raises(ValueError, match="at least one variant"): vae_ablation([], {}, {}, out_dir=tmp_path)
    with pytest.raises(ValueError, match="no errors"): merge_errors([])


def test_study_script_rejects_a_missing_generator(tmp_path):
    r = subprocess.run([sys.executable, str(REPO / "benchmarks" / "study.py"), "generators", "--heldout", str(tmp_path),
                        "--out", str(tmp_path / "s.json"), "--arm", f"a={tmp_path / 'nope'}"], capture_output=True, text=True)
    assert r.returncode == 2 and "no such generator folder" in r.stderr and not (tmp_path / "s.json").exists()
