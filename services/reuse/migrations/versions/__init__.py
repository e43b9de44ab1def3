"""Revisions of the reuse schema, oldest first: `<service>_<NNNN>_<slug>.py`."""
