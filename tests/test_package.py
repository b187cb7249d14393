"""The package stays light and in step with its notebooks."""
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import music2pose

REPO = Path(__file__).resolve().parents[1]
MODULES = [m.name for m in pkgutil.iter_modules(music2pose.__path__) if not m.name.startswith("_")]


def test_every_module_has_its_notebook():
    notebooks = {p.stem.split("_", 1)[1] for p in (REPO / "nbs").glob("[0-9][0-9]_*.ipynb")}
    assert set(MODULES) <= notebooks, f"modules without a notebook: {set(MODULES) - notebooks}"


def test_modules_import_without_nbdev():
    # Poison nbdev and fastcore.test in a fresh interpreter: importing any module must not touch them.
    code = ("import sys; sys.modules['nbdev'] = None; sys.modules['fastcore.test'] = None\n"
            f"import importlib\nfor m in {MODULES!r}: importlib.import_module('music2pose.' + m)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr


def test_version():
    assert music2pose.__version__.count(".") == 2
