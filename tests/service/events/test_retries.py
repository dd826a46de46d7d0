"""Retries: a failed delivery is tried again after 10 s, doubling to at most an hour, 10 tries in all, then given up;
the event stays in the pull feed (README, Workflow). Time is the service's clock, held still by the test."""

from datetime import timedelta

import pytest

from service.events import service as events
from tests.service.events.conftest import START, hook

# The documented schedule written out: the wait after the n-th failed try is 10 * 2**(n-1) s, capped at 3600 s.
WAITS = [10, 20, 40, 80, 160, 320, 640, 1280, 2560]
# So try n + 1 is due at the sum of the first n waits after the first: 0, 10, 30, 70, ... 5110 s.
TRY_AT = [0, 10, 30, 70, 150, 310, 630, 1270, 2550, 5110]


def test_the_wait_doubles_from_ten_seconds_and_stops_at_an_hour():
    assert events.MAX_ATTEMPTS == 10
    waits = [events.backoff(n).total_seconds() for n in range(1, 14)]
    assert waits == [*WAITS, 3600, 3600, 3600, 3600]
    assert [sum(WAITS[:n]) for n in range(10)] == TRY_AT


def test_a_receiver_that_always_fails_is_tried_ten_times_on_schedule_then_given_up(outbox, receiver, http,
                                                                                  frozen_clock):
    corporation = outbox.client("corporation")
    hook(corporation, receiver.url("/down"))
    receiver.always["/down"] = 500
    event_id = outbox.emit(corporation.org, "dwelling_let", dwelling_id="d-1")

    for attempt, seconds in enumerate(TRY_AT, start=1):
        if attempt > 1:
            frozen_clock.moment = START + timedelta(seconds=seconds - 1)
            assert outbox.deliver(http) == 0, f"try {attempt} came a second early"
        frozen_clock.moment = START + timedelta(seconds=seconds)
        assert outbox.deliver(http) == 1, f"try {attempt} did not come at {seconds} s"
        [delivery] = outbox.deliveries()
        assert (delivery.attempts, delivery.last_status, delivery.last_error) == (attempt, 500, "HTTP 500")
        assert delivery.delivered_at is None
        if attempt < 10:
            assert delivery.gave_up_at is None
            assert delivery.next_attempt_at == START + timedelta(seconds=seconds + WAITS[attempt - 1])

    [given_up] = outbox.deliveries()
    assert given_up.gave_up_at == START + timedelta(seconds=5110)
    frozen_clock.advance(days=30)
    assert outbox.deliver(http) == 0
    assert len(receiver.on("/down")) == 10
    sent_at = [int(headers["doorstroom-timestamp"]) - int(START.timestamp()) for headers, _ in receiver.on("/down")]
    assert sent_at == TRY_AT
    assert {body for _, body in receiver.on("/down")} == {receiver.on("/down")[0][1]}  # the same event each time
    # Giving up on the push loses nothing: the event is still there to pull.
    assert [e["id"] for e in corporation.get("/v1/events").json()] == [event_id]


def test_a_refused_connection_is_a_failed_try_with_its_error(outbox, closed_port_url, http, frozen_clock):
    care = outbox.client("care_provider")
    hook(care, closed_port_url)
    outbox.emit(care.org)

    assert outbox.deliver(http) == 1
    [delivery] = outbox.deliveries()
    assert (delivery.attempts, delivery.last_status, delivery.delivered_at) == (1, None, None)
    assert (delivery.last_error or "").startswith("ConnectError: ")
    assert delivery.next_attempt_at == START + timedelta(seconds=10)
    assert outbox.deliver(http) == 0


def test_a_receiver_that_recovers_gets_it_on_the_third_try_and_then_never_again(outbox, receiver, http,
                                                                                frozen_clock):
    corporation = outbox.client("corporation")
    hook(corporation, receiver.url("/flaky"))
    receiver.answers["/flaky"] = [503, 500]
    outbox.emit(corporation.org, "candidate_rejected")

    tries = []
    for seconds in (0, 10, 30):
        frozen_clock.moment = START + timedelta(seconds=seconds)
        tries.append(outbox.deliver(http))
    assert tries == [1, 1, 1]

    [delivery] = outbox.deliveries()
    assert (delivery.attempts, delivery.last_status, delivery.last_error) == (3, 200, None)
    assert (delivery.delivered_at, delivery.gave_up_at) == (START + timedelta(seconds=30), None)
    frozen_clock.advance(days=1)
    assert outbox.deliver(http) == 0
    assert len(receiver.on("/flaky")) == 3


@pytest.mark.parametrize(("status", "delivered"), [(200, True), (201, True), (202, True), (204, True),
                                                   (400, False), (404, False), (429, False), (500, False),
                                                   (503, False)])
def test_only_a_2xx_answer_counts_as_delivered(outbox, receiver, http, frozen_clock, status, delivered):
    corporation = outbox.client("corporation")
    hook(corporation, receiver.url("/answer"))
    receiver.answers["/answer"] = [status]
    outbox.emit(corporation.org)

    assert outbox.deliver(http) == 1
    [delivery] = outbox.deliveries()
    assert (delivery.attempts, delivery.last_status) == (1, status)
    if delivered:
        assert (delivery.delivered_at, delivery.last_error) == (START, None)
    else:
        assert (delivery.delivered_at, delivery.last_error) == (None, f"HTTP {status}")
        assert delivery.next_attempt_at == START + timedelta(seconds=10)
    frozen_clock.advance(seconds=10)
    assert outbox.deliver(http) == (0 if delivered else 1)


def test_a_failing_endpoint_holds_up_no_other_endpoint(outbox, receiver, http, frozen_clock):
    care = outbox.client("care_provider")
    hook(care, receiver.url("/down"))
    hook(care, receiver.url("/up"))
    corporation = outbox.client("corporation")
    hook(corporation, receiver.url("/corporation"))
    receiver.always["/down"] = 500
    care_event = outbox.emit(care.org, "offer_made")
    corporation_event = outbox.emit(corporation.org, "candidate_selected")

    assert outbox.deliver(http) == 3
    assert [b["id"] for b in receiver.bodies("/up")] == [care_event]
    assert [b["id"] for b in receiver.bodies("/corporation")] == [corporation_event]
    assert [b["id"] for b in receiver.bodies("/down")] == [care_event]
    frozen_clock.advance(seconds=10)
    assert outbox.deliver(http) == 1  # only the failed one comes back
    assert len(receiver.on("/down")) == 2 and len(receiver.on("/up")) == 1 and len(receiver.on("/corporation")) == 1


def test_only_active_endpoints_subscribed_to_the_type_get_a_delivery(outbox, receiver, http, frozen_clock):
    care = outbox.client("care_provider")
    hook(care, receiver.url("/all"))
    hook(care, receiver.url("/offers"), ["offer_made", "offer_expired"])
    stopped = hook(care, receiver.url("/stopped"))
    assert care.delete(f"/v1/webhooks/{stopped['id']}").status_code == 200
    offer = outbox.emit(care.org, "offer_made")
    housed = outbox.emit(care.org, "registration_housed")
    expired = outbox.emit(care.org, "offer_expired")

    assert outbox.deliver(http) == 5
    assert sorted(b["id"] for b in receiver.bodies("/all")) == [offer, housed, expired]
    assert sorted(b["id"] for b in receiver.bodies("/offers")) == [offer, expired]
    assert receiver.on("/stopped") == []
    assert len(outbox.deliveries()) == 5


def test_a_deactivated_endpoint_is_not_tried_again(outbox, receiver, http, frozen_clock):
    corporation = outbox.client("corporation")
    endpoint = hook(corporation, receiver.url("/gone"))
    receiver.always["/gone"] = 500
    event_id = outbox.emit(corporation.org, "dwelling_let")
    assert outbox.deliver(http) == 1

    assert corporation.delete(f"/v1/webhooks/{endpoint['id']}").json()["active"] is False
    frozen_clock.advance(hours=2)
    outbox.deliver(http)
    assert len(receiver.on("/gone")) == 1
    assert [e["id"] for e in corporation.get("/v1/events").json()] == [event_id]
