"""`music2pose.data`'s Dance with Melody reader, phone cameras, corpus converter and downloader: on stand-in folders in
the dataset's format (always) and on the real dances of `../shared` (skipped when absent)."""
import json
import zipfile

import numpy as np
import pytest
import soundfile as sf

from music2pose.files import load_corpus
from music2pose.data import (DWM_FILES, DWM_FPS, DWM_VIEWS, PinholeCamera, dance_with_melody_camera,
                             dance_with_melody_folders, dance_with_melody_poses, dance_with_melody_to_corpus,
                             download_dance_with_melody, dwm_to_openpose18_3d, make_dance_with_melody_stand_in,
                             phone_focal_px, read_corpus, read_dance_with_melody)
from music2pose.poses import OPENPOSE18, find_shared_data, load_npz

REAL = find_shared_data("dance_with_melody")
needs_real = pytest.mark.skipif(REAL is None, reason="shared Dance with Melody data not found")


@pytest.fixture(scope="module")
def stand_ins(tmp_path_factory):
    "A dataset folder with two short stand-in dances (a waltz and a cha-cha)."
    root = tmp_path_factory.mktemp("dwm") / "dance_with_melody"
    make_dance_with_melody_stand_in(root / "DANCE_W_1", seconds=6, bpm=87, start_position=30, seed=0)
    make_dance_with_melody_stand_in(root / "DANCE_C_2", seconds=5, bpm=124, start_position=10, seed=1)
    return root


def copy_dataset(src, dst):
    dst.mkdir(parents=True)
    for d in dance_with_melody_folders(src):
        (dst / d.name).mkdir()
        for f in DWM_FILES: (dst / d.name / f).write_bytes((d / f).read_bytes())
    return dst


def one_line_error(exc_info, *words):
    msg = str(exc_info.value)
    assert "\n" not in msg, msg
    for w in words: assert w in msg, msg


# -- projection -----------------------------------------------------------------------------------------------------

def test_phone_focal_length_matches_the_26mm_field_of_view():
    f = phone_focal_px((1920, 1080), 26.0)
    diagonal_fov = 2 * np.degrees(np.arctan(np.hypot(1920, 1080) / 2 / f))
    assert abs(diagonal_fov - 2 * np.degrees(np.arctan(np.hypot(36, 24) / 2 / 26))) < 1e-9


def test_far_long_lens_camera_keeps_bone_length_ratios(stand_ins):
    "Orthographic limit: bones across the line of sight keep their 3D length ratios in the image, within 1 %."
    op3d = dwm_to_openpose18_3d(read_dance_with_melody(stand_ins / "DANCE_W_1").world)
    middle = op3d.reshape(-1, 3).mean(0)
    cam = PinholeCamera(middle + [3e5, 0, 0], middle, focal_px=3e5 * 1.5)
    limbs = np.array(OPENPOSE18.limbs)
    bones3d = op3d[:, limbs[:, 1]] - op3d[:, limbs[:, 0]]
    px = cam.project(op3d) * np.array(cam.frame_size)
    bones2d = np.linalg.norm(px[:, limbs[:, 1]] - px[:, limbs[:, 0]], axis=-1)
    across = np.abs(bones3d[..., 0]) / np.linalg.norm(bones3d, axis=-1) < 0.05
    assert across.sum() > 50
    ratio = bones2d[across] / np.linalg.norm(bones3d, axis=-1)[across]
    assert np.abs(ratio / np.median(ratio) - 1).max() < 0.01


def test_projection_geometry_right_is_right_and_up_is_up():
    cam = PinholeCamera(np.array([0.0, 100, 500]), np.array([0.0, 100, 0]), 1000.0, (1920, 1080))
    uv = cam.project(np.array([[0.0, 100, 0], [50, 100, 0], [0, 150, 0], [0, 100, 600]]))
    np.testing.assert_allclose(uv[0], [0.5, 0.5])
    assert uv[1, 0] > 0.5 and uv[2, 1] < 0.5                 # +x (the camera's right) goes right, +y (up) goes up the image
    assert np.isnan(uv[3]).all()                            # behind the camera
    with pytest.raises(ValueError, match="straight up or down"): PinholeCamera(np.zeros(3), np.array([0.0, 1, 0]), 1.0).axes()


def test_every_view_keeps_the_whole_dance_in_the_frame(stand_ins):
    dance = read_dance_with_melody(stand_ins / "DANCE_C_2")
    for v in range(len(DWM_VIEWS)):
        seq = dance_with_melody_poses(dance, v, fps=30)
        assert seq.frame_size == (1920, 1080) and seq.layout == "openpose18" and len(seq) == int(dance.seconds * 30)
        assert np.isfinite(seq.keypoints).all() and seq.keypoints.min() >= 0.05 - 1e-9 and seq.keypoints.max() <= 0.95 + 1e-9
        x, y = seq.keypoints[..., 0], seq.keypoints[..., 1]
        assert min(x.min(), 1 - x.max(), y.min(), 1 - y.max()) < 0.06   # the nearest phone that fits: the dance reaches the margin


def test_views_and_fps_are_checked(stand_ins):
    dance = read_dance_with_melody(stand_ins / "DANCE_W_1")
    with pytest.raises(ValueError) as e: dance_with_melody_camera(dance, 9)
    one_line_error(e, "view must be a camera index 0-8")
    with pytest.raises(ValueError) as e: dance_with_melody_poses(dance, 0, fps=0)
    one_line_error(e, "fps must be a positive number")


# -- reading folders ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("damage, words", [
    (lambda d: (d / "skeletons.json").unlink(), ["missing: skeletons.json", "download_dance_with_melody"]),
    (lambda d: (d / "audio.mp3").unlink(), ["missing: audio.mp3"]),
    (lambda d: (d / "skeletons.json").write_text('{"length": 3, "center": [[0, 0'), ["not valid JSON"]),
    (lambda d: (d / "config.json").write_text('{"start_position": 50, "end_position": 10}'), ["0 <= start < end"]),
    (lambda d: (d / "config.json").write_text('[1, 2]'), ["expected a JSON object"]),
    (lambda d: (d / "skeletons.json").write_text(json.dumps({"length": 2, "center": [[0, 0, 0]] * 2, "skeletons": [[[0, 0, 0]] * 21] * 2})),
     ["expected skeletons (T, 23, 3)"]),
    (lambda d: (d / "skeletons.json").write_text(json.dumps({"length": 5, "center": [[0, 0, 0]] * 2, "skeletons": [[[0, 0, 0]] * 23] * 2})),
     ["'length' is 5 but there are 2 frames"]),
    (lambda d: (d / "skeletons.json").write_text(json.dumps({"length": 2, "center": [[0, 0, 0]] * 2, "skeletons": [[[0, "x", 0]] * 23] * 2})),
     ["arrays of numbers"]),
])
def test_a_broken_folder_is_a_one_line_error(stand_ins, tmp_path, damage, words):
    folder = copy_dataset(stand_ins, tmp_path / "data") / "DANCE_W_1"
    damage(folder)
    with pytest.raises((ValueError, FileNotFoundError)) as e: read_dance_with_melody(folder)
    one_line_error(e, str(folder), *words)


def test_a_folder_that_is_not_the_dataset(tmp_path):
    with pytest.raises(FileNotFoundError) as e: dance_with_melody_folders(tmp_path / "nowhere")
    one_line_error(e, "not a Dance with Melody folder")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError) as e: dance_with_melody_to_corpus(tmp_path / "empty", tmp_path / "out")
    one_line_error(e, "holds no DANCE_* folders")
    (tmp_path / "DANCE_X_1").mkdir()
    for f in DWM_FILES: (tmp_path / "DANCE_X_1" / f).write_text("{}")
    with pytest.raises(ValueError) as e: read_dance_with_melody(tmp_path / "DANCE_X_1")
    one_line_error(e, "DANCE_<style>_<n>")
    assert not (tmp_path / "out").exists()


# -- the corpus -----------------------------------------------------------------------------------------------------

def test_corpus_pairs_each_dance_with_its_part_of_the_song(stand_ins, tmp_path):
    out = tmp_path / "corpus"
    index = dance_with_melody_to_corpus(stand_ins, out, views=(0, 4), fps=30, progress=False)
    assert index == load_corpus(out)
    assert [c["id"] for c in index["clips"]] == [f"DANCE_{n}_view{v}" for n in ("C_2", "W_1") for v in (0, 4)]
    assert {c["style"]: c["bpm"] for c in index["clips"]} == {"cha-cha": 124.0, "waltz": 87.0}
    for c in index["clips"]:
        dance = read_dance_with_melody(stand_ins / c["dance"])
        seq = load_npz(out / c["poses"])
        music = sf.info(out / c["audio"])
        assert abs(music.duration - len(seq) / seq.fps) < 1 / 30 and music.samplerate == index["sr"] == 22050
        assert c["song_offset"] == dance.start / DWM_FPS and c["song"] == c["dance"]
    # the song part starts on the dance's first frame: the stand-in's first click is at start_position
    y, sr = sf.read(out / "songs" / "DANCE_W_1.flac")
    assert np.argmax(np.abs(y) > 0.05) / sr < 0.03
    _, clips = read_corpus(out)
    assert {c.song for c in clips} == {"DANCE_C_2", "DANCE_W_1"}


def test_resume_skips_finished_dances_and_redoes_partial_ones(stand_ins, tmp_path, monkeypatch):
    out = tmp_path / "corpus"
    dance_with_melody_to_corpus(stand_ins, out, views=(0, 1), progress=False)
    first = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.suffix in (".npz", ".flac")}
    import music2pose.data as data
    reads = []
    real_read = data.read_dance_with_melody
    monkeypatch.setattr(data, "read_dance_with_melody", lambda f: reads.append(f.name) or real_read(f))
    dance_with_melody_to_corpus(stand_ins, out, views=(0, 1), progress=False)
    assert reads == [] and {p: p.stat().st_mtime_ns for p in first} == first        # finished: not even read again
    (out / "poses" / "DANCE_W_1_view1.npz").write_bytes(b"PK\x03\x04 half a file")    # an interrupted write elsewhere
    song = out / "songs" / "DANCE_C_2.flac"
    song.write_bytes(song.read_bytes()[:len(song.read_bytes()) // 3])
    index = dance_with_melody_to_corpus(stand_ins, out, views=(0, 1), progress=False)
    assert sorted(reads) == ["DANCE_C_2", "DANCE_W_1"]
    assert len(load_npz(out / "poses" / "DANCE_W_1_view1.npz")) == 180
    assert abs(sf.info(song).duration - 5.0) < 1 / 30
    assert index == load_corpus(out)


def test_an_interrupted_conversion_leaves_no_index(stand_ins, tmp_path, monkeypatch):
    import music2pose.data as data
    def crash(*a, **k): raise KeyboardInterrupt
    monkeypatch.setattr(data, "dance_with_melody_poses", crash)
    with pytest.raises(KeyboardInterrupt): dance_with_melody_to_corpus(stand_ins, tmp_path / "c", progress=False)
    assert not (tmp_path / "c" / "corpus.json").exists() and not list((tmp_path / "c").rglob("*.npz"))


def test_converter_inputs(stand_ins, tmp_path):
    for views, words in [((), "non-empty"), ((0, 0), "repeat"), ((9,), "0-8"), ((True,), "camera indices")]:
        with pytest.raises(ValueError) as e: dance_with_melody_to_corpus(stand_ins, tmp_path / "x", views=views)
        one_line_error(e, words)
    with pytest.raises(ValueError) as e: dance_with_melody_to_corpus(stand_ins, tmp_path / "x", fps=-1)
    one_line_error(e, "fps")
    with pytest.raises(ValueError) as e: dance_with_melody_to_corpus(stand_ins, stand_ins, progress=False)
    one_line_error(e, "new folder")


def test_a_broken_dance_stops_the_conversion_or_is_skipped(stand_ins, tmp_path):
    data = copy_dataset(stand_ins, tmp_path / "data")
    (data / "DANCE_C_2" / "config.json").unlink()
    with pytest.raises(FileNotFoundError) as e: dance_with_melody_to_corpus(data, tmp_path / "a", progress=False)
    one_line_error(e, "DANCE_C_2", "config.json", "skip_broken=True")
    with pytest.warns(UserWarning, match="left out 1 broken dance folders: DANCE_C_2"):
        index = dance_with_melody_to_corpus(data, tmp_path / "b", progress=False, skip_broken=True)
    assert [c["dance"] for c in index["clips"]] == ["DANCE_W_1"]
    index = dance_with_melody_to_corpus(data / "DANCE_W_1", tmp_path / "one", progress=False)   # one dance folder is a dataset too
    assert [c["id"] for c in index["clips"]] == ["DANCE_W_1_view0"]


# -- download -------------------------------------------------------------------------------------------------------

def repo_zip(path, stand_ins, lfs=False):
    "A zip laid out like GitHub's archive of the dataset's repository."
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("Music-to-Dance-Motion-Synthesis-master/Readme.md", "# Dataset\n")
        z.writestr("Music-to-Dance-Motion-Synthesis-master/utils/draw.py", "import cv2\n")
        z.writestr("Music-to-Dance-Motion-Synthesis-master/DANCE_W_1/notes.txt", "not wanted\n")
        for d in dance_with_melody_folders(stand_ins):
            for f in DWM_FILES:
                arc = f"Music-to-Dance-Motion-Synthesis-master/{d.name}/{f}"
                if lfs and f == "audio.mp3": z.writestr(arc, "version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 9\n")
                else: z.write(d / f, arc)
    return path


def test_download_from_a_local_copy_of_the_repository(stand_ins, tmp_path):
    url = repo_zip(tmp_path / "master.zip", stand_ins).as_uri()
    dest = download_dance_with_melody(tmp_path / "dl", url=url)
    assert sorted(p.name for p in dest.iterdir()) == ["DANCE_C_2", "DANCE_W_1", "downloads"]
    assert sorted(p.name for p in (dest / "DANCE_W_1").iterdir()) == sorted(DWM_FILES)
    for f in DWM_FILES: assert (dest / "DANCE_W_1" / f).read_bytes() == (stand_ins / "DANCE_W_1" / f).read_bytes()
    fetched = []
    download_dance_with_melody(dest, url=url, fetch=lambda u, p: fetched.append(u))
    assert fetched == []                                                    # the zip is there: nothing fetched again
    index = dance_with_melody_to_corpus(dest, tmp_path / "corpus", progress=False)
    assert len(index["clips"]) == 2


def test_download_tries_the_main_branch_when_there_is_no_master(stand_ins, tmp_path):
    import urllib.error
    from music2pose.data import DWM_URLS
    archive = repo_zip(tmp_path / "main.zip", stand_ins)
    asked = []
    def github(url, path):
        asked.append(url)
        if url.endswith("/master"): raise urllib.error.HTTPError(url, 404, "Not Found", {}, None)
        path.parent.mkdir(parents=True, exist_ok=True); path.write_bytes(archive.read_bytes())
    dest = download_dance_with_melody(tmp_path / "dl", fetch=github)
    assert asked == list(DWM_URLS) and len(dance_with_melody_folders(dest)) == 2
    def gone(url, path): raise urllib.error.HTTPError(url, 404, "Not Found", {}, None)
    with pytest.raises(ValueError) as e: download_dance_with_melody(tmp_path / "x", fetch=gone)
    one_line_error(e, "HTTP 404", "url=")


def test_download_errors(stand_ins, tmp_path):
    lfs = repo_zip(tmp_path / "lfs.zip", stand_ins, lfs=True).as_uri()
    with pytest.raises(ValueError) as e: download_dance_with_melody(tmp_path / "a", url=lfs)
    one_line_error(e, "Git LFS pointer", "git clone")
    (tmp_path / "other.zip").write_bytes(b"")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as z: z.writestr("repo-main/README.md", "hi")
    with pytest.raises(ValueError) as e: download_dance_with_melody(tmp_path / "b", url=(tmp_path / "other.zip").as_uri())
    one_line_error(e, "has no DANCE_*")
    (tmp_path / "c" / "downloads").mkdir(parents=True)
    (tmp_path / "c" / "downloads" / "Music-to-Dance-Motion-Synthesis.zip").write_bytes(b"half a zip")
    fetched = download_dance_with_melody(tmp_path / "c", url=repo_zip(tmp_path / "m.zip", stand_ins).as_uri())
    assert len(dance_with_melody_folders(fetched)) == 2                    # a damaged zip is fetched again


# -- the real dances ------------------------------------------------------------------------------------------------

@needs_real
def test_every_real_dance_reads_and_its_front_view_stays_in_the_frame():
    folders = dance_with_melody_folders(REAL)
    assert len(folders) >= 37
    for f in folders:
        dance = read_dance_with_melody(f)
        assert dance.end - dance.start - 60 <= len(dance.world) <= dance.end - dance.start, f.name
        seq = dance_with_melody_poses(dance, 0, fps=30)
        assert np.isfinite(seq.keypoints).all() and (seq.keypoints >= 0).all() and (seq.keypoints <= 1).all(), f.name


@needs_real
@pytest.mark.parametrize("name", ["DANCE_C_2", "DANCE_R_4", "DANCE_T_5", "DANCE_W_8"])
def test_real_left_side_is_on_the_image_right_when_facing_the_phone(name):
    "Facing judged by the feet (heel -> toe), not by the shoulders the mapping names: left shoulder and hip on image right."
    dance = read_dance_with_melody(REAL / name)
    cam = dance_with_melody_camera(dance, 0)
    flat = lambda v: (v * [1, 0, 1]) / np.linalg.norm(v * [1, 0, 1], axis=-1, keepdims=True)
    feet = flat(flat(dance.world[:, 11] - dance.world[:, 10]) + flat(dance.world[:, 20] - dance.world[:, 19]))
    toward = (feet * flat(cam.position - dance.world[:, 2])).sum(-1) > 0.7
    seq = dance_with_melody_poses(dance, 0, fps=DWM_FPS)
    x = seq.keypoints[..., 0]
    ok = (x[:, OPENPOSE18.index("left_shoulder")] > x[:, OPENPOSE18.index("right_shoulder")]) & \
         (x[:, OPENPOSE18.index("left_hip")] > x[:, OPENPOSE18.index("right_hip")])
    assert toward.sum() > 25 and ok[toward].mean() > 0.95


@needs_real
def test_real_corpus_music_is_the_danced_part_and_as_long_as_the_dance(tmp_path):
    index = dance_with_melody_to_corpus(REAL / "DANCE_W_24", tmp_path / "c", views=(0,), progress=False)
    c = index["clips"][0]
    seq = load_npz(tmp_path / "c" / c["poses"])
    assert len(seq) == int(970 / DWM_FPS * 30)
    assert abs(sf.info(tmp_path / "c" / c["audio"]).duration - len(seq) / 30) < 1 / 30
    assert c["song_offset"] == 134 / DWM_FPS
