"""The sweep bench still runs end to end; this checks its summary lines, never its speed."""

from __future__ import annotations

import re

import pytest

from bench import sweep

SUMMARY = re.compile(
    r"backend=(?P<backend>sqlite|postgresql) nudges_per_s=\d+\.\d "
    r"roundtrips_per_1000=\d+\.\d\d peak_mb=\d+\.\d"
)


def test_a_small_run_ends_with_one_summary_line_per_database_sqlite_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = sweep.main(["--nudges", "300"])

    lines = capsys.readouterr().out.strip().splitlines()
    tail = [line for line in lines if line.startswith("backend=")]
    backends = [match["backend"] for match in map(SUMMARY.fullmatch, tail) if match]
    assert status == 0
    assert lines[-len(tail) :] == tail
    assert backends in (["sqlite"], ["sqlite", "postgresql"]), lines
