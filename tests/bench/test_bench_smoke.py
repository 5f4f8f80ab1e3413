"""The benchmark script runs end to end and counts only 200s (it proves the script, not a speed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "mock_throughput.py"


@pytest.mark.slow
def test_benchmark_prints_a_ratio_and_measures_only_200s(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    finished = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--duration=1",
            "--warmup=0.3",
            "--connections=8",
            "--tool=python",
            "--targets=baseline,mock",
            f"--json={results}",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    output = finished.stdout + finished.stderr
    assert finished.returncode == 0, output
    assert "ratio mock/baseline:" in finished.stdout, output
    data = json.loads(results.read_text(encoding="utf-8"))
    assert data["problems"] == [], output
    assert "baseline" in data["targets"], output
    for name, target in data["targets"].items():
        assert target["ok"] > 0, name
        assert target["not_ok"] == 0, name
        if target["journal_rows"] is not None:
            assert target["journal_rows"] == target["ok"], name
