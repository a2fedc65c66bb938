"""Measurement helpers of run_benchmarks.py and run_ct_pipeline.py: one child process timed through child_rusage.py,
medians, page-cache and memory preparation, the gzip codec of the floors, the PNG floor program. Not run on its own."""
import ctypes
import json
import os
import shutil
import statistics
import subprocess
import sys
import zlib

import numpy as np

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))


class Run:
    """One measured child process (median over repeats when merged)."""

    def __init__(self, wall, cpu, rss_kib, status, log, walls=None, steal=0.0, iowait=0.0):
        self.wall, self.cpu, self.rss_kib, self.status, self.log = wall, cpu, rss_kib, status, log
        self.walls = walls if walls is not None else [wall]
        # Machine-wide CPU seconds the hypervisor gave to others (steal) and spent idle waiting for I/O during
        # the run: noise the runner did not cause (steal) or waited on (iowait).
        self.steal, self.iowait = steal, iowait

    @property
    def ok(self):
        return self.status == 0

    @staticmethod
    def median(runs):
        failed = [r for r in runs if not r.ok]
        if failed:
            return failed[0]
        return Run(statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs),
                   statistics.median(r.rss_kib for r in runs), 0, runs[-1].log, [r.wall for r in runs],
                   max(r.steal for r in runs), max(r.iowait for r in runs))


def pretouch(gib):
    """Writes one byte per 4 KiB page of `gib` GiB of fresh anonymous memory, then frees it.

    On a VM with free page reporting (virtio-balloon; Linux reports free 2 MiB blocks after about 2 s), memory that
    stayed free is handed back to the host, and the first write to each of its pages then costs a host fault. The
    kernel puts reported pages back at the tail of its free lists, so pages freed just now are handed out first:
    after this call the next program's new pages (its page-cache writes above all) are mostly ones the guest still
    holds. It lowers the noise but does not remove it (BENCHMARKS.md). Done untimed before every run of every
    runner."""
    if gib <= 0:
        return
    block = np.empty(int(gib * (1 << 30)), dtype=np.uint8)
    block[::4096] = 1
    del block


def cpu_counters():
    """(steal, iowait) CPU seconds of the whole machine so far, from /proc/stat; (0, 0) where it is missing."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        ticks = os.sysconf("SC_CLK_TCK")
        return int(fields[8]) / ticks, int(fields[5]) / ticks
    except (OSError, ValueError, IndexError):
        return 0.0, 0.0


def measure(command, log_path, pretouch_gib=0.0):
    """Runs command (stdout+stderr to log_path) through child_rusage.py and returns its wall time, CPU time and
    peak RSS (os.wait4 in the import-free launcher, so the runner's own size does not leak into ru_maxrss)."""
    result_path = log_path + ".rusage.json"
    launcher = [sys.executable, "-I", "-S", os.path.join(BENCH_DIR, "child_rusage.py"), result_path]
    # Flush what earlier runs left dirty in the page cache (untimed), so that one run's writeback does not
    # throttle the next: every runner starts from the same clean cache state.
    os.sync()
    pretouch(pretouch_gib)
    steal_before, iowait_before = cpu_counters()
    with open(log_path, "wb") as log:
        status = subprocess.run(launcher + command, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL).returncode
    steal_after, iowait_after = cpu_counters()
    try:
        with open(result_path) as f:
            usage = json.load(f)
    except (OSError, ValueError):
        return Run(0.0, 0.0, 0, status if status else 1, log_path)
    return Run(usage["wall"], usage["user"] + usage["sys"], usage["maxrss_kib"], usage["status"], log_path,
               steal=steal_after - steal_before, iowait=iowait_after - iowait_before)


def log_tail(path, lines=12):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:]).rstrip()
    except OSError:
        return "(no log)"


def warm_page_cache(paths):
    for path in paths:
        with open(path, "rb") as f:
            while f.read(1 << 24):
                pass


def build_png_floor(build_dir):
    """Compiles Benchmarks/png_floor.c into `build_dir` with `cc` (or the Swift toolchain's `clang`) and libpng;
    returns the program's path, or None (with a note on stderr) without a C compiler or libpng's header."""
    program = os.path.join(build_dir, "png_floor")
    compiler = shutil.which("cc") or shutil.which("clang") or "cc"
    command = [compiler, "-O2", "-o", program, os.path.join(BENCH_DIR, "png_floor.c"), "-lpng"]
    try:
        subprocess.run(command, check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        print(f"  floor    PNG floor not built: {' '.join(command)}: {detail.strip()}", file=sys.stderr)
        return None
    return program


def measure_png_floor(program, inputs):
    """Single-core seconds libpng (and the zlib it links) takes to decode the rows of every PNG (png_floor without
    options), or None when the program is missing or fails."""
    if program is None:
        return None
    try:
        result = subprocess.run([program, *inputs], check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"  floor    PNG floor failed: {getattr(error, 'stderr', '') or error}", file=sys.stderr)
        return None
    return json.loads(result.stdout)


class Deflate:
    """gzip inflate/deflate level 1 through libdeflate.so.0 (ctypes) or, when it does not load, Python's zlib."""

    def __init__(self):
        self.library = None
        try:
            lib = ctypes.CDLL("libdeflate.so.0")
        except OSError:
            self.name = f"zlib {zlib.ZLIB_RUNTIME_VERSION} level 1 (Python zlib; libdeflate.so.0 not loadable)"
            return
        size_t, void = ctypes.c_size_t, ctypes.c_void_p
        lib.libdeflate_alloc_decompressor.restype = void
        lib.libdeflate_gzip_decompress.argtypes = [void, void, size_t, void, size_t, ctypes.POINTER(size_t)]
        lib.libdeflate_gzip_decompress.restype = ctypes.c_int
        lib.libdeflate_alloc_compressor.argtypes = [ctypes.c_int]
        lib.libdeflate_alloc_compressor.restype = void
        lib.libdeflate_gzip_compress_bound.argtypes = [void, size_t]
        lib.libdeflate_gzip_compress_bound.restype = size_t
        lib.libdeflate_gzip_compress.argtypes = [void, void, size_t, void, size_t]
        lib.libdeflate_gzip_compress.restype = size_t
        self.decompressor = lib.libdeflate_alloc_decompressor()
        self.compressor = lib.libdeflate_alloc_compressor(1)
        if not self.decompressor or not self.compressor:
            raise MemoryError("libdeflate allocation failed")
        self.library = lib
        self.name = "libdeflate level 1 (ctypes, libdeflate.so.0)"

    def inflate(self, data):
        if self.library is None:
            return zlib.decompress(data, 31)
        size = int.from_bytes(data[-4:], "little")  # ISIZE: the inputs are < 4 GiB
        source = np.frombuffer(data, dtype=np.uint8)
        out = np.empty(size, dtype=np.uint8)
        actual = ctypes.c_size_t(0)
        status = self.library.libdeflate_gzip_decompress(self.decompressor, source.ctypes.data, source.size,
                                                         out.ctypes.data, out.size, ctypes.byref(actual))
        if status != 0 or actual.value != size:
            raise ValueError(f"libdeflate_gzip_decompress failed (status {status})")
        return out

    def deflate(self, data):
        """The gzip member (bytes, or a uint8 array viewing the output buffer)."""
        if self.library is None:
            packer = zlib.compressobj(1, zlib.DEFLATED, 31)
            return packer.compress(data) + packer.flush()
        source = np.frombuffer(data, dtype=np.uint8)
        out = np.empty(self.library.libdeflate_gzip_compress_bound(self.compressor, source.size), dtype=np.uint8)
        written = self.library.libdeflate_gzip_compress(self.compressor, source.ctypes.data, source.size,
                                                        out.ctypes.data, out.size)
        if written == 0:
            raise ValueError("libdeflate_gzip_compress failed")
        return out[:written]
