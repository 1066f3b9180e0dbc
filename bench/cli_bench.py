"""Start-up time of the ``kpi`` command, as a user waits for it.

Runs whole ``kpi`` processes (``--help``, ``list``, ``compile aov``) several times, cold
(an empty cache folder: no registry nor compiled SQL) and warm (the cache filled by a
previous run: a warm ``compile aov`` is served by the compile cache), also ``compile
aov`` in a folder with a ``kpi.yaml`` (read from the project cache when warm), and prints the
median wall time and CPU time of each, beside two baselines measured in the same run: a
bare ``python -c pass`` and ``python -c "import sqlglot, pydantic"`` (what compiling
cannot avoid). Ratios against the interpreter's own start-up are what to compare between
machines and runs; the machine is shared and noisy, so CPU time is the steadier figure.

    python bench/cli_bench.py                    # this checkout's kpi
    python bench/cli_bench.py --kpi OTHER/.venv/bin/kpi --kpi .venv/bin/kpi   # before/after
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = (("--help",), ("list",), ("compile", "aov"))
# Also run in a project folder (a kpi.yaml with settings, as most users have one).
PROJECT_COMMANDS = (("compile", "aov"),)
PROJECT_FILE = "timezone: Asia/Ho_Chi_Minh\nweek_start: sunday\nschema: shop\n"


def run_once(argv: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) for one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {proc.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(argv: list[str], env: dict[str, str], cwd: str, repeat: int,
            cold_cache: str | None = None) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        if cold_cache:  # the registry cache's entries and the compile cache's folder
            for entry in Path(cold_cache).glob("*"):
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        wall, cpu = run_once(argv, env, cwd)
        walls.append(wall)
        cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


def python_of(kpi: str) -> str:
    """The interpreter of a ``kpi`` console script (its shebang)."""
    first = Path(kpi).read_text().splitlines()[0]
    return first[2:].strip() if first.startswith("#!") else sys.executable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kpi", action="append",
                        help="kpi executable to measure (repeatable; default: beside python)")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    kpis = args.kpi or [str(Path(sys.executable).with_name("kpi"))]
    work = tempfile.mkdtemp(prefix="kpi-cli-bench-")  # no kpi.yaml: the shipped catalog
    project = tempfile.mkdtemp(prefix="kpi-cli-bench-project-")
    Path(project, "kpi.yaml").write_text(PROJECT_FILE)
    rows: list[tuple[str, str, float, float]] = []
    # As a user runs it: bytecode is written and reused (pip compiles installed packages;
    # an editable install writes __pycache__ on first import). PYTHONDONTWRITEBYTECODE
    # would measure compiling every module from source on every run instead.
    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith("KPI_") and k != "PYTHONDONTWRITEBYTECODE"}

    py = python_of(kpis[0])
    rows.append(("baseline", "python -c pass",
                 *measure([py, "-c", "pass"], base_env, work, args.repeat)))
    rows.append(("baseline", "import sqlglot, pydantic",
                 *measure([py, "-c", "import sqlglot, pydantic"], base_env, work,
                          args.repeat)))
    for kpi in kpis:
        cache = tempfile.mkdtemp(prefix="kpi-cli-bench-cache-")
        env = {**base_env, "KPI_ENGINE_CACHE_DIR": cache}
        venv = Path(kpi).resolve().parent.parent  # e.g. checkout/.venv: "checkout/.venv"
        label = f"{venv.parent.name}/{venv.name}"
        runs = [(cmd, work, "") for cmd in COMMANDS]
        runs += [(cmd, project, " (kpi.yaml)") for cmd in PROJECT_COMMANDS]
        for cmd, cwd, where in runs:
            argv = [kpi, *cmd]
            rows.append((label, "cold  kpi " + " ".join(cmd) + where,
                         *measure(argv, env, cwd, args.repeat, cold_cache=cache)))
            run_once(argv, env, cwd)  # fill the cache
            rows.append((label, "warm  kpi " + " ".join(cmd) + where,
                         *measure(argv, env, cwd, args.repeat)))

    unit = rows[0][3] or 1e-9
    print(f"{'install':<22} {'command':<43} {'wall s':>8} {'cpu s':>8} {'cpu / python':>13}")
    for label, what, wall, cpu in rows:
        print(f"{label:<22} {what:<43} {wall:8.3f} {cpu:8.3f} {cpu / unit:13.1f}")
    print(f"(median of {args.repeat} runs each; machine: {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
