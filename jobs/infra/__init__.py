"""What every job runs inside: logging, and one run per program at a time."""
