"""Nominations under real concurrency (threads, each request committing): every slot goes to a distinct client.

Each test races requests from threads against an app whose requests really commit, then reads the invariants
straight from the database: one live nomination and one open offer per client, statuses in step with them.
"""

from functools import partial

from fastapi.testclient import TestClient
from httpx import Response

from tests import factories
from tests.service.helpers import if_match, not_found
from tests.service.invariants import assert_one_open_shortlist_per_client
from tests.service.racing import race
from tests.service.workflow.conftest import Committing
from tests.service.workflow.flow import DWELLING_AT, TODAY, World


def _world(committing: Committing) -> World:
    return World(committing.client("coordinator"), committing.client("corporation"),
                 committing.client("care_provider"))


def _offer_response(client: TestClient) -> Response:
    return client.post("/v1/dwellings", json=factories.dwelling(location=DWELLING_AT, available_from=TODAY.isoformat()))


def test_ten_offers_at_once_fill_thirty_slots_with_thirty_distinct_clients(committing):
    w = _world(committing)
    registered = {w.register() for _ in range(30)}
    clients = [committing.twin(w.corporation) for _ in range(10)]

    responses = race(*(partial(_offer_response, client) for client in clients))

    assert [r.status_code for r in responses] == [201] * 10, [r.text for r in responses if r.status_code != 201]
    nominated = [rid for r in responses for rid in w.ranked(r.json()["id"])]
    assert len(nominated) == 30
    assert set(nominated) == registered
    assert all(w.registration_status(rid) == "nominated" for rid in registered)
    assert_one_open_shortlist_per_client(committing.engine)


def test_offers_racing_a_matching_round_never_share_a_client(committing):
    w = _world(committing)
    registered = {w.register() for _ in range(12)}
    first = [w.offer() for _ in range(2)]  # six clients on proposed shortlists that the round re-optimises
    clients = [committing.twin(w.corporation) for _ in range(3)]
    round_client = committing.twin(w.coordinator)

    responses = race(partial(round_client.post, "/v1/matching-rounds", json={"max_seconds": 5}),
                      *(partial(_offer_response, client) for client in clients))

    assert responses[0].status_code == 202, responses[0].text
    assert [r.status_code for r in responses[1:]] == [201] * 3, [r.text for r in responses[1:]]
    dwellings = first + [r.json()["id"] for r in responses[1:]]
    nominated = [rid for d in dwellings for rid in w.ranked(d)]
    assert len(nominated) == len(set(nominated)) == 12
    assert set(nominated) == registered
    assert_one_open_shortlist_per_client(committing.engine)


def test_one_client_selected_on_two_dwellings_at_once_gets_one_offer(committing):
    w = _world(committing)
    for _ in range(3):
        first_dwelling, (client, _second, _third) = w.published()
        other_dwelling, _others = w.published()
        one, other = committing.twin(w.corporation), committing.twin(w.corporation)

        responses = race(partial(w.select, first_dwelling, client, client=one),
                          partial(w.select, other_dwelling, client, client=other))

        # The client can only be a candidate on one shortlist, so the other selection finds no such candidate.
        assert sorted(r.status_code for r in responses) == [200, 404], [r.text for r in responses]
        assert responses[0].status_code == 200
        assert w.registration_status(client) == "offered"
        assert_one_open_shortlist_per_client(committing.engine)
        w.ok(w.decline(client, "size", None))
        assert_one_open_shortlist_per_client(committing.engine)


def test_a_registration_withdrawn_while_being_selected_ends_with_no_offer(committing):
    w = _world(committing)
    for _ in range(3):
        dwelling_id, (first, _second, _third) = w.published()
        selecting, leaving = committing.twin(w.corporation), committing.twin(w.care)

        select, left = race(partial(w.select, dwelling_id, first, client=selecting),
                             partial(leaving.post, f"/v1/registrations/{first}/withdraw", json={"reason": "moved"}))

        assert left.status_code == 200, left.text
        assert select.status_code in (200, 404), select.text
        if select.status_code == 404:  # the withdrawal came first and ended the nomination
            not_found(select, f"registration {first} is not a candidate on this shortlist")
        assert w.registration_status(first) == "withdrawn"
        assert first not in {rid for rid, status in w.candidates(dwelling_id).items()
                             if status in ("published", "selected", "accepted")}
        assert_one_open_shortlist_per_client(committing.engine)


def test_a_registration_changed_while_being_nominated_is_never_left_on_a_shortlist_it_no_longer_fits(committing):
    w = _world(committing)
    for _ in range(3):
        changing = w.register()
        version = w.care.get(f"/v1/registrations/{changing}").json()["version"]
        patcher, offerer = committing.twin(w.care), committing.twin(w.corporation)

        patched, offered = race(
            partial(patcher.patch, f"/v1/registrations/{changing}", headers=if_match(version),
                    json={"accessibility": {"wheelchair": True, "no_stairs": True}}),
            partial(_offer_response, offerer))

        assert offered.status_code == 201, offered.text
        if patched.status_code == 412:
            # Nominated first (a nomination is a new version): the care provider reads again and changes it then.
            assert changing in w.ranked(offered.json()["id"])
            version = w.care.get(f"/v1/registrations/{changing}").json()["version"]
            patched = w.care.patch(f"/v1/registrations/{changing}", headers=if_match(version),
                                   json={"accessibility": {"wheelchair": True, "no_stairs": True}})
        assert patched.status_code == 200, patched.text
        # The factory dwelling is not wheelchair-accessible: whichever came first, the client is not on it.
        assert changing not in w.ranked(offered.json()["id"])
        assert w.registration_status(changing) == "active"
        assert_one_open_shortlist_per_client(committing.engine)
