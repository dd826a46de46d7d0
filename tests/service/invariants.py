"""The invariants of nominations, read straight from the database after a race."""

from collections import Counter

from sqlalchemy import Engine, text

LIVE = ("proposed", "published", "selected", "accepted")
OPEN_SHORTLIST = ("proposed", "published")


def assert_one_open_shortlist_per_client(engine: Engine) -> None:
    """At most one live nomination and one open offer per registration; statuses agree with the candidate rows."""
    with engine.connect() as connection:
        live = connection.execute(text(
            "SELECT c.registration_id, c.status, s.status FROM shortlist_candidate c "
            "JOIN shortlist s ON s.id = c.shortlist_id WHERE c.status IN ('proposed', 'published', 'selected', "
            "'accepted')")).all()
        statuses = dict(connection.execute(text("SELECT id, status FROM registration")).all())
    per_client = Counter(str(rid) for rid, _, _ in live)
    assert max(per_client.values(), default=0) <= 1, [rid for rid, n in per_client.items() if n > 1]
    offers = Counter(str(rid) for rid, status, _ in live if status in ("selected", "accepted"))
    assert max(offers.values(), default=0) <= 1
    assert all(shortlist in OPEN_SHORTLIST for _, _, shortlist in live), "a live candidate on a closed shortlist"
    expected = {"proposed": "nominated", "published": "nominated", "selected": "offered", "accepted": "offered"}
    for rid, status, _ in live:
        assert statuses[rid] == expected[status], (rid, status, statuses[rid])
    nominated = {str(rid) for rid, _, _ in live}
    for rid, status in statuses.items():
        if status in ("nominated", "offered"):
            assert str(rid) in nominated, f"registration {rid} is {status} without a live nomination"
