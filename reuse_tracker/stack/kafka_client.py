"""kafka-python, imported without its import-time DeprecationWarning.

kafka-python 3.0.12 calls `importlib.resources.read_text` (and `open_text`) while defining its
protocol classes, which warns on Python 3.11 and fails a test run that turns warnings into
errors. Import the kafka-python names used by the stack (and its tests) from here.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", message=r"\w+ is deprecated\. Use files\(\) instead", category=DeprecationWarning
    )
    import kafka.errors as kafka_errors
    from kafka import KafkaAdminClient, KafkaProducer
    from kafka.admin import OffsetSpec

__all__ = ["KafkaAdminClient", "KafkaProducer", "OffsetSpec", "kafka_errors"]
