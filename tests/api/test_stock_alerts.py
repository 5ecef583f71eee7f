"""Stock alerts: low stock against thresholds, and units reported missing at pick."""

from .conftest import CAP, JNS, PARIS, TEE


def put(network, headers, thresholds):  # noqa: ANN001, ANN201
    return network.client.put("/api/v1/stock/alerts", json={"thresholds": thresholds}, headers=headers)


def alerts(network, headers, **params) -> dict:  # noqa: ANN001
    response = network.client.get("/api/v1/stock/alerts", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_low_stock_and_units_missing_at_pick(network):
    manager = network.sign_in("PAR-01", "M001", role="manager")
    associate = network.sign_in("PAR-01", "S001")
    assert put(network, manager, [
        {"location": "PAR-01", "sku": TEE, "threshold": 3},
        {"location": "PAR-01", "sku": CAP, "threshold": 3},
        {"location": "PAR-01", "sku": JNS, "threshold": 0},
    ]).status_code == 200
    assert put(network, network.admin, [{"location": "LYS-01", "sku": CAP, "threshold": 1}]).status_code == 200

    # TEE 5 on hand, 2 reserved for an order: 3 left to promise, at the threshold.
    network.place([(TEE, 2)], address=PARIS)
    # The only JNS is not on the shelf: the associate says so at pick.
    jeans = network.place([(JNS, 1)], address=PARIS)["fulfilments"][0]
    assert jeans["location"] == "PAR-01"
    assert network.act(associate, jeans["id"], "reject",
                       {"reason": "out_of_stock", "stock_missing": True}).status_code == 200

    seen = alerts(network, associate)
    assert [(a["sku"], a["atp"], a["threshold"]) for a in seen["low_stock"]] == [(CAP, 3, 3), (JNS, 0, 0), (TEE, 3, 3)]
    assert {a["location"] for a in seen["low_stock"]} == {"PAR-01"}
    [missing] = seen["discrepancies"]
    assert (missing["location"], missing["sku"], missing["units"]) == ("PAR-01", JNS, 1)
    assert (missing["fulfilment_id"], missing["order_id"]) == (jeans["id"], jeans["order_id"])
    assert missing["actor"] == "PAR-01/S001"

    everywhere = alerts(network, network.admin)
    assert {(a["location"], a["sku"]) for a in everywhere["low_stock"]} == {
        ("PAR-01", CAP), ("PAR-01", JNS), ("PAR-01", TEE), ("LYS-01", CAP)}
    assert alerts(network, network.admin, location="LYS-01")["discrepancies"] == []
    # Outside the period, nothing was reported missing.
    assert alerts(network, manager, to="2026-01-01T00:00:00Z")["discrepancies"] == []

    # A null threshold stops the alert.
    assert put(network, manager, [{"location": "PAR-01", "sku": CAP, "threshold": None}]).status_code == 200
    assert CAP not in [a["sku"] for a in alerts(network, manager)["low_stock"]]


def test_who_may_set_and_read_thresholds(network):
    manager = network.sign_in("PAR-01", "M001", role="manager")
    associate = network.sign_in("PAR-01", "S001")
    mine = [{"location": "PAR-01", "sku": TEE, "threshold": 2}]
    assert put(network, associate, mine).status_code == 403
    other = put(network, manager, [{"location": "LYS-01", "sku": TEE, "threshold": 2}])
    assert other.status_code == 403 and other.json()["error"]["code"] == "other_store"
    hidden = network.client.get("/api/v1/stock/alerts", params={"location": "LYS-01"}, headers=associate)
    assert hidden.status_code == 403
    assert network.client.get("/api/v1/stock/alerts", headers=network.channel).status_code == 403


def test_bad_thresholds_are_a_clear_422(network):
    admin = network.admin
    cases = [
        ([{"location": "PAR-01", "sku": "NOPE", "threshold": 1}], "unknown_sku"),
        ([{"location": "NOPE", "sku": TEE, "threshold": 1}], "unknown_location"),
        ([{"location": "PAR-01", "sku": TEE, "threshold": -1}], "invalid_request"),
        ([{"location": "PAR-01", "sku": TEE, "threshold": 1}] * 2, "duplicate_threshold"),
        ([], "invalid_request"),
    ]
    for thresholds, code in cases:
        response = put(network, admin, thresholds)
        assert response.status_code == 422, (thresholds, response.text)
        assert response.json()["error"]["code"] == code
