"""Two requests on the same dwelling at the same moment, from threads, each committing for real: one wins."""

from functools import partial

from fastapi.testclient import TestClient
from httpx import Response

from tests.service.helpers import if_match, not_found, problem
from tests.service.racing import race
from tests.service.workflow.conftest import Committing
from tests.service.workflow.flow import World, conflict


def _world(committing: Committing) -> World:
    return World(committing.client("coordinator"), committing.client("corporation"),
                 committing.client("care_provider"))


def _statuses(responses: list[Response]) -> list[int]:
    return [r.status_code for r in responses]


def test_two_selects_of_different_candidates_give_one_offer(committing):
    w = _world(committing)
    for _ in range(3):
        dwelling_id, (first, second, _third) = w.published()
        one, other = committing.twin(w.corporation), committing.twin(w.corporation)

        responses = race(partial(w.select, dwelling_id, first, client=one),
                          partial(w.select, dwelling_id, second, client=other))

        assert sorted(_statuses(responses)) == [200, 409], [r.text for r in responses]
        winner = first if responses[0].status_code == 200 else second
        loser = second if winner == first else first
        conflict(next(r for r in responses if r.status_code == 409), "candidate_selected")
        assert w.dwelling_status(dwelling_id) == "candidate_selected"
        assert w.registration_status(winner) == "offered" and w.registration_status(loser) == "nominated"
        assert sorted(w.candidates(dwelling_id).values()) == ["published", "published", "selected"]
        offers = [e for e in w.events(w.care) if e["type"] == "offer_made" and e["data"]["dwelling"]["dwelling_id"]
                  == dwelling_id]
        assert [e["entity_id"] for e in offers] == [winner]
        w.ok(w.decline(winner, "size", None))  # free them for the next round of the race


def test_a_select_racing_a_withdraw_has_exactly_one_winner_and_one_409(committing):
    w = _world(committing)
    for _ in range(3):
        dwelling_id, (first, second, third) = w.published()
        selecting, withdrawing = committing.twin(w.corporation), committing.twin(w.corporation)

        select, withdraw = race(partial(w.select, dwelling_id, first, client=selecting),
                                 partial(w.withdraw, dwelling_id, client=withdrawing))

        assert sorted(_statuses([select, withdraw])) == [200, 409], [select.text, withdraw.text]
        if select.status_code == 200:
            # An offer is out: the dwelling cannot be withdrawn under the client.
            conflict(withdraw, "candidate_selected")
            assert w.dwelling_status(dwelling_id) == "candidate_selected"
            assert w.registration_status(first) == "offered"
            w.ok(w.decline(first, "size", None))
        else:
            conflict(select, "withdrawn")
            assert w.dwelling_status(dwelling_id) == "withdrawn"
            for reg in (first, second, third):
                assert w.registration_status(reg) == "active"
            assert set(w.candidates(dwelling_id).values()) == {"released"}


def test_a_select_racing_a_conditional_withdraw_has_exactly_one_winner(committing):
    w = _world(committing)
    for _ in range(3):
        dwelling_id, (first, _second, _third) = w.published()
        version = w.corporation.get(f"/v1/dwellings/{dwelling_id}").json()["version"]
        selecting, withdrawing = committing.twin(w.corporation), committing.twin(w.corporation)

        select, withdraw = race(partial(w.select, dwelling_id, first, client=selecting),
                                 partial(w.withdraw, dwelling_id, client=withdrawing, **if_match(version)))

        assert sorted(_statuses([select, withdraw])) in ([200, 409], [200, 412]), [select.text, withdraw.text]
        if select.status_code == 200:
            problem(withdraw, 412)
            assert w.dwelling_status(dwelling_id) == "candidate_selected"
            assert w.registration_status(first) == "offered"
        else:
            conflict(select, "withdrawn")
            assert w.dwelling_status(dwelling_id) == "withdrawn"
            assert w.registration_status(first) == "active"


def test_an_accept_racing_a_reject_of_the_same_candidate_stays_consistent(committing):
    w = _world(committing)
    for _ in range(3):
        dwelling_id, (first, _second, _third) = w.published()
        w.ok(w.select(dwelling_id, first))
        accepting, rejecting = committing.twin(w.care), committing.twin(w.corporation)

        accept, reject = race(partial(w.accept, first, client=accepting),
                               partial(w.reject, dwelling_id, first, client=rejecting))

        # Accept then reject is allowed (the corporation may still reject); reject then accept finds no offer.
        assert reject.status_code == 200, reject.text
        assert accept.status_code in (200, 409), accept.text
        if accept.status_code == 409:
            conflict(accept, "active")
        assert w.registration_status(first) == "active"
        assert w.dwelling_status(dwelling_id) == "published"
        assert w.candidates(dwelling_id)[first] == "rejected"


def test_two_publishes_of_the_same_shortlist_publish_it_once(committing):
    w = _world(committing)
    [w.register() for _ in range(3)]
    dwelling_id = w.offer()
    one, other = TestClient(committing.app, headers=dict(w.coordinator.headers)), committing.twin(w.coordinator)

    responses = race(partial(w.publish, dwelling_id, client=one), partial(w.publish, dwelling_id, client=other))

    assert sorted(_statuses(responses)) == [200, 409], [r.text for r in responses]
    conflict(next(r for r in responses if r.status_code == 409), "published")
    assert [e["type"] for e in w.events(w.corporation)] == ["shortlist_published"]


def test_a_client_withdrawn_or_paused_while_being_selected_leaves_no_offer_behind(committing):
    w = _world(committing)
    for step in ("withdraw", "pause", "withdraw", "pause"):
        dwelling_id, (first, _second, _third) = w.published()
        selecting, leaving = committing.twin(w.corporation), committing.twin(w.care)

        if step == "pause":
            leave = partial(w.pause, first, client=leaving)
        else:
            leave = partial(leaving.post, f"/v1/registrations/{first}/withdraw", json={"reason": "moved abroad"})

        select, left = race(partial(w.select, dwelling_id, first, client=selecting), leave)

        if select.status_code == 200:  # selected first: a withdrawal still goes through, a pause waits for the answer
            assert left.status_code == (200 if step == "withdraw" else 409), left.text
        else:
            problem(select, 404)  # no longer a candidate
            not_found(select, f"registration {first} is not a candidate on this shortlist")
            assert left.status_code == 200, left.text
        gone = left.status_code == 200
        expected = ("withdrawn" if step == "withdraw" else "paused") if gone else "offered"
        assert w.registration_status(first) == expected
        assert w.dwelling_status(dwelling_id) == ("published" if gone else "candidate_selected")
        if gone and step == "pause":
            w.ok(w.resume(first))
