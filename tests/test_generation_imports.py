"What `music2pose generate` imports: not diffusers (two seconds of every run, for the DiT blocks, the VAE and the scheduler we write out ourselves)."
import subprocess
import sys


def test_the_generation_path_imports_no_diffusers():
    code = ("import sys\n"
            "from music2pose.pipeline import Music2PosePipeline\n"
            "from music2pose.render import write_video\n"
            "import music2pose.cli\n"
            "pipe = Music2PosePipeline.from_pretrained()\n"
            "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in ('diffusers', 'librosa', 'accelerate', 'nbdev')}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", f"generation imported {out}"
