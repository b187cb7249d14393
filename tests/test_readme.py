"""The README's example runs as written (from a scratch folder, with the repo's sample data)."""
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_readme_python_examples_run(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(), re.S)
    assert blocks, "README.md has no python example"
    monkeypatch.chdir(tmp_path)
    for code in blocks:
        exec(compile(code.replace('"data_samples/', f'"{REPO}/data_samples/'), "README.md", "exec"), {})
    assert (tmp_path / "frame0.png").stat().st_size > 1000
