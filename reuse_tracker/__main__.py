"""`python -m reuse_tracker` is the `reuse-tracker` command."""

from reuse_tracker.cli import main

main()
