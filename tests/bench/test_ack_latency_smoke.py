"""The ack-latency bench still runs end to end; this checks its output, never its speed."""

from __future__ import annotations

import re

import pytest

from bench import ack_latency

SUMMARY = re.compile(
    r"p50_ms=(?P<p50>\d+\.\d) p99_ms=(?P<p99>\d+\.\d) "
    r"bare_p99_ms=(?P<bare>\d+\.\d) ratio_p99=(?P<ratio>\d+\.\d\d)"
)


def test_a_small_run_ends_with_the_summary_line_of_four_numbers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    arguments = ["--requests", "20", "--concurrency", "5", "--managers", "3", "--reports", "2"]

    status = ack_latency.main(arguments)

    output = capsys.readouterr().out
    last_line = output.strip().splitlines()[-1]
    assert status == 0
    match = SUMMARY.fullmatch(last_line)
    assert match is not None, last_line
    assert float(match["p99"]) >= float(match["p50"]) > 0
    assert float(match["bare"]) > 0
    assert "unexpected" in output
    assert "answers were not the expected ack" not in output
