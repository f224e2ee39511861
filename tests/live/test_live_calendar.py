"""The Calendar contract (tests/workspace/test_calendar_contract.py) on the sandbox account."""

from live_harnesses import contract_tests
from workspace import test_calendar_contract

globals().update(contract_tests(test_calendar_contract, "calendar_harness"))

SKIPPED_ON_LIVE = {
    "test_busy_gives_a_persons_busy_time_inside_the_window_only": (
        "it makes the contract's fictional tutor busy, which only the fake can: a real "
        "account cannot write into another person's calendar"
    ),
}
