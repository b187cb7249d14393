"""music2pose.train: the `main` command's errors, resuming under another config, damaged checkpoints, Ctrl-C in every
phase of a run, bad inputs to the sampler, and (slow) a two-process CPU run through `torchrun` (gloo)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import ctrl_c
from music2pose.dit import build_dit
from music2pose.files import load_checkpoint
from music2pose.sample import load_generator, sample_segment
from music2pose.train import CHECKPOINT_FILE, LatentDanceDataset, get_train_config, main, train_generator
from music2pose.vae import PoseVAE, build_vae, get_vae_config

REPO = Path(__file__).resolve().parents[1]


pytestmark = pytest.mark.usefixtures("one_thread")   # `one_thread`, `corpus` (4 clips of 9 s) and `vae_dir`: tests/conftest.py


@pytest.fixture(scope="module")
def trained(corpus, vae_dir, tmp_path_factory):
    "A tiny run of 4 steps through the command line."
    out = tmp_path_factory.mktemp("runs") / "tiny"
    assert main(["--corpus", str(corpus), "--out", str(out), "--preset", "tiny", "--steps", "4", "--vae", str(vae_dir),
                 "--split", "all", "--no-progress"]) == 0
    return out


def run_main(capsys, *args):
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err


def test_missing_corpus(tmp_path, capsys):
    code, err = run_main(capsys, "--corpus", tmp_path / "nowhere", "--out", tmp_path / "out")
    assert code == 2
    assert "--corpus" in err and "no corpus.json" in err and len(err.strip().splitlines()) == 1


def test_missing_vae_and_bad_steps(corpus, tmp_path, capsys):
    code, err = run_main(capsys, "--corpus", corpus, "--out", tmp_path / "out", "--vae", tmp_path / "novae")
    assert code == 2 and "--vae" in err
    code, err = run_main(capsys, "--corpus", corpus, "--out", tmp_path / "out", "--steps", "0")
    assert code == 2 and "--steps must be an integer >= 1" in err


def test_vae_presets(corpus, tmp_path, capsys, monkeypatch):
    code, err = run_main(capsys, "--corpus", corpus, "--out", tmp_path / "o", "--preset", "tiny", "--vae", "tiny")
    assert code == 2 and "train it with train_vae" in err
    # offline (as in CI), the pretrained VAE cannot be fetched: a clear error, not a traceback
    import huggingface_hub.constants, diffusers.utils.constants
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(diffusers.utils.constants, "HF_HUB_OFFLINE", True, raising=False)
    code, err = run_main(capsys, "--corpus", corpus, "--out", tmp_path / "o", "--preset", "tiny", "--vae", "full")
    assert code == 2 and "cannot load a VAE" in err


def test_bad_preset_is_an_argparse_error(corpus, tmp_path, capsys):
    with pytest.raises(SystemExit) as e: main(["--corpus", str(corpus), "--out", str(tmp_path), "--preset", "huge"])
    assert e.value.code == 2


def test_trained_run_writes_everything(trained):
    assert {p.name for p in trained.iterdir()} >= {"checkpoint.pt", "loss.csv", "loss.png", "model", "latents"}
    ckpt = load_checkpoint(trained / CHECKPOINT_FILE)
    assert ckpt["step"] == 4 and len(ckpt["history"]) == 4 and ckpt["processes"] == 1
    gen = load_generator(trained / "model")
    assert gen.window_frames == 256 and gen.music_mean.shape == (37,) and gen.model.config.latent_height == 8


def test_resume_under_another_config_is_refused(trained, corpus, vae_dir, capsys):
    for extra in (["--time-indexing", "text"], ["--no-reference"], ["--loss-weighting", "velocity"], ["--no-beat-phase"], ["--no-aligned-music"],
                  ["--motion-loss", "0.5"], ["--seed", "0", "--preset", "small"]):
        code, err = run_main(capsys, "--corpus", corpus, "--out", trained, "--preset", "tiny", "--steps", "6",
                             "--vae", vae_dir, "--split", "all", "--no-progress", *extra)
        assert code == 2 and "another config" in err, extra
    assert load_checkpoint(trained / CHECKPOINT_FILE)["step"] == 4   # untouched


def test_checkpoint_from_before_a_new_setting_resumes_under_its_default(trained):
    "A run saved before TrainConfig grew `loss_weighting` trained with its default: it resumes as such, and only as such."
    from music2pose.train import check_resumable
    ckpt = load_checkpoint(trained / CHECKPOINT_FILE)
    del ckpt["settings"]["loss_weighting"]
    check_resumable(ckpt, get_train_config("tiny", loss_weighting="velocity"), ckpt["codec"])
    with pytest.raises(ValueError, match="loss_weighting: 'velocity' there, 'sample' now"):
        check_resumable(ckpt, get_train_config("tiny"), ckpt["codec"])   # the preset's t^2 weighting


def test_the_preset_recipe_and_the_papers_run_end_to_end(trained, corpus, vae_dir, tmp_path, capsys):
    """The tiny preset trains with the beat phase, the motion loss, t^2 weighting and the aligned-music shortcut: the
    model reads 37 features a frame, and so does generation. Four flags switch back to the paper's recipe (35 features)."""
    from music2pose.pipeline import Music2PosePipeline
    settings = load_checkpoint(trained / CHECKPOINT_FILE)["settings"]
    assert (settings["beat_phase"], settings["motion_loss"], settings["loss_weighting"], settings["aligned_music"]) == (True, 1.0, "sample", True)
    gen = load_generator(trained / "model")
    assert gen.beat_phase and gen.music_mean.shape == (37,) and gen.model.config.music_dim == 8 * 37 and gen.model.config.aligned_music
    pipe = Music2PosePipeline.from_pretrained(trained / "model")
    assert pipe.beat_phase
    dance = pipe(str(corpus / "songs" / "s0000.flac"), seconds=4, steps=1, progress=False).poses
    assert len(dance) == 120 and dance.layout == "openpose18"
    out = tmp_path / "paper"
    code, err = run_main(capsys, "--corpus", corpus, "--out", out, "--preset", "tiny", "--steps", "3", "--vae", vae_dir, "--split",
                         "all", "--no-progress", "--no-beat-phase", "--motion-loss", "0", "--loss-weighting", "velocity",
                         "--no-aligned-music")
    assert code == 0, err
    settings = load_checkpoint(out / CHECKPOINT_FILE)["settings"]
    assert (settings["beat_phase"], settings["motion_loss"], settings["loss_weighting"], settings["aligned_music"]) == (False, 0.0, "velocity", False)
    paper = load_generator(out / "model")
    assert not paper.beat_phase and paper.model.config.music_dim == 8 * 35 and not paper.model.config.aligned_music
    assert not Music2PosePipeline.from_pretrained(out / "model").beat_phase


def test_bad_motion_loss(corpus, tmp_path, capsys):
    code, err = run_main(capsys, "--corpus", corpus, "--out", tmp_path / "r", "--preset", "tiny", "--motion-loss", "-1")
    assert code == 2 and "motion_loss must be >= 0" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_resume_with_another_vae_is_refused(trained, corpus, tmp_path, capsys):
    cfg = get_vae_config("tiny")
    torch.manual_seed(1)
    other = tmp_path / "other_vae"
    PoseVAE(build_vae(cfg).eval(), cfg).save_pretrained(other)
    run = tmp_path / "run"; run.mkdir()
    shutil.copy(trained / CHECKPOINT_FILE, run / CHECKPOINT_FILE)
    code, err = run_main(capsys, "--corpus", corpus, "--out", run, "--preset", "tiny", "--steps", "6", "--vae", other,
                         "--split", "all", "--no-progress")
    assert code == 2 and "pose VAE differs" in err


@pytest.mark.parametrize("damage", ["truncate", "garbage", "other_format"])
def test_damaged_checkpoint(trained, corpus, vae_dir, tmp_path, capsys, damage):
    run = tmp_path / "run"; run.mkdir()
    path = run / CHECKPOINT_FILE
    if damage == "truncate": path.write_bytes((trained / CHECKPOINT_FILE).read_bytes()[:1000])
    elif damage == "garbage": path.write_bytes(b"\x00not a checkpoint")
    else: torch.save({"format": "something/else"}, path)
    code, err = run_main(capsys, "--corpus", corpus, "--out", run, "--preset", "tiny", "--steps", "5", "--vae", vae_dir,
                         "--split", "all", "--no-progress")
    assert code == 2 and CHECKPOINT_FILE in err
    assert ("damaged" in err) if damage != "other_format" else ("not a music2pose generator checkpoint" in err)
    # --no-resume starts over and replaces it
    code, _ = run_main(capsys, "--corpus", corpus, "--out", run, "--preset", "tiny", "--steps", "2", "--vae", vae_dir,
                       "--split", "all", "--no-progress", "--no-resume")
    assert code == 0 and load_checkpoint(path)["step"] == 2


def test_leftover_temp_file_does_not_break_resume(trained, corpus, vae_dir, tmp_path, capsys):
    "A kill during a checkpoint write leaves a temp file beside the last complete checkpoint; resuming ignores it."
    run = tmp_path / "run"; run.mkdir()
    shutil.copy(trained / CHECKPOINT_FILE, run / CHECKPOINT_FILE)
    (run / f".{CHECKPOINT_FILE}.tmp123").write_bytes(b"half written")
    code, _ = run_main(capsys, "--corpus", corpus, "--out", run, "--preset", "tiny", "--steps", "6", "--vae", vae_dir,
                       "--split", "all", "--no-progress")
    ckpt = load_checkpoint(run / CHECKPOINT_FILE)
    assert code == 0 and ckpt["step"] == 6 and ckpt["history"][:4] == load_checkpoint(trained / CHECKPOINT_FILE)["history"]


def test_killed_run_resumes_to_the_uninterrupted_result(corpus, vae_dir, tmp_path, capsys):
    "SIGKILL a real training process after its first checkpoint; resuming ends exactly where a straight run ends."
    import signal, time
    args = ["--corpus", str(corpus), "--preset", "tiny", "--steps", "60", "--vae", str(vae_dir), "--split", "all", "--no-progress"]
    killed = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "music2pose.train", *args, "--out", str(killed)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        hang_guard = time.time() + 600   # only stops a broken run; the test waits for the checkpoint file
        while not (killed / CHECKPOINT_FILE).exists() and proc.poll() is None and time.time() < hang_guard: time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally: proc.wait()
    at_kill = load_checkpoint(killed / CHECKPOINT_FILE)["step"]
    assert 0 < at_kill < 60
    assert main([*args, "--out", str(killed)]) == 0                      # resume
    assert main([*args, "--out", str(tmp_path / "straight")]) == 0        # the same run, never stopped
    a, b = load_checkpoint(killed / CHECKPOINT_FILE), load_checkpoint(tmp_path / "straight" / CHECKPOINT_FILE)
    assert a["step"] == b["step"] == 60
    assert torch.allclose(torch.tensor(a["history"]), torch.tensor(b["history"]), atol=1e-5)
    assert all(torch.allclose(a["model"][k], b["model"][k], atol=1e-5) for k in b["model"])


def test_train_generator_bad_inputs(corpus, tmp_path):
    with pytest.raises(TypeError, match="corpus folder or a LatentDanceDataset"): train_generator([1, 2], tmp_path)
    with pytest.raises(FileNotFoundError, match="no corpus.json"): train_generator(tmp_path, tmp_path / "o")
    with pytest.raises(TypeError, match="no field"): train_generator(corpus, tmp_path / "o", "tiny", vae=tmp_path, stepz=3)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"): train_generator(corpus, tmp_path / "o", "tiny", steps=0)
    with pytest.raises(FileNotFoundError): load_generator(tmp_path)
    with pytest.raises(ValueError, match="damaged"):
        (tmp_path / "x.pt").write_bytes(b"junk"); load_checkpoint(tmp_path / "x.pt")


def test_dataset_rejects_short_clips(corpus, vae_dir, tmp_path):
    vae = PoseVAE.from_pretrained(vae_dir)
    with pytest.raises(ValueError, match="no clip is as long as one window"):
        LatentDanceDataset(corpus, vae, tmp_path / "lat", split=None, window_frames=512, progress=False)
    with pytest.raises(TypeError, match="PoseVAE"): LatentDanceDataset(corpus, object(), tmp_path / "lat")


def test_resume_with_a_dataset_of_other_music_stats_is_refused(trained, corpus, vae_dir, tmp_path):
    vae = PoseVAE.from_pretrained(vae_dir)
    ds = LatentDanceDataset(corpus, vae, tmp_path / "lat", split=None, progress=False, beat_phase=True)   # as the tiny preset
    ds.music_mean = ds.music_mean + 1.0
    run = tmp_path / "run"; run.mkdir()
    shutil.copy(trained / CHECKPOINT_FILE, run / CHECKPOINT_FILE)
    with pytest.raises(ValueError, match="other music statistics"): train_generator(ds, run, "tiny", steps=6, progress=False)


def test_sample_segment_bad_inputs(trained):
    gen = load_generator(trained / "model")
    music_dim = gen.model.config.music_dim
    with pytest.raises(ValueError, match="music_tokens must be"): sample_segment(gen.model, gen.vae, torch.zeros(2, 32))
    with pytest.raises(ValueError, match="reference_latents must be"):
        sample_segment(gen.model, gen.vae, torch.zeros(32, music_dim), torch.zeros(48, 8, 16), torch.zeros(8, 8, 16), steps=1)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"): sample_segment(gen.model, gen.vae, torch.zeros(32, music_dim), steps=0)
    no_ref = build_dit("tiny", latent_channels=48, latent_height=8, music_dim=music_dim, reference_conditioning=False)
    with pytest.raises(ValueError, match="without reference conditioning"):
        sample_segment(no_ref, gen.vae, torch.zeros(32, music_dim), torch.zeros(48, 8, 32), steps=1)
    z = sample_segment(no_ref, gen.vae, torch.zeros(2, 32, music_dim), steps=2, guidance_scale=3.0)
    assert z.shape == (2, 48, 8, 32) and torch.isfinite(z).all()


@pytest.mark.slow
def test_two_cpu_processes_with_torchrun(corpus, vae_dir, tmp_path):
    "`torchrun --nproc_per_node 2 -m music2pose.train` on a CPU: accelerate's MULTI_CPU over gloo, both ranks train, one writes."
    torchrun = Path(sys.executable).with_name("torchrun")
    if not torchrun.exists(): pytest.skip("torchrun is not installed next to this python")
    out = tmp_path / "ddp"
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    cmd = [str(torchrun), "--nproc_per_node", "2", "--master_port", "29517", "-m", "music2pose.train", "--corpus", str(corpus),
           "--out", str(out), "--preset", "tiny", "--steps", "4", "--vae", str(vae_dir), "--split", "all", "--no-progress"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    ckpt = load_checkpoint(out / CHECKPOINT_FILE)
    assert ckpt["processes"] == 2 and ckpt["step"] == 4 and len(ckpt["history"]) == 4
    assert load_generator(out / "model").model.config.latent_height == 8


# -- Ctrl-C ------------------------------------------------------------------------------------------------------

def resumed_copy(trained, tmp_path) -> Path:
    "A run folder holding `trained`'s checkpoint (step 4) and latent cache, as a run stopped after its checkpoint leaves it."
    run = tmp_path / "run"
    shutil.copytree(trained, run, ignore=shutil.ignore_patterns("model", "loss.png"))
    return run


@pytest.mark.parametrize("phase", ["music features", "caching latents", "a training step", "writing a checkpoint"])
def test_ctrl_c_in_every_phase_exits_130_and_resumes(phase, trained, corpus, vae_dir, tmp_path, capsys, monkeypatch):
    """Ctrl-C (KeyboardInterrupt where SIGINT raises it) while the music features are computed, while latents are cached,
    in the middle of a step and in the middle of a checkpoint write: one line, exit code 130, nothing torn, and the
    same command then finishes the run."""
    import music2pose.train as train
    if phase == "music features": corpus = shutil.copytree(corpus, tmp_path / "corpus", ignore=shutil.ignore_patterns("features"))
    run, kept = (tmp_path / "run", None) if phase in ("music features", "caching latents") else (resumed_copy(trained, tmp_path), 4)
    patch = {"music features": ("song_features", ctrl_c.features_then_ctrl_c(train.song_features)),
             "caching latents": ("cache_latents", ctrl_c.latents_then_ctrl_c(train.cache_latents)),
             "a training step": ("flow_matching_loss", ctrl_c.ctrl_c_in_call(train.flow_matching_loss, 2)),
             "writing a checkpoint": ("save_checkpoint", ctrl_c.ctrl_c_while_saving)}[phase]
    args = ["--corpus", corpus, "--out", run, "--preset", "tiny", "--steps", "6", "--vae", vae_dir, "--split", "all", "--no-progress"]
    ctrl_c.interrupt_then_finish(monkeypatch, train, patch, lambda *a: run_main(capsys, *a), args, run, kept, "train", 6, trained)


def test_sigint_while_writing_a_checkpoint(trained, corpus, vae_dir, tmp_path, capsys):
    """A real SIGINT to a real `music2pose train` process halfway through writing its checkpoint (it says so, then waits):
    exit code 130 with one line, the previous checkpoint intact, no temp file, and the same command finishes."""
    run = resumed_copy(trained, tmp_path)
    args = ["--corpus", corpus, "--out", run, "--preset", "tiny", "--steps", "6", "--vae", vae_dir, "--split", "all", "--no-progress"]
    code, err = ctrl_c.interrupt_while_saving("music2pose.train", ["train", *args])
    ctrl_c.assert_interrupted(code, err, "train")
    ctrl_c.assert_nothing_torn(run, 4)
    assert run_main(capsys, *args)[0] == 0 and load_checkpoint(run / CHECKPOINT_FILE)["step"] == 6



def test_init_starts_a_run_from_a_trained_generator(corpus, vae_dir, trained, tmp_path, capsys):
    "--init: a fine-tune starts from the folder's weights and music statistics, one step away from them; another DiT config or VAE is refused."
    model_dir = trained / "model"
    common = ["--corpus", corpus, "--preset", "tiny", "--vae", vae_dir, "--split", "all", "--no-progress"]
    code, err = run_main(capsys, *common, "--out", tmp_path / "ft", "--steps", 1, "--init", model_dir)
    assert code == 0, err
    start, after = load_generator(model_dir).model.state_dict(), load_checkpoint(tmp_path / "ft" / CHECKPOINT_FILE)["model"]
    assert max((after[k] - start[k]).abs().max().item() for k in start) < 0.01   # one warm-up step of AdamW (lr 1e-3)
    code, err = run_main(capsys, *common, "--out", tmp_path / "a", "--init", tmp_path / "nowhere")
    assert code == 2 and "--init" in err and "no such generator folder" in err and len(err.strip().splitlines()) == 1
    code, err = run_main(capsys, *common, "--out", tmp_path / "b", "--steps", 1, "--init", model_dir, "--no-aligned-music")
    assert code == 2 and "a DiT of another config (aligned_music: True there, False here)" in err
    code, err = run_main(capsys, *common[:-3], "--split", "train", "--no-progress", "--out", tmp_path / "c", "--steps", 1, "--init", model_dir)
    assert code == 0, err   # other dances: the model keeps reading music the way it learned to
    assert torch.equal(load_checkpoint(tmp_path / "c" / CHECKPOINT_FILE)["music_mean"], torch.from_numpy(load_generator(model_dir).music_mean))
    code, err = run_main(capsys, *common, "--out", tmp_path / "d", "--steps", 1, "--init", "default")
    assert code == 2 and "its pose VAE is not the one this run trains with" in err
