"""Redelivery as a consumer sees it: facts shuffled, some twice, cut into batches."""

from __future__ import annotations

import random

from schemas.internal import Fact


def redelivered(facts: list[Fact], seed: int) -> list[list[Fact]]:
    """The facts shuffled, some delivered twice, cut into random batches."""
    rng = random.Random(seed)
    stream = facts + rng.sample(facts, k=rng.randint(0, len(facts)))
    rng.shuffle(stream)
    cuts = sorted(rng.sample(range(1, len(stream)), k=min(len(stream) - 1, rng.randint(0, 6))))
    return [stream[i:j] for i, j in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
