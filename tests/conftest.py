"""Fixtures shared by the test modules that train tiny models on a tiny corpus (a module may define its own `corpus`)."""
import pytest
import torch

from music2pose.choreo import make_corpus


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
