"""The parsers as they were before their bulk fast paths (commit c491d72): each row and each
cell in a Python loop. Kept only as the oracle test_fast_paths.py compares the package's
parsers against, so their results and data issues are shown identical, not assumed."""
