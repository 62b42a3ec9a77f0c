"""The org chart and the running bot of the end-to-end tests, reused for bad input.

Re-exported rather than copied, so both suites drive the same people (UMGR manages
UALICE; UOLLE and UHR report to UCEO; UHR is HR) through the same server set-up.
"""

from __future__ import annotations

from tests.e2e.conftest import people, slack_bot

__all__ = ["people", "slack_bot"]
