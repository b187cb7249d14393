"""A generated dance that loses a joint for the whole clip has no kinetic features: `score_dances` keeps it out of FID
and Div (and counts it) instead of refusing the whole table; joints decoded off the body are counted too."""
import numpy as np

from music2pose.evaluate import EvalProtocol, format_table, load_heldout, score_dances


def test_a_dance_without_a_joint_is_counted_not_fatal(featured_corpus):
    held = load_heldout(featured_corpus, progress=False)
    protocol = EvalProtocol(held.fps, held.frames, held.name, len(held))
    dances = list(held.dances)
    full = score_dances(dances, held, protocol)
    assert full["unscored"] == 0 and full["fid_k"] < 1e-6 and full["off_body"]["mean"] == 0
    lost = dances[0].replace(confidence=np.where(np.arange(18) == 4, 0, dances[0].confidence))   # the right wrist, never seen
    far = dances[1].keypoints.copy(); far[:, 7] = far[:, 7] + [0.0, 1.5]                     # the left wrist far below the body
    row = score_dances([lost, dances[1].replace(keypoints=far), dances[2]], held, protocol)
    assert row["unscored"] == 1 and np.isfinite(row["fid_k"]) and row["fid_k"] > 0
    assert row["off_body"]["mean"] > 0.5                     # % of visible joints: one wrist of 18 joints in one dance of 3
    two_lost = [lost, lost, dances[2]]
    assert score_dances(two_lost, held, protocol)["fid_k"] is None   # fewer than two dances left: no FID, not an error
