"""The Spreadsheets contract (tests/workspace/test_contract.py) on the sandbox account."""

from live_harnesses import contract_tests
from workspace import test_contract

globals().update(contract_tests(test_contract, "harness", "workspace", "seed", "new_reference"))
