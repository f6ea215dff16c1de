"""Per-test seeding: the test's own randomness repeats, the SDK's idempotency tokens do not,
and everything is put back afterwards."""

from __future__ import annotations

import random
import secrets
from uuid import uuid4  # imported the way tests do it

from botocore.handlers import generate_idempotent_uuid

from awstape.model.calls import operation_model
from awstape.runtime.determinism import seeded


def draws() -> tuple[object, ...]:
    model = operation_model("secretsmanager", "CreateSecret")
    params: dict[str, str] = {}
    generate_idempotent_uuid(params, model)
    return (uuid4(), random.random(), random.randbytes(4), secrets.token_hex(4),
            params["ClientRequestToken"])


def test_the_same_seed_gives_the_same_draws_but_fresh_sdk_tokens() -> None:
    with seeded(7):
        first = draws()
    with seeded(7):
        again = draws()
    with seeded(8):
        other = draws()
    assert first[:4] == again[:4] and first[:4] != other[:4]
    assert first[4] != again[4]  # botocore's idempotency token stays random


def test_randomness_is_put_back_afterwards() -> None:
    state = random.getstate()
    with seeded(7):
        random.random()
    assert random.getstate() == state
    assert uuid4() != uuid4()
