#!/usr/bin/env python3
"""Runs one command and writes its wall time, CPU time and peak RSS as JSON; used by run_benchmarks.py.

Why a separate, import-free launcher: Linux records the RSS high-water mark of a process image that is replaced by
exec into the new program's ru_maxrss, so a command spawned straight from the benchmark runner (≈ 40 MiB with numpy
and nibabel loaded) never reports less than the runner's own size. Started as `python3 -I -S` this launcher is
≈ 8 MiB, the floor every measured peak RSS carries (run_benchmarks.py measures /bin/true through it and reports it).

How to run:  python3 -I -S Benchmarks/child_rusage.py RESULT.json COMMAND [ARG ...]
The command inherits stdin/stdout/stderr. RESULT.json gets {"wall": s, "user": s, "sys": s, "maxrss_kib": n,
"status": exit status} from os.wait4 (user/sys include descendants the command reaped; maxrss is the largest of the
command and those descendants). The launcher exits with the command's exit status.
"""
import json
import os
import sys
import time


def main():
    if len(sys.argv) < 3:
        print("usage: child_rusage.py RESULT.json COMMAND [ARG ...]", file=sys.stderr)
        return 2
    result_path, command = sys.argv[1], sys.argv[2:]
    start = time.perf_counter()
    try:
        pid = os.posix_spawnp(command[0], command, os.environ)
    except OSError as error:
        print(f"{command[0]}: {error}", file=sys.stderr)
        return 127
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    with open(result_path, "w") as f:
        json.dump({"wall": wall, "user": usage.ru_utime, "sys": usage.ru_stime, "maxrss_kib": usage.ru_maxrss,
                   "status": code}, f)
    return code if 0 <= code < 256 else 128 + (-code)


if __name__ == "__main__":
    sys.exit(main())
