"""Revisions of the digitizer schema, oldest first: `<service>_<NNNN>_<slug>.py`."""
