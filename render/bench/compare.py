#!/usr/bin/env python3
"""Side-by-side comparison of `cxr-auditor render` with chafa and img2sixel.

Run by `make bench-compare` (render part): whole-process time of rendering
the 2048x2048 synthetic benchmark radiograph (16-bit PNG, 8-bit PNG, baseline
JPEG, 12-bit DICOM; written by `genphantoms -bench`) as sixel at 512, 1024
and 1600 px, against chafa (and img2sixel where it reads the format), in
interleaved paired runs: each round runs every tool once, in turn, so load
from other processes falls on all of them alike. Prints median times and the
median of each round's ratio, for the wall time and for the CPU time
(user + system, which another core does not hide),
then output bytes and PSNR at 1024 px (8-bit PNG input, reference: the input
scaled with ImageMagick's Catmull-Rom). Usage:

    compare.py BIN DIR [ROUNDS]
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

FORMATS = [("16-bit PNG", "bench-png16.png"), ("8-bit PNG", "bench-png8.png"),
           ("baseline JPEG", "bench-jpeg.jpg"), ("12-bit DICOM", "bench-dicom12.dcm")]
WIDTHS = [512, 1024, 1600]


def tools(binary, path, width):
    cells = width // 8
    t = {"cx": [binary, "render", path, "--protocol", "sixel", "--width", str(width)],
         # chafa sizes in cells; 8x8 cells at font ratio 1 give WIDTH px.
         "chafa": ["chafa", "-f", "sixel", "--font-ratio", "1/1", "-s", f"{cells}x{cells * 2}", path]}
    if not path.endswith(".dcm"):  # libsixel has no DICOM loader
        t["img2sixel"] = ["img2sixel", "-w", str(width), path]
    return t


def timed(cmd):
    """Runs cmd; returns its wall time and its CPU time (user + system)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise subprocess.CalledProcessError(p.returncode, cmd)
    return wall, ru.ru_utime + ru.ru_stime


def psnr(ref, png):
    out = subprocess.run(["compare", "-metric", "PSNR", ref, png, "null:"], capture_output=True, text=True)
    return out.stderr.split()[0]


def main():
    binary, d = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    missing = [t for t in ("chafa", "img2sixel", "convert", "compare") if shutil.which(t) is None]
    if missing:
        print(f"bench-compare (render): skipped, missing {' '.join(missing)} "
              "(Debian: apt-get install chafa libsixel-bin imagemagick)")
        return
    print(f"render: whole process, sixel, median of {rounds} interleaved rounds; "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    print(f"{'input':14} {'px':>5} {'cx ms':>7} {'chafa ms':>9} {'cx/chafa':>9} {'CPU cx/chafa':>13} "
          f"{'img2sixel ms':>13} {'cx/img2sixel':>13}")
    for name, f in FORMATS:
        path = os.path.join(d, f)
        for w in WIDTHS:
            t = tools(binary, path, w)
            times = {k: [] for k in t}
            cpus = {k: [] for k in t}
            for k, cmd in list(t.items()):  # warm-up; a peer that cannot read the file is left out
                try:
                    timed(cmd)
                except subprocess.CalledProcessError:
                    if k == "cx":
                        raise
                    print(f"{name:14} {w:5} ({k} cannot read {f}: left out)")
                    del t[k], times[k], cpus[k]
            for _ in range(rounds):
                for k, cmd in t.items():
                    wall, cpu = timed(cmd)
                    times[k].append(wall)
                    cpus[k].append(cpu)
            med = {k: statistics.median(v) * 1e3 for k, v in times.items()}
            # The ratio is the median of each round's own ratio: a round's
            # runs are back to back, so a change of load between rounds
            # (common on a shared machine) cancels out.
            def ratio(other, of=times):
                return statistics.median(c / max(o, 1e-3) for c, o in zip(of["cx"], of[other]))
            row = f"{name:14} {w:5} {med['cx']:7.1f}"
            if "chafa" in med:
                row += f" {med['chafa']:9.1f} {ratio('chafa'):9.2f} {ratio('chafa', cpus):13.2f}"
            else:
                row += f" {'-':>9} {'-':>9} {'-':>13}"
            if "img2sixel" in med:
                row += f" {med['img2sixel']:13.1f} {ratio('img2sixel'):13.2f}"
            print(row, flush=True)

    path = os.path.join(d, "bench-png8.png")
    with tempfile.TemporaryDirectory() as tmp:
        print("\nrender: bytes and PSNR at 1024 px (8-bit PNG input)")
        outs = {"cx (local, 101 greys)": [binary, "render", path, "--protocol", "sixel", "--width", "1024", "--picture-quality", "full"],
                "cx (SSH, 24 greys)": [binary, "render", path, "--protocol", "sixel", "--width", "1024", "--picture-quality", "lean"],
                "img2sixel": ["img2sixel", "-w", "1024", path],
                "chafa": tools(binary, path, 1024)["chafa"]}
        base = None
        for k, cmd in outs.items():
            six = os.path.join(tmp, "out.six")
            with open(six, "wb") as fh:
                subprocess.run(cmd, stdout=fh, check=True)
            png = os.path.join(tmp, "out.png")
            subprocess.run(["convert", six, png], check=True)
            size = subprocess.run(["identify", "-format", "%wx%h", png], capture_output=True, text=True).stdout
            ref = os.path.join(tmp, "ref.png")
            subprocess.run(["convert", path, "-filter", "Catrom", "-resize", size + "!", "-colorspace", "Gray", ref], check=True)
            n = os.path.getsize(six)
            base = base or n
            print(f"{k:24} {n:8d} bytes ({n / base:4.2f}x)  {size:>10}  PSNR {psnr(ref, png)} dB")


if __name__ == "__main__":
    main()
