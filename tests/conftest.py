"""Fixtures shared by the test modules: SIGINT that reaches the commands they start, and for the modules that train tiny
models, one intra-op thread and a tiny corpus (a module may define its own `corpus`)."""
import signal

import pytest
import torch

from music2pose.choreo import make_corpus
from music2pose.data import corpus_clips, song_features
from music2pose.vae import PoseVAE, build_vae, get_vae_config


@pytest.fixture(scope="session", autouse=True)
def ctrl_c_reaches_child_processes():
    """SIGINT handled (as KeyboardInterrupt) in this process, so that the commands the tests start can hear Ctrl-C.
    A shell without job control (a script, CI, `pytest ... &`) starts a background command with SIGINT ignored; its
    children inherit that, and a Python started with SIGINT ignored never raises KeyboardInterrupt: a test that sends
    SIGINT would then wait for a command that cannot hear it. A handled signal is reset to the default at exec."""
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored: signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    if ignored: signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.fixture(scope="module")
def one_thread():
    "The tiny models here gain nothing from intra-op threads, and on a busy machine threads stall each other badly."
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    "Four synthetic clips of 9 seconds (`make_corpus`), one corpus per test module."
    root = tmp_path_factory.mktemp("corpus") / "c"
    make_corpus(root, n_clips=4, seconds=9, seed=0, progress=False)
    return root


@pytest.fixture(scope="module")
def vae_dir(tmp_path_factory):
    "An untrained tiny pose VAE (seed 0) saved as a folder: all a training run needs to be shown working."
    cfg = get_vae_config("tiny")
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("vae") / "pose_vae"
    PoseVAE(build_vae(cfg).eval(), cfg).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def featured_corpus(tmp_path_factory):
    """Three synthetic clips of 9 seconds over two songs (s0000_d1, s0000_d2, s0001_d1) with the songs' music features
    already in `<corpus>/features`, computed once for every module that reads them (datasets, held-out sets). Shared by
    the whole session: read it, never change it."""
    root = tmp_path_factory.mktemp("featured") / "corpus"
    make_corpus(root, n_clips=3, seconds=9, seed=0, dancers_per_song=2, progress=False)
    song_features(corpus_clips(root), 30.0, root / "features", progress=False)
    return root
