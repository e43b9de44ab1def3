"""Topic names: CONTRACT.md's publisher and rejected topics, and the internal defaults."""

from __future__ import annotations

import re

import pytest

from schemas.topics import (
    INTERNAL_TOPICS,
    PUBLISHER_TOPIC_PATTERN,
    is_publisher_topic,
    publisher_pattern,
    publisher_topic,
    rejected_topic,
    root_of,
)


def test_the_contract_spelling() -> None:
    assert publisher_topic("H44") == "dossier-events.H44"
    assert rejected_topic(publisher_topic("H44")) == "dossier-events.H44.rejected"
    assert root_of("dossier-events.H44") == "H44"
    assert INTERNAL_TOPICS == ("tracker.facts", "tracker.files", "tracker.digitized")


@pytest.mark.parametrize(
    ("topic", "publisher"),
    [
        ("dossier-events.H44", True),
        ("dossier-events.BO-TU-PHAP", True),
        ("dossier-events.H44.rejected", False),
        ("dossier-events.h44", False),
        ("dossier-eventsXH44", False),
        ("tracker.facts", False),
    ],
)
def test_which_topics_are_publisher_topics(topic: str, publisher: bool) -> None:
    assert is_publisher_topic(topic) is publisher
    # The subscription pattern is matched with re.match, as aiokafka does.
    assert (re.match(PUBLISHER_TOPIC_PATTERN, topic) is not None) is publisher


def test_one_root_pattern_matches_that_root_only() -> None:
    pattern = publisher_pattern("B1A2C")
    assert re.match(pattern, "dossier-events.B1A2C")
    assert not re.match(pattern, "dossier-events.B1A2CD")
    assert not re.match(pattern, "dossier-events.B1A2C.rejected")
