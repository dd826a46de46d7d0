"""Signed deliveries: `Doorstroom-Signature: sha256=HEX` is the HMAC-SHA256 of `TIMESTAMP.BODY` with the endpoint's
secret (README, Workflow). Every check here computes the HMAC itself, as a partner's receiver would."""

import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from service.events import service as events
from tests.service.events.conftest import START, hook

# Computed with `printf '%s' '1796117400.{"id":7,"type":"offer_made"}' | openssl dgst -sha256 -hmac
# 'whsec_test-secret'`: an implementation independent of Python's hmac module and of the service.
VECTOR_SECRET = "whsec_test-secret"
VECTOR_TIMESTAMP = "1796117400"
VECTOR_BODY = b'{"id":7,"type":"offer_made"}'
VECTOR_SIGNATURE = "sha256=7c8eb85fab030de02c54c04fef9ebcc8282317d15679b5911509272d545c9e72"
START_TIMESTAMP = str(int(START.timestamp()))


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The documented scheme, written out independently of the service."""
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def verifies(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a receiver does: recompute the signature over the timestamp header and the raw body, compare in
    constant time."""
    return hmac.compare_digest(headers["doorstroom-signature"],
                               expected_signature(secret, headers["doorstroom-timestamp"], body))


def test_the_signature_of_a_known_message_matches_openssl():
    assert datetime.fromtimestamp(int(VECTOR_TIMESTAMP), UTC) == START  # the vector's timestamp is START
    assert expected_signature(VECTOR_SECRET, VECTOR_TIMESTAMP, VECTOR_BODY) == VECTOR_SIGNATURE
    assert events.signature(secret=VECTOR_SECRET, timestamp=VECTOR_TIMESTAMP, body=VECTOR_BODY) == VECTOR_SIGNATURE


@pytest.mark.parametrize(
    ("secret", "timestamp", "body"),
    [("whsec_test-secreT", VECTOR_TIMESTAMP, VECTOR_BODY),  # another secret
     (VECTOR_SECRET, "1796117401", VECTOR_BODY),  # a later timestamp: a replay with a fresh time fails
     (VECTOR_SECRET, VECTOR_TIMESTAMP, b'{"id":8,"type":"offer_made"}'),  # a changed body
     (VECTOR_SECRET, "", VECTOR_TIMESTAMP.encode() + b"." + VECTOR_BODY)],  # the timestamp moved into the body
)
def test_changing_the_secret_the_timestamp_or_the_body_changes_the_signature(secret, timestamp, body):
    signed = events.signature(secret=secret, timestamp=timestamp, body=body)
    assert signed != VECTOR_SIGNATURE
    assert signed == expected_signature(secret, timestamp, body)


def test_a_delivery_verifies_with_its_endpoints_secret_and_with_no_other(outbox, receiver, http, frozen_clock):
    corporation = outbox.client("corporation")
    mine = hook(corporation, receiver.url("/mine"))
    second = hook(corporation, receiver.url("/second"))
    other_org = hook(outbox.client("corporation", "another corporation"), receiver.url("/theirs"))
    secrets = {mine["secret"], second["secret"], other_org["secret"]}
    assert len(secrets) == 3 and all(s.startswith("whsec_") for s in secrets)
    event_id = outbox.emit(corporation.org, "shortlist_published", dwelling_id="d-1", candidates=3)

    assert outbox.deliver(http) == 2  # one per endpoint of the corporation; the other organisation's gets nothing

    [(headers, body)] = receiver.on("/mine")
    [(second_headers, second_body)] = receiver.on("/second")
    assert receiver.on("/theirs") == []
    assert headers["content-type"] == "application/json"
    assert headers["doorstroom-event-id"] == str(event_id)
    assert headers["doorstroom-timestamp"] == START_TIMESTAMP
    assert headers["doorstroom-signature"].startswith("sha256=") and len(headers["doorstroom-signature"]) == 7 + 64
    assert verifies(mine["secret"], headers, body)
    assert not verifies(second["secret"], headers, body)
    assert not verifies(other_org["secret"], headers, body)
    assert not verifies(mine["secret"][:-1], headers, body)
    assert verifies(second["secret"], second_headers, second_body)
    assert not verifies(mine["secret"], second_headers, second_body)
    # The signature covers the timestamp and the exact bytes: a receiver that checks both rejects a tampered copy.
    assert not verifies(mine["secret"], {**headers, "doorstroom-timestamp": str(int(START_TIMESTAMP) + 1)}, body)
    assert not verifies(mine["secret"], headers, body.replace(b'"candidates":3', b'"candidates":4'))
    assert not verifies(mine["secret"], headers, json.dumps(json.loads(body), indent=1).encode())


def test_the_signed_body_is_the_event_as_the_feed_shows_it(outbox, receiver, http, frozen_clock):
    care = outbox.client("care_provider")
    secret = hook(care, receiver.url("/care"))["secret"]
    event_id = outbox.emit(care.org, "offer_made", dwelling={"dwelling_id": "d-9"}, answer_by="2026-12-08")
    outbox.deliver(http)

    [(headers, body)] = receiver.on("/care")
    assert verifies(secret, headers, body)
    [fed] = care.get("/v1/events").json()
    pushed = json.loads(body)
    assert set(pushed) == {"id", "type", "created_at", "entity_type", "entity_id", "data"}
    assert (pushed["id"], pushed["type"], pushed["entity_type"]) == (event_id, "offer_made", "registration")
    assert (pushed["entity_id"], pushed["data"]) == (fed["entity_id"], fed["data"])
    assert pushed["data"] == {"dwelling": {"dwelling_id": "d-9"}, "answer_by": "2026-12-08"}
    assert datetime.fromisoformat(pushed["created_at"]) == datetime.fromisoformat(fed["created_at"]) == START


def test_a_retry_is_signed_again_with_the_time_of_the_retry(outbox, receiver, http, frozen_clock):
    corporation = outbox.client("corporation")
    secret = hook(corporation, receiver.url("/flaky"))["secret"]
    receiver.answers["/flaky"] = [500]
    outbox.emit(corporation.org, "candidate_selected", dwelling_id="d-2")
    assert outbox.deliver(http) == 1
    frozen_clock.advance(seconds=10)  # the first backoff
    assert outbox.deliver(http) == 1

    (first_headers, first_body), (again_headers, again_body) = receiver.on("/flaky")
    assert first_body == again_body
    assert (first_headers["doorstroom-timestamp"], again_headers["doorstroom-timestamp"]) == \
        (START_TIMESTAMP, str(int(START_TIMESTAMP) + 10))
    assert first_headers["doorstroom-signature"] != again_headers["doorstroom-signature"]
    assert verifies(secret, first_headers, first_body) and verifies(secret, again_headers, again_body)
    # The first signature does not carry over to the retry's timestamp.
    assert not verifies(secret, {**again_headers, "doorstroom-signature": first_headers["doorstroom-signature"]},
                        again_body)
