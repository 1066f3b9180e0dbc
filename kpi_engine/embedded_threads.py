"""How many threads an embedded DuckDB may use under a memory limit.

DuckDB starts one thread per core, and each thread reading a large JSON file holds a
read buffer of up to 32 MB of its own. Under a limit of a few hundred MB a machine with
many cores therefore runs out of memory where a two-core one does not: the Shopify bulk
mapping, 50,000 orders under 200 MB, succeeded with 2 and 3 threads and failed with 4,
8 and 16. The threads are capped by the limit, so that every machine stays within what
was measured.
"""

from __future__ import annotations

import os
import re

MB_PER_THREAD = 64  # a read buffer, its parsed values and the operators' own state
_UNITS = {"KB": 1e-3, "MB": 1.0, "GB": 1e3, "KIB": 1.024e-3, "MIB": 1.048576,
          "GIB": 1073.741824}
_LIMIT = re.compile(r"^\s*(\d{1,6}(?:\.\d+)?)\s?([KMG]i?B)\s*$", re.IGNORECASE)


def limit_mb(limit: str) -> float:
    """'200MB' -> 200.0, '1.5GB' -> 1500.0, '512MiB' -> 536.9 (DuckDB's units)."""
    match = _LIMIT.match(limit)
    if match is None:
        raise ValueError(f"not a memory size: {limit!r:.40} (e.g. 512MB, 2GB)")
    return float(match.group(1)) * _UNITS[match.group(2).upper()]


def threads_within(limit: str, cores: int | None = None) -> int:
    """Threads for a DuckDB working under ``limit``: one per core, at most one per
    MB_PER_THREAD of the limit beyond the first (which the database itself uses), at
    least one."""
    cores = cores or os.cpu_count() or 1
    return max(1, min(cores, int(limit_mb(limit) // MB_PER_THREAD) - 1))
