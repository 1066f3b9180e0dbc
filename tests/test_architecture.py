"""Architecture contracts (pyproject [tool.importlinter]) and module size hygiene."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_import_contracts_are_kept():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_no_giant_modules():
    sizes = {p: len(p.read_text(encoding="utf-8").splitlines())
             for folder in ("kpi_engine", "plugins") for p in (ROOT / folder).rglob("*.py")}
    too_big = {str(p.relative_to(ROOT)): n for p, n in sizes.items() if n > 600}
    assert not too_big, f"split these modules: {too_big}"
