"""The Drive contract (tests/workspace/test_drive_contract.py) on the sandbox account."""

from live_harnesses import contract_tests
from workspace import test_drive_contract

globals().update(contract_tests(test_drive_contract, "drive_harness"))

# The tests that share no folder: they run even where Google refuses to share with the
# contract's fictional people (conftest.py's drive_harness).
SHARES_NOTHING = frozenset(
    {
        "test_the_root_must_exist",
        "test_a_template_that_is_not_there_is_named_before_anything_is_copied",
    }
)
