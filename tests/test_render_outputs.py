"""Edge cases of music2pose.render: bad inputs, atomic writes that are interrupted, missing joints, layouts, laziness."""
import sys
from pathlib import Path

import numpy as np
import pytest

from music2pose import render
from music2pose.poses import PoseSequence
from music2pose.render import draw_skeleton_frames, media_info, video_size, write_frames, write_video

SONG = Path(__file__).resolve().parents[1] / "data_samples/corpus/songs/s0000.flac"


def dance(frames=20, layout="openpose18", fps=30.0, frame_size=(320, 240), seed=0):
    "A small random-walk dance around the centre of the frame."
    k = 18 if layout == "openpose18" else 17
    rng = np.random.default_rng(seed)
    base = 0.5 + 0.2 * rng.uniform(-1, 1, (1, k, 2))
    kp = base + 0.01 * np.cumsum(rng.normal(size=(frames, k, 2)), 0)
    return PoseSequence(kp.astype(np.float32), np.full((frames, k), 0.9, np.float32), fps=fps, layout=layout,
                        frame_size=frame_size)


def litter(folder: Path):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# -- bad inputs -------------------------------------------------------------------------------------------

def test_missing_audio(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such audio file"):
        write_video(dance(), tmp_path / "a.mp4", audio=tmp_path / "missing.wav", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_corrupt_audio(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(np.random.default_rng(0).bytes(4000))
    with pytest.raises(ValueError, match="ffmpeg cannot read this file"):
        write_video(dance(), tmp_path / "a.mp4", audio=bad, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.wav"]


def test_audio_file_without_audio_stream(tmp_path):
    picture = write_frames(dance(1), tmp_path / "f", size=(32, 32), progress=False)[0]
    with pytest.raises(ValueError, match="has no audio stream"):
        write_video(dance(), tmp_path / "a.mp4", audio=picture, progress=False)


def test_existing_output_is_kept_byte_identical(tmp_path):
    out = tmp_path / "a.mp4"
    out.write_bytes(b"precious bytes")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_video(dance(), out, progress=False)
    assert out.read_bytes() == b"precious bytes"
    assert litter(tmp_path) == []
    write_video(dance(), out, size=(64, 48), progress=False, overwrite=True)
    assert media_info(out)["video"]["codec"] == "h264"


def test_unwritable_folder(tmp_path, monkeypatch):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(NotADirectoryError, match="not a folder"):
        write_video(dance(), a_file / "a.mp4", progress=False)
    # root ignores permission bits, so make the temporary file fail the way a read-only folder does
    def refuse(*args, **kwargs): raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(render.tempfile, "mkstemp", refuse)
    with pytest.raises(PermissionError, match="cannot write a.mp4 in this folder"):
        write_video(dance(), tmp_path / "a.mp4", progress=False)


def test_zero_frames(tmp_path):
    with pytest.raises(ValueError, match="0 frames"):
        write_video(dance()[:0], tmp_path / "a.mp4", progress=False)
    with pytest.raises(ValueError, match="0 frames"):
        write_frames(dance()[:0], tmp_path / "f", progress=False)
    with pytest.raises(ValueError, match="0 frames"):
        render.animation_html(dance()[:0])
    assert list(draw_skeleton_frames(dance()[:0])) == []
    assert list(tmp_path.iterdir()) == []


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="style must be one of"):
        write_video(dance(), tmp_path / "a.mp4", style="cartoon", progress=False)
    with pytest.raises(ValueError, match="style must be one of"):
        write_frames(dance(), tmp_path / "f", style="cartoon", progress=False)
    with pytest.raises(ValueError, match="style must be one of"):
        draw_skeleton_frames(dance(), style="cartoon")  # checked before any frame is drawn
    with pytest.raises(ValueError, match="ending in .mp4"):
        write_video(dance(), tmp_path / "a.avi", progress=False)
    with pytest.raises(ValueError, match="size must be"):
        write_video(dance(), tmp_path / "a.mp4", size=(0, 10), progress=False)
    with pytest.raises(ValueError, match="fps must be"):
        write_video(dance(), tmp_path / "a.mp4", fps=-1, progress=False)
    with pytest.raises(ValueError, match="conf_threshold"):
        draw_skeleton_frames(dance(), conf_threshold=1.5)
    with pytest.raises(TypeError, match="PoseSequence"):
        draw_skeleton_frames(np.zeros((3, 18, 2)))
    assert list(tmp_path.iterdir()) == []


def test_odd_size_rounded_to_even(tmp_path):
    assert next(draw_skeleton_frames(dance(), size=(101, 61))).shape == (60, 100, 3)
    out = write_video(dance(10), tmp_path / "a.mp4", size=(101, 61), progress=False)
    v = media_info(out)["video"]
    assert (v["width"], v["height"]) == (100, 60)
    assert video_size((1001, 3001)) == (240, 720)  # default: longer side 720, both even


def test_audio_longer_than_video_is_cut(tmp_path):
    import imageio_ffmpeg
    out = write_video(dance(15), tmp_path / "a.mp4", audio=SONG, size=(64, 48), progress=False)
    info = media_info(out)
    assert info["audio"]["codec"] == "aac"
    assert abs(info["seconds"] - 0.5) < 0.05
    assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 15


# -- interrupted writes -------------------------------------------------------------------------------------

@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_interrupted_video_leaves_nothing(tmp_path, monkeypatch, error):
    draw = render._draw_skeleton
    calls = []
    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5: raise error("interrupted")
        return draw(*args, **kwargs)
    monkeypatch.setattr(render, "_draw_skeleton", failing)
    out = tmp_path / "a.mp4"
    with pytest.raises(error, match="interrupted"):
        write_video(dance(), out, audio=SONG, size=(64, 48), progress=False)
    assert list(tmp_path.iterdir()) == []
    # and an existing video that was to be overwritten survives unchanged
    out.write_bytes(b"old video"); calls.clear()
    with pytest.raises(error, match="interrupted"):
        write_video(dance(), out, size=(64, 48), progress=False, overwrite=True)
    assert out.read_bytes() == b"old video" and litter(tmp_path) == []


def test_interrupted_frames_leave_nothing(tmp_path, monkeypatch):
    draw = render._draw_skeleton
    calls = []
    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3: raise RuntimeError("interrupted")
        return draw(*args, **kwargs)
    monkeypatch.setattr(render, "_draw_skeleton", failing)
    with pytest.raises(RuntimeError, match="interrupted"):
        write_frames(dance(), tmp_path / "frames", size=(32, 24), progress=False)
    assert list(tmp_path.iterdir()) == []


def test_write_frames_refuses_foreign_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="pass overwrite=True"):
        write_frames(dance(2), tmp_path, progress=False)
    with pytest.raises(FileExistsError, match="holds other files"):
        write_frames(dance(2), tmp_path, progress=False, overwrite=True)
    assert (tmp_path / "notes.txt").read_text() == "mine"


# -- content ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("style", render.STYLES)
@pytest.mark.parametrize("layout", ["openpose18", "coco17"])
def test_missing_joints_and_layouts(style, layout):
    seq = dance(4, layout)
    kp, conf = seq.keypoints.copy(), seq.confidence.copy()
    kp[1, :5], conf[1, :5] = np.nan, 0   # some joints missing
    kp[2], conf[2] = np.nan, 0           # a frame with nobody
    conf[3, 3] = 0.1                     # below the threshold
    seq = seq.replace(keypoints=kp, confidence=conf)
    frames = list(draw_skeleton_frames(seq, size=(64, 48), style=style))
    assert [f.shape for f in frames] == [(48, 64, 3)] * 4
    background = frames[2][0, 0]
    assert (frames[2] == background).all()          # nobody: an empty canvas
    assert (frames[0] != background).any(-1).sum() > 20
    assert not np.array_equal(frames[0], frames[1])


def test_frames_are_drawn_lazily(monkeypatch):
    "A frame is drawn when it is asked for: counted, not timed (the speed of drawing is `benchmarks/speed.py`'s)."
    drawn = []
    real_drawer = render._frame_drawer
    def counting_drawer(*args, **kwargs):
        canvas, draw = real_drawer(*args, **kwargs)
        return canvas, lambda t: (drawn.append(t), draw(t))[1]
    monkeypatch.setattr(render, "_frame_drawer", counting_drawer)
    frames = draw_skeleton_frames(dance(10_000), size=(64, 48))
    assert drawn == [] and not isinstance(frames, (list, tuple))
    first = next(frames)
    assert drawn == [0] and first.shape == (48, 64, 3)
    next(frames)
    assert drawn == [0, 1]


# -- media_info, beat_plot, player ----------------------------------------------------------------------------

def test_media_info_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        media_info(tmp_path / "none.mp3")
    assert media_info(SONG)["audio"]["sample_rate"] == 22050


def test_beat_plot_errors():
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    try:
        with pytest.raises(ValueError, match="beats must be"):
            render.beat_plot(ax, 5.0, [[1, 2]])
        with pytest.raises(ValueError, match="onset must be"):
            render.beat_plot(ax, 5.0, [1.0], np.zeros((3, 3)), 10)
        render.beat_plot(ax, 5.0, [1.0, 9.0], np.zeros(50), 10)  # an all-zero envelope and a beat past the end
    finally:
        plt.close(fig)


def test_player_without_ipywidgets(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # makes `import ipywidgets` fail
    with pytest.raises(ImportError, match=r"pip install 'music2pose\[notebook\]'"):
        render.player(dance())


def test_player_coco17_openpose_style():
    pytest.importorskip("ipywidgets")
    w = render.player(dance(30, "coco17"), beats=[0.2, 0.6], style="openpose", size=(64, 48))
    play, slider, clock = w.children[0].children
    slider.value = 29
    assert clock.value == "0.97 s"
    assert bytes(w.children[1].value[:8]) == b"\x89PNG\r\n\x1a\n"


# -- the video's pixels -------------------------------------------------------------------------------------

@pytest.mark.parametrize("style", render.STYLES)
@pytest.mark.parametrize("layout", ["openpose18", "coco17"])
def test_video_decodes_to_the_drawing(tmp_path, style, layout):
    "Frames go to ffmpeg as palette images (pal8): every frame of the video decodes to its drawing, colours included."
    import imageio_ffmpeg
    seq = dance(8, layout, frame_size=(640, 360))
    out = write_video(seq, tmp_path / "a.mp4", style=style, size=(320, 180), progress=False)
    drawn = list(draw_skeleton_frames(seq, size=(320, 180), style=style))
    reader = imageio_ffmpeg.read_frames(str(out)); meta = next(reader)
    decoded = [np.frombuffer(f, np.uint8).reshape(180, 320, 3).astype(int) for f in reader]
    assert meta["size"] == (320, 180) and len(decoded) == len(drawn)
    luma = lambda rgb: rgb @ np.array([0.299, 0.587, 0.114])
    for got, want in zip(decoded, drawn):
        assert np.abs(got - want).mean() < 3                      # H.264 at crf 15 blurs edges a little
        # on the drawing, brightness survives at full resolution (yuv420p halves colour's, which smears thin lines)
        drawing = (want != want[0, 0]).any(-1)
        assert np.median(np.abs(luma(got) - luma(want))[drawing]) < 3
        # a palette or byte-order mix-up would swap colours: the mean colour of the drawing stays
        assert np.abs(got[drawing].mean(0) - want[drawing].mean(0)).max() < 12


def test_palettes_fit_pal8():
    "ffmpeg's pal8 holds 256 colours, and every index a drawing uses has its colour."
    for kind in ("openpose18", "coco17"):
        seq = dance(3, kind)
        for style in render.STYLES:
            _, palette, index = render._frame_indexer(seq, (64, 48), style, 0.3)
            assert len(palette) <= 256 and palette.dtype == np.uint8
            assert max(int(index(t).max()) for t in range(len(seq))) < len(palette)
    assert len(render.pal8_palette(render.OPENPOSE_PALETTE)) == 1024
