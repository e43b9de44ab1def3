"""Kafka topic names: the publisher topics of the contract and the tracker's internal topics.

The public names are fixed by CONTRACT.md ("Topics"): each root publishes on
`dossier-events.<ROOT>` and the tracker answers refusals on `dossier-events.<ROOT>.rejected`.
The internal topics (ingest -> digitizer -> reuse) are the services' defaults; they can be
renamed through the TRACKER_*_TOPIC settings.
"""

from __future__ import annotations

import re

__all__ = [
    "DIGITIZED_TOPIC",
    "FACTS_TOPIC",
    "FILES_TOPIC",
    "INTERNAL_TOPICS",
    "PUBLISHER_PREFIX",
    "PUBLISHER_TOPIC",
    "PUBLISHER_TOPIC_PATTERN",
    "REJECTED_SUFFIX",
    "is_publisher_topic",
    "publisher_pattern",
    "publisher_topic",
    "rejected_topic",
    "root_of",
]

PUBLISHER_PREFIX = "dossier-events."
"""Every publisher topic starts with this; the root follows."""

REJECTED_SUFFIX = ".rejected"
"""A publisher topic plus this is where the tracker puts that topic's refused events."""

_ROOT = r"[A-Z0-9][A-Z0-9-]*"
# The prefix's only special character is the dot (spelled as the subscription has always had it).
_PREFIX_RE = PUBLISHER_PREFIX.replace(".", r"\.")

PUBLISHER_TOPIC = re.compile(_PREFIX_RE + _ROOT)
"""A publisher topic, whatever the root (use `fullmatch`: a rejected topic must not match)."""

PUBLISHER_TOPIC_PATTERN = f"^{PUBLISHER_TOPIC.pattern}$"
"""`PUBLISHER_TOPIC` anchored, for a pattern subscription (aiokafka matches with re.match)."""

FACTS_TOPIC = "tracker.facts"
"""Accepted events without a file, normalized by ingest."""

FILES_TOPIC = "tracker.files"
"""Accepted events that name a file, for the digitizer."""

DIGITIZED_TOPIC = "tracker.digitized"
"""File events with the digitizer's outcome."""

INTERNAL_TOPICS = (FACTS_TOPIC, FILES_TOPIC, DIGITIZED_TOPIC)


def publisher_topic(root: str) -> str:
    """`H44` -> `dossier-events.H44`."""
    return f"{PUBLISHER_PREFIX}{root}"


def rejected_topic(topic: str) -> str:
    """`dossier-events.H44` -> `dossier-events.H44.rejected`."""
    return f"{topic}{REJECTED_SUFFIX}"


def root_of(topic: str) -> str:
    """`dossier-events.H44` -> `H44`."""
    return topic.removeprefix(PUBLISHER_PREFIX)


def is_publisher_topic(topic: str) -> bool:
    """Whether `topic` is some root's publisher topic (not a rejected or internal one)."""
    return PUBLISHER_TOPIC.fullmatch(topic) is not None


def publisher_pattern(root: str) -> str:
    """An anchored pattern subscription matching exactly one root's publisher topic."""
    return f"^{_PREFIX_RE}{re.escape(root)}$"
