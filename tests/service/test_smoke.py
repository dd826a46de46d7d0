from tests import factories


def test_offer_and_read_dwelling(client_for):
    corp = client_for("corporation")
    r = corp.post("/v1/dwellings", json=factories.dwelling())
    assert r.status_code == 201, r.text
    assert r.json()["address"]["postcode"] == "3531CH"
    r2 = corp.get(f"/v1/dwellings/{r.json()['id']}")
    assert r2.status_code == 200
    assert r2.headers["etag"] == '"1"'


def test_register(client_for):
    cp = client_for("care_provider")
    r = cp.post("/v1/registrations", json=factories.registration())
    assert r.status_code == 201, r.text
