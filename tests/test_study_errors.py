"""Error paths of music2pose.study (moved out of `nbs/22_study.ipynb`): a spread of no finite value, one dance short of
the held-out clips, study and ablation files made under another protocol, arms without generators, a missing study
file, and arms that cannot be paired seed by seed. Nothing is generated or trained: the files a first run leaves are
written directly."""
import json

import pytest

from music2pose.evaluate import load_heldout
from music2pose.study import _protocol, arm_difference, clip_scores, load_study, run_study, seed_spread, vae_ablation
from error_checks import raises

STEPS = 2


@pytest.fixture(scope="module")
def held(featured_corpus):
    "Three clips of 9 s (two songs) as the held-out set."
    return load_heldout(featured_corpus, progress=False)


def test_spreads_and_scores_reject_missing_values(held):
    with raises(ValueError, "no finite value"): seed_spread([])
    with raises(ValueError, "one dance per clip"): clip_scores(held.dances[:2], held)


def test_studies_keep_their_protocol(held, tmp_path):
    study_file = tmp_path / "study.json"   # what a first run of the shipped generator at STEPS steps leaves
    study_file.write_text(json.dumps({"protocol": _protocol(held, STEPS, 2.0, 0, 0.05), "arms": {"shipped": {"default": {}}}}))
    with raises(ValueError, "another protocol"):
        run_study({"shipped": ["default"]}, held, study_file, steps=STEPS + 1, progress=False)
    with raises(ValueError, "at least one generator"): run_study({"empty": []}, held)
    with raises(FileNotFoundError, "no such study file"): load_study(tmp_path / "nothing.json")


def test_arms_are_compared_seed_by_seed():
    made_up = {"protocol": {}, "arms": {"new": {f"s{k}": {"bas_own": [0.33 + k / 100]} for k in range(3)},
                                        "old": {f"s{k}": {"bas_own": [0.30 + k / 100]} for k in range(3)}}}
    with raises(ValueError, "seed by seed"):
        arm_difference({"arms": {**made_up["arms"], "two": {"a": {"bas_own": [0.3]}}}}, "two", "old")


def test_vae_ablation_keeps_its_protocol(held, tmp_path):
    few = [d[:64] for d in held.dances[:2]]
    variants = {"one": {}, "confidence": {"value": "confidence"}}
    (tmp_path / "vae").mkdir()   # what an ablation of 3 steps leaves
    (tmp_path / "vae" / "results.json").write_text(json.dumps(
        {"protocol": {"preset": "tiny", "steps": 3, "variants": variants, "test_sets": {"held-out": len(few)}}, "runs": {}}))
    with raises(ValueError, "another protocol"):
        vae_ablation(few, {"held-out": few}, variants, preset="tiny", steps=4, out_dir=tmp_path / "vae")
