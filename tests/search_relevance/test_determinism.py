"""Same query, same documents -> the same ranked results: in another process (another
PYTHONHASHSEED, so another iteration order of every set and dict of strings), and however the
documents are split into index segments (a rebuild writes one; later changes add more)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("ranked_lists.py")


def _ranked(work: Path, seed: str, *extra: str) -> dict:
    work.mkdir()
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run([sys.executable, str(SCRIPT), str(work), *extra], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _differences(a: dict, b: dict) -> list[str]:
    return [f"{q}: {a[q]} != {b.get(q)}" for q in a if a[q] != b.get(q)]


def test_results_do_not_depend_on_the_hash_seed_or_the_segments(tmp_path):
    one = _ranked(tmp_path / "seed1", "1")
    other = _ranked(tmp_path / "seed2", "2", "--segments")
    assert len(one) > 150
    assert sum(1 for total, _top in one.values() if total) > 100  # the part of the catalogue answers most
    assert not _differences(one, other), "\n".join(_differences(one, other)[:20])
