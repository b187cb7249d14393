"""What `music2pose generate` imports: the number of modules loaded, the music2pose modules among them, and import time.

    python benchmarks/generate_imports.py [SONG] [--seconds 5]

Runs the command in a fresh interpreter (as a user would) and counts `sys.modules` when it has finished;
the generation path must not load the trainer (`train`, `data`, `choreo`, `synth`, `metrics`, `evaluate`).
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRAINING_ONLY = ("train", "data", "choreo", "synth", "metrics", "evaluate", "study", "tempo")
PROBE = r"""
import json, sys, time
t0 = time.perf_counter()
from music2pose.cli import main
t_import = time.perf_counter() - t0
rc = main(sys.argv[1:])
mods = sorted(m for m in sys.modules if m.startswith("music2pose"))
print(json.dumps({"rc": rc, "modules": len(sys.modules), "music2pose": mods, "cli_import_s": t_import,
                  "diffusers": sum(m.startswith("diffusers") for m in sys.modules), "librosa": "librosa" in sys.modules}))
"""

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("song", nargs="?", default=str(REPO / "data_samples" / "music" / "song_100to140bpm_30s.flac"))
    p.add_argument("--seconds", type=float, default=5.0)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-c", PROBE, "generate", args.song, "-o", str(Path(tmp) / "out"), "--seconds", str(args.seconds), "-q"]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    r = json.loads(out)
    loaded = [m.split(".", 1)[1] for m in r["music2pose"] if "." in m]
    print(f"modules loaded: {r['modules']} (diffusers {r['diffusers']}, librosa {'yes' if r['librosa'] else 'no'}); "
          f"cli import {r['cli_import_s']:.2f} s; exit {r['rc']}")
    print(f"music2pose modules ({len(loaded)}): {', '.join(loaded)}")
    print(f"training-only modules loaded: {', '.join(m for m in loaded if m in TRAINING_ONLY) or 'none'}")
