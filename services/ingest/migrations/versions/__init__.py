"""Revisions of the ingest schema, oldest first: `<service>_<NNNN>_<slug>.py`."""
