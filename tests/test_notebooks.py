"""Each notebook in `nbs/` is one pytest item, executed the way `nbdev-test` executes it.

nbdev-test runs a notebook top to bottom in an execnb `CaptureShell` with `IN_TEST=1`, skipping
`#| eval: false` cells and cells carrying a flag from `tst_flags` in pyproject.toml. We select the
cells with nbdev's own `nb_test_cells`, so the two can never disagree about what runs, and then run
them one at a time so that a failure names the notebook and the cell.

Cells flagged with a test flag (e.g. `#| slow`) run when the flag is listed in `M2P_TEST_FLAGS`,
as `nbdev-test --flags slow` would run them.
"""
import os
from pathlib import Path

import pytest

nbdev_config = pytest.importorskip("nbdev.config")
from nbdev.test import nb_test_cells
from execnb.shell import CaptureShell

REPO = Path(__file__).resolve().parents[1]
CFG = nbdev_config.get_config(REPO)
NOTEBOOKS = sorted(p for p in Path(CFG.nbs_path).glob("*.ipynb") if not p.name.startswith("_"))


def _flags(value):
    return value.split() if isinstance(value, str) else list(value or [])


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook(notebook, monkeypatch):
    skip_flags, force_flags = _flags(CFG.tst_flags), _flags(os.environ.get("M2P_TEST_FLAGS", ""))
    cells = nb_test_cells(notebook, skip_flags, force_flags)
    monkeypatch.setenv("IN_TEST", "1")
    monkeypatch.chdir(notebook.parent)
    monkeypatch.syspath_prepend(str(CFG.config_path))
    shell = CaptureShell(notebook, profile=bool(CFG.exec_profile))
    try:
        for cell in cells:
            shell.cell(cell, timeout=CFG.cell_timeout or None)
            if shell.exc is not None:
                number = cell.idx_ + 1
                source = "\n".join("    " + line for line in cell.source.splitlines())
                pytest.fail(f"{notebook.name}, cell #{number} failed:\n{source}\n\n{shell.prettytb(fname=notebook)}",
                            pytrace=False)
    finally:
        shell.close()
