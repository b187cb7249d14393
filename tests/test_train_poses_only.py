"""Training on dances without their music (`poses_only`): the corpus format's null audio, the dataset's draws and
flags, the loss's null token, and the command's options, resumption and errors."""
import json
import shutil

import pytest
import torch

from music2pose.files import load_checkpoint, load_corpus
from music2pose.choreo import make_corpus
from music2pose.train import CHECKPOINT_FILE, LatentDanceDataset, flow_matching_loss, get_train_config, main, poses_only_clips
from music2pose.vae import PoseVAE

pytestmark = pytest.mark.usefixtures("one_thread")   # `one_thread`, `corpus` (4 clips of 9 s) and `vae_dir`: tests/conftest.py


@pytest.fixture(scope="module")
def silent(tmp_path_factory):
    "Three synthetic dances of 12 s as a poses-only corpus: audio null, the songs deleted, ids of their own."
    root = tmp_path_factory.mktemp("silent") / "c"
    make_corpus(root, n_clips=3, seconds=12, seed=7, progress=False)
    index = json.loads((root / "corpus.json").read_text())
    for c in index["clips"]: c["id"], c["audio"] = "silent_" + c["id"], None
    (root / "corpus.json").write_text(json.dumps(index))
    shutil.rmtree(root / "songs")
    load_corpus(root)   # the format takes null audio
    return root


def dataset(corpus, vae_dir, tmp_path, **kw):
    return LatentDanceDataset(corpus, PoseVAE.from_pretrained(vae_dir), tmp_path / "lat", split=None, progress=False, **kw)


def test_dataset_flags_and_tokens(corpus, silent, vae_dir, tmp_path):
    ds = dataset(corpus, vae_dir, tmp_path, poses_only=silent)
    assert len(ds) == 7 and ds.has_music.tolist() == [True] * 4 + [False] * 3 and "3 without music" in repr(ds)
    assert all(float(ds.tokens[i].abs().sum()) == 0 for i in range(4, 7)) and float(ds.tokens[0].abs().sum()) > 0
    room = (ds.lengths - ds.columns + 1).double()
    assert ds.window_share_poses_only == pytest.approx(float(room[4:].sum() / room.sum()))
    b = ds.windows(torch.tensor([0, 5]), torch.tensor([0, 0]), torch.tensor([0, 0]))
    assert b["has_music"].tolist() == [True, False]


@pytest.mark.parametrize("share", [0.0, 0.5, None])
def test_sample_batch_draws_the_share(corpus, silent, vae_dir, tmp_path, share):
    ds = dataset(corpus, vae_dir, tmp_path, poses_only=silent)
    b = ds.sample_batch(4000, torch.Generator().manual_seed(0), share)
    drawn = float((~b["has_music"]).double().mean())
    assert drawn == pytest.approx(ds.window_share_poses_only if share is None else share, abs=0.03)
    assert b["has_music"].tolist() == ds.has_music[b["clip"]].tolist()


def test_without_poses_only_the_draws_do_not_change(corpus, vae_dir, tmp_path):
    "A dataset of music clips alone draws exactly what it drew before poses-only dances existed."
    ds = dataset(corpus, vae_dir, tmp_path)
    g = torch.Generator().manual_seed(3)
    clip = torch.randint(0, len(ds), (16,), generator=g)
    assert ds.sample_batch(16, torch.Generator().manual_seed(3), 0.9)["clip"].tolist() == clip.tolist()


def test_the_loss_drops_the_music_of_poses_only_samples(corpus, silent, vae_dir, tmp_path):
    ds = dataset(corpus, vae_dir, tmp_path, poses_only=silent)
    seen = {}
    def model(x_t, sigma, music, ref, mask, music_keep=None):
        seen["keep"] = music_keep.clone()
        return x_t * 0
    b = ds.sample_batch(64, torch.Generator().manual_seed(1), 0.5)
    flow_matching_loss(model, b, get_train_config("tiny", music_dropout=0.0), torch.Generator().manual_seed(1))
    assert seen["keep"].tolist() == b["has_music"].tolist()   # no dropout: exactly the clips with music keep it


def test_bad_poses_only_inputs(corpus, silent, vae_dir, tmp_path):
    with pytest.raises(ValueError, match="has no music; give its corpus as poses_only"): dataset(silent, vae_dir, tmp_path)
    with pytest.raises(ValueError, match="both a music clip and a poses-only one"): dataset(corpus, vae_dir, tmp_path, poses_only=corpus)
    with pytest.raises(FileNotFoundError, match="poses_only"): dataset(corpus, vae_dir, tmp_path, poses_only=tmp_path / "none")
    with pytest.raises(TypeError, match="corpus folders or DanceClips"): poses_only_clips([3])
    with pytest.raises(ValueError, match="poses_only_share must be in"): get_train_config("tiny", poses_only_share=1.0)


def test_command_trains_records_and_refuses_another_set(corpus, silent, vae_dir, tmp_path, capsys):
    out = tmp_path / "run"
    args = ["--corpus", corpus, "--out", out, "--preset", "tiny", "--steps", "4", "--vae", vae_dir, "--split", "all", "--no-progress"]
    assert main([str(a) for a in args + ["--poses-only", silent]]) == 0
    ckpt = load_checkpoint(out / CHECKPOINT_FILE)
    assert ckpt["poses_only_clips"] == sorted(c.id for c in poses_only_clips(silent))
    capsys.readouterr()
    assert main([str(a) for a in args + ["--steps", "6"]]) == 2   # resumed without them
    err = capsys.readouterr().err
    assert "with 3 poses-only clips, this dataset has 0" in err and len(err.strip().splitlines()) == 1
    assert load_checkpoint(out / CHECKPOINT_FILE)["step"] == 4   # nothing of the run was touched
    assert main([str(a) for a in args + ["--steps", "6", "--poses-only", silent, "--poses-only-share", "0.5"]]) == 2
    assert "poses_only_share: None there, 0.5 now" in capsys.readouterr().err
    assert main([str(a) for a in args + ["--poses-only", tmp_path / "nowhere"]]) == 2
    assert "--poses-only" in capsys.readouterr().err
    assert main([str(a) for a in args + ["--poses-only-share", "0.2"]]) == 2
    assert "needs --poses-only" in capsys.readouterr().err
