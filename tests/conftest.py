"""Suite-wide settings."""

import os

from hypothesis import settings

# In CI, property tests replay the same examples every run, so a landing is not decided by
# which random inputs came up; locally they explore new inputs each run.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
