"""Does the dance follow the tempo? The same song at several tempi and one with an abrupt slow-to-fast change, danced
by a generator and by the procedural dancer: the motion-beat rate table (markdown) and two plots.

    python benchmarks/tempo_sweep.py --model default --tempi 80 100 120 140 160 --seconds 24 --change 80 140 --out tempo_sweep/

Every song is one synthetic song (nbs/05_synth) played at each tempo; the generator (a folder from `music2pose train`,
`default` for the shipped one, or `none` for the procedural dancer alone) dances each with one seed and the default
reference pose. Columns: set and tracked music tempo (BPM), motion beats per minute (autocorrelation of the joint
speed) and its clarity (near 1 steady, under 0.3 no real rate), motion beats per music beat, BAS against the song's
own beats. The change song gets a row before and a row after the change. `--out` receives rate_vs_tempo.png and
local_rate.png. See nbs/20_tempo.ipynb for what each number means.
"""
import argparse
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")   # a file, not a window: this runs on servers
import matplotlib.pyplot as plt
import torch

from music2pose.tempo import (format_tempo_table, plot_local_rate, plot_rate_vs_tempo, songs_at_tempi, tempo_change_song,
                              tempo_sweep, tempo_table)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()), epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="default", help="a generator folder, 'default' (the shipped one) or 'none' (procedural dancer only)")
    p.add_argument("--tempi", type=float, nargs="+", default=[80, 100, 120, 140, 160], help="music tempi (BPM) of the sweep")
    p.add_argument("--seconds", type=float, default=24.0, help="length of every song (s)")
    p.add_argument("--change", type=float, nargs=2, default=[80, 140], metavar=("FROM", "TO"), help="tempi (BPM) of the change song")
    p.add_argument("--steps", type=int, default=30, help="sampling steps of the generator")
    p.add_argument("--guidance", type=float, default=2.0)
    p.add_argument("--seed", type=int, default=0, help="the generator's seed, the same for every song")
    p.add_argument("--song-seed", type=int, default=0, help="which synthetic song")
    p.add_argument("--dancer-seed", type=int, default=0, help="which procedural dancer")
    p.add_argument("--window", type=float, default=4.0, help="window (s) of the local rate in the change plot")
    p.add_argument("--out", type=Path, default=Path("tempo_sweep"), help="folder for the two plots")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    generator = None if args.model.lower() == "none" else args.model
    try:
        started = time.time()
        songs = songs_at_tempi(args.tempi, args.seconds, seed=args.song_seed)
        change = tempo_change_song(*args.change, seconds=args.seconds, seed=args.song_seed)
        settings = dict(steps=args.steps, guidance=args.guidance, seed=args.seed, dancer_seed=args.dancer_seed, progress=False)
        sweep, change_sweep = tempo_sweep(songs, generator, **settings), tempo_sweep([change], generator, **settings)
        rows, change_rows = tempo_table(sweep), tempo_table(change_sweep)
    except (ValueError, FileNotFoundError) as e:
        print(f"tempo_sweep.py: {e}", file=sys.stderr)
        return 2
    print(f"model {sweep.settings['generator'] or 'none (procedural dancer only)'}, {args.steps} steps, guidance {args.guidance:g}, "
          f"seed {args.seed}; song seed {args.song_seed}, {args.seconds:g} s songs; procedural dancer {args.dancer_seed}; "
          f"{time.time() - started:.0f} s\n")
    print(format_tempo_table(rows), end="\n\n")
    print(format_tempo_table(change_rows))
    args.out.mkdir(parents=True, exist_ok=True)
    plot_rate_vs_tempo(rows + change_rows, title=f"{len(songs)} tempi and {change.label}, {args.steps} steps")
    plt.savefig(args.out / "rate_vs_tempo.png", dpi=120, bbox_inches="tight"); plt.close("all")
    plot_local_rate(change_sweep, window_s=args.window)
    plt.savefig(args.out / "local_rate.png", dpi=120, bbox_inches="tight"); plt.close("all")
    print(f"\nplots: {args.out / 'rate_vs_tempo.png'}, {args.out / 'local_rate.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
