"""Faults a user meets: training killed at four moments, a full output disk, a read-only output folder, an hour-long
song, and the same seed giving the same dance in another process. Full-disk and read-only tests mount a small tmpfs
(root only); they skip, saying why, where mounting is not permitted."""
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf
import torch

from test_cli import QUICK, SONG, cli
# fixtures: `vae_dir` (the same tiny VAE), `corpus` and `one_thread` come from conftest.py

pytestmark = pytest.mark.usefixtures("one_thread")   # one intra-op thread: a killed-and-resumed run must match a straight one bit for bit
from music2pose.cli import main as cli_main
from music2pose.files import load_checkpoint
from music2pose.sample import load_generator
from music2pose.train import CHECKPOINT_FILE, CHECKPOINT_FORMAT, main

ROOT = Path(__file__).resolve().parents[1]
POSES = ROOT / "data_samples" / "corpus" / "poses" / "s0000_d1.npz"   # 360 frames: a ~230 KB video
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
STEPS = 80                                                             # the tiny preset checkpoints every 20 steps
RUN_FILES = {"latents", CHECKPOINT_FILE, "loss.csv", "loss.png", "model"}


def train_args(corpus, vae_dir, out, steps=STEPS):
    return ["--corpus", str(corpus), "--preset", "tiny", "--steps", str(steps), "--vae", str(vae_dir), "--split", "all",
            "--no-progress", "--out", str(out)]


def train_process(corpus, vae_dir, out):
    return subprocess.Popen([sys.executable, "-m", "music2pose.train", *train_args(corpus, vae_dir, out)], env=ENV, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def our_lines(stderr: str) -> list[str]:
    "stderr without ffmpeg's own lines (`[muxer @ 0x..] ...`, `    Last message repeated N times`), which write_video lets through above ours by design."
    return [l for l in stderr.strip().splitlines() if l and not l.startswith("[") and not re.match(r"\s+Last message repeated \d+ times", l)]


# -- mounts ------------------------------------------------------------------------------------------------------

@contextmanager
def tmpfs(where: Path, kb: int, read_only: bool = False, prepare=None):
    "Mount a `kb` KiB tmpfs on `where`, run `prepare(where)`, make it read-only if asked; unmounted on exit."
    if os.geteuid() != 0 or shutil.which("mount") is None: pytest.skip("mounting a small tmpfs needs root and mount(8)")
    where.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kb}k", "tmpfs", str(where)], capture_output=True, text=True)
    if r.returncode: pytest.skip(f"mounting a tmpfs is not permitted here ({r.stderr.strip()})")
    try:
        if prepare: prepare(where)
        if read_only: subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True, capture_output=True)
        yield where
    finally:
        if subprocess.run(["umount", str(where)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(disk: Path, leave_kb: int):
    "Fill `disk` with a filler file until `leave_kb` KiB are free."
    st = os.statvfs(disk)
    (disk / "filler").write_bytes(b"\0" * max(0, st.f_bavail * st.f_frsize - leave_kb * 1024))


def leftovers(disk: Path) -> list[str]:
    return sorted(p.name for p in disk.iterdir() if p.name.startswith("."))


# -- 1. training killed at four moments ---------------------------------------------------------------------------

def check_run_after_kill(run: Path) -> int | None:
    "What a kill may leave: no checkpoint or a complete one, hidden temp files only, `model/` only once training ended."
    if not run.exists(): return None
    visible = {p.name for p in run.iterdir() if not p.name.startswith(".")}
    assert visible <= RUN_FILES, visible                                  # a temp file never passes for a real one
    assert not [p for p in run.rglob("*.pt") if p.name != CHECKPOINT_FILE and not p.name.startswith(".")]
    step = None
    if (run / CHECKPOINT_FILE).exists():
        step = load_checkpoint(run / CHECKPOINT_FILE, CHECKPOINT_FORMAT)["step"]   # raises on a torn file
        assert step % 20 == 0 and 0 < step <= STEPS, step
    for cached in run.glob("latents/*/*.npz"):                            # the latent cache: complete files only
        if not cached.name.startswith("."): np.load(cached)
    if (run / "model").exists():
        assert step == STEPS and load_generator(run / "model").window_frames == 256
    return step


def wait_for(condition, proc, hang_guard_s=600, poll=0.001):
    "Wait until `condition()` holds or `proc` ends; `hang_guard_s` only stops a broken run."
    deadline = time.time() + hang_guard_s
    while not condition() and proc.poll() is None and time.time() < deadline: time.sleep(poll)


def test_training_killed_four_times_resumes_to_the_straight_result(corpus, vae_dir, tmp_path):
    """SIGKILL `python -m music2pose.train` the moment it has made its output folder, once its first latents are cached,
    right after a checkpoint, and while a checkpoint is being written (its temp file exists): each moment is an event
    in the run folder, never a time. After each kill the folder holds nothing torn, and resuming to the end gives the
    uninterrupted run's checkpoint."""
    run, ckpt = tmp_path / "killed", tmp_path / "killed" / CHECKPOINT_FILE
    mtime = lambda: ckpt.stat().st_mtime_ns if ckpt.exists() else None
    writing = lambda: run.exists() and any(p.name.startswith(f".{CHECKPOINT_FILE}.") for p in run.iterdir())
    cached = lambda: any(not p.name.startswith(".") for p in run.glob("latents/*/*.npz"))
    seen = {}
    for moment in ("starting up", "caching latents", "after a checkpoint", "writing a checkpoint"):
        proc, before = train_process(corpus, vae_dir, run), mtime()
        try:
            if moment == "starting up": wait_for(run.exists, proc)   # its first write: probing that --out is writable
            elif moment == "caching latents": wait_for(cached, proc)
            elif moment == "after a checkpoint": wait_for(lambda: mtime() != before, proc)
            else: wait_for(writing, proc)
            proc.kill()
        finally: proc.wait()
        assert proc.returncode in (-9, 0), (moment, proc.returncode)     # killed, or finished first: never an error
        seen[moment] = check_run_after_kill(run)
    steps = [s for s in seen.values() if s is not None]
    assert steps == sorted(steps) and seen["after a checkpoint"] is not None and steps[-1] < STEPS, seen   # never went back
    assert main(train_args(corpus, vae_dir, run)) == 0                     # resume to the end
    assert main(train_args(corpus, vae_dir, tmp_path / "straight")) == 0   # the same run, never stopped
    a, b = load_checkpoint(ckpt), load_checkpoint(tmp_path / "straight" / CHECKPOINT_FILE)
    assert a["step"] == b["step"] == STEPS and check_run_after_kill(run) == STEPS
    assert torch.allclose(torch.tensor(a["history"]), torch.tensor(b["history"]), atol=1e-5)
    assert all(torch.allclose(a["model"][k], b["model"][k], atol=1e-5) for k in b["model"])


# -- 2. a full output disk ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=[("json", 300, False), ("video", 550, True)], ids=["full-at-json", "full-at-video"])
def generate_on_full_disk(request, tmp_path_factory):
    """`music2pose generate` into a tmpfs too small for its output: 300 KiB runs out in the JSON files, 550 KiB (the 4 s dance's 120 JSON files take 480 KiB of tmpfs pages) in the
    video; the second already holds OUT (a file the user wants kept) and asks for --overwrite."""
    stage, kb, existing = request.param
    with tmpfs(tmp_path_factory.mktemp("gen") / "disk", kb) as disk:
        out = disk / "out"
        if existing: out.mkdir(); (out / "precious.txt").write_text("do not lose me")
        r = cli("generate", SONG, "-o", out, "--seconds", 4, *QUICK, *(["--overwrite"] if existing else []))
        yield SimpleNamespace(r=r, disk=disk, out=out, existing=existing, stage=stage)


def test_generate_on_full_disk_leaves_nothing_half_written(generate_on_full_disk):
    g = generate_on_full_disk
    assert g.r.returncode == 2 and "Traceback" not in g.r.stderr, (g.r.returncode, g.r.stderr)
    if g.existing: assert [p.name for p in g.out.iterdir()] == ["precious.txt"] and (g.out / "precious.txt").read_text() == "do not lose me"
    else: assert not g.out.exists()
    assert leftovers(g.disk) == [], leftovers(g.disk)                    # the temporary OUT folder is gone too


def test_generate_on_full_disk_says_so_in_one_line(generate_on_full_disk):
    lines = our_lines(generate_on_full_disk.r.stderr)
    assert len(lines) == 1 and lines[0].startswith("music2pose generate: error:"), generate_on_full_disk.r.stderr
    assert "No space left on device" in lines[0], lines


def test_generate_on_full_disk_names_the_folder_and_what_to_do(generate_on_full_disk):
    line = our_lines(generate_on_full_disk.r.stderr)[-1]
    assert str(generate_on_full_disk.out) in line and ("choose another" in line or "free" in line), line


@pytest.fixture(scope="module", params=[(0, True), (100, True), (100, False)],
                ids=["no-room-over-old-video", "room-for-part-over-old-video", "room-for-part-new-video"])
def render_on_full_disk(request, tmp_path_factory):
    "`music2pose render` a 230 KB video onto a disk with 0 or 100 KiB free, over an existing video (--overwrite) or not."
    free_kb, existing = request.param
    with tmpfs(tmp_path_factory.mktemp("render") / "disk", 400) as disk:
        video = disk / "v.mp4"
        if existing: video.write_bytes(b"old video")
        fill(disk, free_kb)
        r = cli("render", POSES, "-o", video, "-q", *(["--overwrite"] if existing else []))
        yield SimpleNamespace(r=r, disk=disk, video=video, existing=existing, free_kb=free_kb)


def test_render_on_full_disk_keeps_the_old_video(render_on_full_disk, request):
    v = render_on_full_disk
    assert v.r.returncode != 0, f"exit 0 and a {v.video.stat().st_size} byte video on a full disk"
    if v.existing: assert v.video.read_bytes() == b"old video"
    else: assert not v.video.exists()
    assert leftovers(v.disk) == []


def test_render_on_full_disk_says_so_in_one_line(render_on_full_disk, request):
    v = render_on_full_disk
    lines = our_lines(v.r.stderr)
    assert v.r.returncode == 2 and "Traceback" not in v.r.stderr, (v.r.returncode, v.r.stderr)
    assert len(lines) == 1 and lines[0].startswith("music2pose render: error:") and "space" in lines[0], lines


@pytest.fixture(scope="module")
def checkpoint_at_20(corpus, vae_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "c20"
    assert main(train_args(corpus, vae_dir, out, steps=20)) == 0
    return out / CHECKPOINT_FILE


@pytest.fixture(scope="module", params=["latents", "checkpoint"], ids=["full-at-latents", "full-at-checkpoint"])
def train_on_full_disk(request, corpus, vae_dir, checkpoint_at_20, tmp_path_factory):
    """`music2pose train --out` on a 100 KiB disk (the latent cache does not fit), or resuming a step-20 checkpoint on a
    disk with room for the latents but not for a second checkpoint beside the first."""
    kb = 100 if request.param == "latents" else 1600
    put = lambda disk: ((disk / "run").mkdir(), shutil.copy(checkpoint_at_20, disk / "run" / CHECKPOINT_FILE)) if request.param == "checkpoint" else None
    with tmpfs(tmp_path_factory.mktemp("train") / "disk", kb, prepare=put) as disk:
        r = subprocess.run([sys.executable, "-m", "music2pose.train", *train_args(corpus, vae_dir, disk / "run")], env=ENV,
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
        yield SimpleNamespace(r=r, run=disk / "run", stage=request.param)


def test_train_on_full_disk_keeps_the_last_checkpoint(train_on_full_disk):
    t = train_on_full_disk
    assert t.r.returncode != 0
    assert not (t.run / "model").exists() and leftovers(t.run) == []
    if t.stage == "checkpoint": assert load_checkpoint(t.run / CHECKPOINT_FILE, CHECKPOINT_FORMAT)["step"] == 20
    else: assert not (t.run / CHECKPOINT_FILE).exists()


def test_train_on_full_disk_says_so_in_one_line(train_on_full_disk):
    r = train_on_full_disk.r
    assert r.returncode == 2 and "Traceback" not in r.stderr, (r.returncode, r.stderr[-600:])
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("music2pose train: error:") and "space" in lines[0], lines


# -- read-only output folder (works as root, unlike test_cli.py::test_read_only_parent) -------------------------------

@pytest.mark.parametrize("command", ["generate", "render",
    "train"])
def test_read_only_output_folder(tmp_path, command, corpus, vae_dir):
    with tmpfs(tmp_path / "ro", 64, read_only=True) as ro:
        if command == "generate": r = cli("generate", SONG, "-o", ro / "out", "--seconds", 2, *QUICK)
        elif command == "render": r = cli("render", POSES, "-o", ro / "v.mp4", "-q")
        else: r = cli("train", *train_args(corpus, vae_dir, ro / "run"))
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 2 and "Traceback" not in r.stderr, (r.returncode, r.stderr[-600:])
        assert len(lines) == 1 and f"music2pose {command}: error:" in lines[0] and "cannot write" in lines[0], lines
        assert list(ro.iterdir()) == []


# -- 3. an hour-long song streams ----------------------------------------------------------------------------------

PEAK = """
import sys, numpy as np
from music2pose.music import music_features, stream_music_features
music_features(np.zeros(44100, np.float32), sr_in=22050)          # imports and numba compilation: not the song's cost
status = lambda key: int(next(l for l in open("/proc/self/status") if l.startswith(key)).split()[1]) * 1024
try: open("/proc/self/clear_refs", "w").write("5")                 # reset the peak (VmHWM) to the RSS now
except OSError: pass
before = status("VmRSS")
mf = stream_music_features(sys.argv[1], fps=30)
np.save(sys.argv[2], mf.beat_times)
print(len(mf), mf.features.shape[1], status("VmHWM") - before, mf.tempo, int(np.isfinite(mf.features).all()))
"""


def test_an_hour_of_audio_streams_in_bounded_memory(tmp_path):
    """An hour of 8 kHz FLAC (a click every half second, 5 MB) through stream_music_features: every frame is there, the
    beats join up across chunk borders, and the peak memory stays far below the hour's samples at the analysis rate
    (30 fps x 512 hop = 15360 Hz: 221 MB of float32; computing it in one piece peaks at ~3.5 GB)."""
    song, sr = tmp_path / "hour.flac", 8000
    minute = np.zeros(60 * sr, np.float32); minute[::sr // 2] = 0.9
    with sf.SoundFile(song, "w", sr, 1, subtype="PCM_16") as f:
        for _ in range(60): f.write(minute)
    r = subprocess.run([sys.executable, "-c", PEAK, str(song), str(tmp_path / "beats.npy")], env=ENV, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    frames, dim, peak, tempo, finite = r.stdout.split()
    whole = 3600 * 15360 * 4
    assert int(frames) == 3600 * 30 and int(dim) == 35 and finite == "1"
    assert int(peak) < 128 * 2**20 < whole, f"peak {int(peak) / 2**20:.0f} MiB"
    beats = np.load(tmp_path / "beats.npy")
    assert abs(float(tempo) - 120) < 1 and abs(len(beats) - 7200) <= 72 and np.diff(beats).min() > 0.4, (tempo, len(beats))


# -- 4. the same seed gives the same poses in another process --------------------------------------------------------

def test_same_seed_same_poses_in_two_processes(tmp_path):
    runs = [cli("generate", SONG, "-o", tmp_path / n, "--seed", 3, "--steps", 4, "--seconds", 5, "--no-video",
                "--device", "cpu", "-q") for n in "ab"]
    assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
    a, b = (np.load(tmp_path / n / "poses.npz") for n in "ab")
    assert sorted(a.files) == sorted(b.files) and len(a["keypoints"]) == 150
    for k in a.files: assert np.array_equal(a[k], b[k], equal_nan=a[k].dtype.kind == "f"), k
    other = cli_main(["generate", str(SONG), "-o", str(tmp_path / "c"), "--seed", "4", "--steps", "4", "--seconds", "5",
                      "--no-video", "-q"])   # in this process: only the two above need to be apart
    assert other == 0 and not np.array_equal(np.load(tmp_path / "c" / "poses.npz")["keypoints"], a["keypoints"],
                                                        equal_nan=True)   # the seed matters: the test can fail
