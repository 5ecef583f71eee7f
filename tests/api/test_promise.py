"""POST /promise: the options a checkout may show, planned with the same
profile and stock as the orders that follow. Network: see conftest (Paris
customer: PAR-01 and PAR-02 are the click & collect stores within reach)."""

from datetime import date

from .conftest import CAP, JNS, PARIS, TEE

PROMISE = "/api/v1/promise"


def cart(lines, destination=None):
    to = destination or PARIS
    return {"lines": [{"sku": sku, "qty": qty, "unit_price": 19.9} for sku, qty in lines],
            "destination": {"country": to["country"], "lat": to["lat"], "lon": to["lon"]}}


def promised(network, lines, headers=None):
    response = network.client.post(PROMISE, json=cart(lines), headers=headers or network.channel)
    assert response.status_code == 200, response.text
    return {(o["kind"], o["store"]): o for o in response.json()["options"]}


def test_a_cart_both_paris_stores_hold(network):
    options = promised(network, [(TEE, 2)])
    assert set(options) == {("home_standard", None), ("home_express", None), ("express_pickup", "PAR-01"),
                            ("express_pickup", "PAR-02")}
    standard, express = options["home_standard", None], options["home_express", None]
    assert standard["sources"] == ["PAR-01"] and standard["parcels"] == 1
    assert date.fromisoformat(express["date"]) <= date.fromisoformat(standard["date"])
    assert express["cost"] > standard["cost"] > 0 and express["carbon_kg"] > standard["carbon_kg"] > 0
    # What the customer pays (39.80 of goods: standard delivery is free from 50.00) is not the cost.
    assert (standard["price"], express["price"]) == (4.9, 9.9)
    pickup = options["express_pickup", "PAR-02"]
    assert pickup["ready_by"] and pickup["cost"] == 0 and pickup["sources"] == ["PAR-02"]


def test_click_and_collect_where_the_store_lacks_the_cart_is_shipped_to_it(network):
    options = promised(network, [(JNS, 1)])  # only PAR-01 (1) and WH-LYS hold jeans near enough
    assert options["express_pickup", "PAR-01"]["sources"] == ["PAR-01"]
    collect = options["click_collect", "PAR-02"]
    assert (collect["sources"], collect["ready_by"], collect["distance_km"]) == (["PAR-01"], None, 2.6)


def test_the_promise_uses_the_stock_and_rules_the_order_will_meet(network):
    home = promised(network, [(TEE, 1), (CAP, 1)])["home_standard", None]
    order = network.place([(TEE, 1), (CAP, 1)], address=PARIS)
    assert home["sources"] == [f["location"] for f in order["fulfilments"]]
    # PAR-01 gave away its last caps: no option may count on them any more.
    network.place([(CAP, 2)], address=PARIS)
    home = promised(network, [(CAP, 1)])["home_standard", None]
    assert home["sources"] == ["LYS-01"]


def test_nothing_is_promised_that_the_network_cannot_serve(network):
    assert promised(network, [(CAP, 50)]) == {}


def test_staff_and_admins_may_ask_and_anonymous_callers_may_not(network):
    assert promised(network, [(TEE, 1)], network.sign_in("PAR-01"))
    assert promised(network, [(TEE, 1)], network.admin)
    assert network.client.post(PROMISE, json=cart([(TEE, 1)])).status_code == 401


def test_a_destination_without_coordinates_is_placed_by_its_postcode(network):
    # The store app's endless aisle knows the customer's postcode, not their coordinates: the
    # options were planned from the store's door (a Lyon customer promised Paris's dates).
    network.give_postcodes()
    to_lyon = {"lines": cart([(TEE, 1)])["lines"], "destination": {"country": "FR", "postcode": "69003"}}
    response = network.client.post(PROMISE, json=to_lyon, headers=network.channel)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["position"]["near"] == ["LYS-01"]
    home = next(o for o in body["options"] if o["kind"] == "home_standard")
    assert home["sources"] == ["LYS-01"]
    assert {o["store"] for o in body["options"] if o["store"]} == {"LYS-01"}  # the pickups near the customer
    with_coordinates = network.client.post(PROMISE, json=cart([(TEE, 1)]), headers=network.channel).json()
    assert with_coordinates["position"] == {"lat": PARIS["lat"], "lon": PARIS["lon"], "near": []}


def test_a_caller_wanting_home_delivery_or_pickups_only_gets_them_only(network):
    # The endless aisle asks home delivery for the customer's postcode and pickups near the store:
    # each answer planned every option, half of it thrown away.
    for delivery, kinds in (("home", {"home_standard", "home_express"}), ("pickup", {"express_pickup"})):
        body = {**cart([(TEE, 2)]), "delivery": delivery}
        answer = network.client.post(PROMISE, json=body, headers=network.channel)
        assert answer.status_code == 200, answer.text
        assert {o["kind"] for o in answer.json()["options"]} == kinds
    everything = {o["kind"] for o in network.client.post(PROMISE, json=cart([(TEE, 2)]), headers=network.channel)
                  .json()["options"]}
    assert everything == {"home_standard", "home_express", "express_pickup"}


def test_a_postcode_the_network_cannot_place_is_refused_in_words(network):
    network.give_postcodes()
    nowhere = {"lines": cart([(TEE, 1)])["lines"], "destination": {"country": "FR", "postcode": "13001"}}
    response = network.client.post(PROMISE, json=nowhere, headers=network.channel)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "unknown_postcode" and "13001" in error["message"] and "lat and lon" in error["message"]


def test_bad_carts_are_refused(network):
    unknown = network.client.post(PROMISE, json=cart([("NOPE", 1)]), headers=network.channel)
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_sku"
    for body in ({"lines": []}, {**cart([(TEE, 1)]), "destination": {"country": "FR"}},
                 {**cart([(TEE, 1)]), "destination": {"country": "FR", "lat": 48.8, "postcode": "75004"}},
                 {**cart([(TEE, 0)])}, {**cart([(TEE, 1)]), "channel": "fax"}):
        response = network.client.post(PROMISE, json=body, headers=network.channel)
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request", body
