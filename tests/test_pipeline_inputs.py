"Music2PosePipeline outside the lesson: segment plans for every length, bad inputs, reference poses, loading, tidying any read-back."
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from hypothesis import assume, given, settings, strategies as st

from music2pose.music import MusicFeatures, music_features
from music2pose.pipeline import Music2PosePipeline, Segment, blend_columns, decode_song, plan_segments, TIDY_CONFIDENCE, tidy_dance
from music2pose.sample import default_generator_dir
from music2pose.poses import BONE_SLACK, PoseSequence, limb_tree, reference_bone_lengths, write_openpose_json
from music2pose.reference import default_reference_pose
from music2pose.synth import make_score, synthesize, write_audio

ROOT = Path(__file__).resolve().parents[1]
SONG = ROOT / "data_samples" / "music" / "song_100to140bpm_30s.flac"
FAST = dict(steps=1, progress=False)


@pytest.fixture(scope="module")
def pipe():
    return Music2PosePipeline.from_pretrained()


def test_sample_song_regenerates_exactly(tmp_path):
    s = make_score(30.0, bpm=100, seed=11, tempo_change=(16.0, 140.0))  # the command in data_samples/README.md
    fresh = write_audio(tmp_path / "song.flac", synthesize(s), s.sr)
    a, sr = sf.read(SONG)
    b, sr2 = sf.read(fresh)
    assert sr == sr2 and np.array_equal(a, b)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 50_000), window_cols=st.integers(2, 40), overlap_cols=st.integers(1, 39))
def test_plan_covers_every_frame_once(n, window_cols, overlap_cols):
    assume(overlap_cols < window_cols)
    window, overlap = 8 * window_cols, 8 * overlap_cols
    plan = plan_segments(n, window, overlap)
    assert plan[0] == Segment(0, 0, window) and max(n, window) <= plan[-1].stop < max(n, window) + 8
    for a, b in zip(plan, plan[1:]):
        assert b.start + b.known == a.stop             # new frames start exactly where the last window ended
        assert overlap <= b.known < window and b.start > a.start and b.start % 8 == 0
    # windows grow linearly with the song: no more than one beyond the hop count
    assert len(plan) <= max(1, -(-max(n - window, 0) // (window - overlap)) + 1)


def test_decode_song_matches_whole_decoding():
    vae = Music2PosePipeline.from_pretrained().vae
    dance = PoseSequence.load(ROOT / "data_samples" / "corpus" / "poses" / "s0002_d1.npz")[:320]
    z = vae.encode_poses([dance])[0] + 0.3 * torch.randn(48, 32, 40, generator=torch.Generator().manual_seed(1))
    whole, chunks = decode_song(vae, z, chunk=40), decode_song(vae, z, chunk=7, context=4)
    err = np.abs(whole.keypoints - chunks.keypoints)
    assert len(chunks) == 320 and np.nanpercentile(err, 99) < 0.01 and np.nanmean(err) < 0.002   # the odd bin may flip on noisy latents
    with pytest.raises(ValueError, match="columns"): decode_song(vae, z[None])
    with pytest.raises(ValueError, match="equal shapes"): blend_columns(z[..., :2], z[..., :3])


def test_short_silent_and_tiny_audio(pipe, tmp_path):
    silent = tmp_path / "silence.wav"
    sf.write(silent, np.zeros(22050 * 2, np.float32), 22050)
    out = pipe(silent, **FAST)                        # silence is music with no beats: still a dance, 2 s long
    assert len(out.poses) == 60 and len(out.beats) == 0
    tiny = tmp_path / "tiny.wav"
    sf.write(tiny, np.zeros(int(22050 * 0.2), np.float32), 22050)
    with pytest.raises(ValueError, match="shorter than one music token"): pipe(tiny, **FAST)


def test_bad_audio_files(pipe, tmp_path):
    with pytest.raises(FileNotFoundError, match="no such audio file"): pipe(tmp_path / "none.wav", **FAST)
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" * 10)
    with pytest.raises(ValueError): pipe(corrupt, **FAST)
    empty = tmp_path / "empty.flac"
    empty.write_bytes(b"")
    with pytest.raises(ValueError): pipe(empty, **FAST)


def test_arrays_and_features(pipe):
    y, sr = sf.read(SONG, dtype="float32")
    from_array = pipe(y, sr=sr, seconds=3, seed=1, **FAST).poses
    from_file = pipe(SONG, seconds=3, seed=1, **FAST).poses
    assert len(from_array) == len(from_file) == 90
    with pytest.raises(ValueError, match="features per frame"):
        pipe(MusicFeatures(np.zeros((300, 10), np.float32), 30.0), **FAST)
    with pytest.raises(ValueError, match="fps"): pipe(MusicFeatures(np.zeros((300, 35), np.float32), 60.0), **FAST)


def test_reference_pose_sources(pipe, tmp_path):
    ref = default_reference_pose(frame_size=(512, 768), height=0.5)
    ref.save(tmp_path / "ref.npz")
    write_openpose_json(ref, tmp_path / "json")
    for source in (ref, tmp_path / "ref.npz", tmp_path / "json"):
        out = pipe(SONG, seconds=2, reference_pose=source, **FAST).poses
        assert tuple(out.frame_size) == (512, 768)
    many = ref[[0] * 10]                              # a whole sequence: its median pose
    assert len(pipe(SONG, seconds=2, reference_pose=many, **FAST).poses) == 60
    blank = ref.replace(keypoints=np.full_like(ref.keypoints, np.nan), confidence=np.zeros_like(ref.confidence))
    with pytest.raises(ValueError, match="no visible joint"): pipe(SONG, seconds=2, reference_pose=blank, **FAST)
    with pytest.raises(FileNotFoundError): pipe(SONG, seconds=2, reference_pose=tmp_path / "none.npz", **FAST)
    with pytest.raises(TypeError, match="reference_pose"): pipe(SONG, seconds=2, reference_pose=[0.5, 0.5], **FAST)


def test_bad_arguments(pipe):
    for kwargs, match in ((dict(steps=0), "steps"), (dict(seconds=0), "seconds"), (dict(fps=-1), "fps"),
                          (dict(decode_precision="fp16"), "decode_precision")):
        with pytest.raises(ValueError, match=match): pipe(SONG, **{**FAST, **kwargs})


def test_loading_the_wrong_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such generator folder"): Music2PosePipeline.from_pretrained(tmp_path / "none")
    with pytest.raises(FileNotFoundError, match="not a trained generator folder"):
        Music2PosePipeline.from_pretrained(default_generator_dir() / "pose_vae")   # a VAE, not a generator
    copy = shutil.copytree(default_generator_dir(), tmp_path / "gen")
    info = json.loads((copy / "generation.json").read_text())
    (copy / "generation.json").write_text(json.dumps({**info, "format": "someone-else/9"}))
    with pytest.raises(ValueError, match="format"): Music2PosePipeline.from_pretrained(copy)
    (copy / "generation.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"): Music2PosePipeline.from_pretrained(copy)


def test_long_song_windows_and_stitching(pipe):
    out = pipe(SONG, **FAST)                          # 30 s = 900 frames: windows at 0, 240, 480, 644
    assert [(s.start, s.known) for s in out.segments] == [(0, 0), (240, 16), (480, 16), (648, 88)]
    assert len(out.poses) == 900 and out.boundaries.tolist() == [256, 496, 736]
    visible = out.poses.confidence > 0
    assert visible.mean() > 0.5 and np.isfinite(out.poses.keypoints[visible]).all()


def test_decode_precisions_agree(pipe):
    a = pipe(SONG, seconds=4, seed=2, decode_precision="fp32", **FAST).poses
    b = pipe(SONG, seconds=4, seed=2, decode_precision="bf16", **FAST).poses
    assert len(a) == len(b) == 120
    assert np.nanmedian(np.abs(a.keypoints - b.keypoints)) < 0.002   # the same dance; a near-tied bin may flip


@settings(max_examples=25, deadline=None)
@given(frames=st.integers(1, 80), missing=st.floats(0, 1.0), ghosts=st.floats(0, 0.2), seed=st.integers(0, 2**16))
def test_tidy_dance_gives_every_joint_on_the_body(frames, missing, ghosts, seed):
    "Any read-back with a joint in it (joints missing at random, some read off ghost ridges anywhere in the frame): tidied, every joint is in every frame, finite, and no bone is longer than the reference allows (before smoothing)."
    rng = np.random.default_rng(seed)
    ref = default_reference_pose((1280, 720))
    kp = ref.keypoints + 0.02 * rng.standard_normal((frames, 18, 2))
    wild = rng.random((frames, 18)) < ghosts
    kp[wild] = rng.random((int(wild.sum()), 2))
    conf = np.where(rng.random((frames, 18)) < missing, 0.0, 0.9)
    read = PoseSequence(kp, conf, 30.0, "openpose18", ref.frame_size)
    assume(read.visible.any())   # a read-back without a single joint has nothing to place the body by
    tidied = tidy_dance(read, ref, 8)
    assert len(tidied) == frames and tidied.frame_size == read.frame_size
    assert tidied.visible.all() and np.isfinite(tidied.keypoints).all()   # never-seen joints come from the reference
    assert (tidied.confidence >= TIDY_CONFIDENCE).all()                    # and a renderer draws every one
    bound = read.fill_from_parents(ref).keep_bones(ref)
    parent, limb, _ = limb_tree("openpose18")
    child = np.flatnonzero(parent >= 0)
    bones = np.linalg.norm((bound.keypoints[:, child] - bound.keypoints[:, parent[child]]) * np.array([1280 / 720, 1.0]), axis=-1)
    assert (bones <= BONE_SLACK * reference_bone_lengths(ref)[limb[child]] + 1e-5).all()


@pytest.mark.parametrize("mkldnn_bf16, amx, maker, fast", [
    (True, True, "GenuineIntel", True),      # Sapphire Rapids and later, AMX usable
    (True, False, "GenuineIntel", False),    # AVX-512 BF16 alone (Cooper Lake, or AMX hidden by a hypervisor): fp32 decodes faster
    (True, False, "AuthenticAMD", True),     # Zen 4 and later
    (False, False, "AuthenticAMD", False),   # no bf16 kernels at all
    (True, False, "", False),                # a CPU that does not say what it is
])
def test_bf16_only_where_measured_faster(monkeypatch, mkldnn_bf16, amx, maker, fast):
    import music2pose.pipeline as pl
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: mkldnn_bf16)
    monkeypatch.setattr(pl, "_has_amx", lambda: amx)
    monkeypatch.setattr(pl, "_cpu_maker", lambda: maker)
    assert pl.bf16_is_fast("cpu") is fast
    assert pl.bf16_is_fast("meta") is False


def test_cpu_probes_answer_on_this_machine():
    import music2pose.pipeline as pl
    assert isinstance(pl._has_amx(), bool) and isinstance(pl._cpu_maker(), str)
    assert pl.bf16_is_fast() in (True, False)
