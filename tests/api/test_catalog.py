"""The catalog: products and their search."""

API = "/api/v1"


def test_search_by_name_ignores_the_case_of_accented_letters(network):
    # SQLite's own lower() folds ASCII only: 'écharpe' did not find 'ÉCHARPE' on the embedded engine.
    r = network.client.put(f"{API}/products", json=[{"sku": "SCF-01", "name": "ÉCHARPE laine", "price": 29.9,
                                                      "barcodes": []}], headers=network.admin)
    assert r.status_code == 200, r.text
    for words in ("écharpe", "LAINE", "Écharpe Laine"):
        found = network.client.get(f"{API}/products", params={"q": words}, headers=network.admin).json()
        assert [p["sku"] for p in found] == ["SCF-01"], words


def test_a_sku_is_found_typed_in_any_case(network):
    assert network.client.put(f"{API}/products", json=[{"sku": "gift-card-50", "name": "Gift card", "price": 50}],
                              headers=network.admin).status_code == 200
    for typed in ("gift-card-50", "GIFT-CARD-50", "TEE-blu-m"):
        found = network.client.get(f"{API}/products", params={"q": typed}, headers=network.admin).json()
        assert [p["sku"] for p in found] == ["gift-card-50" if "gift" in typed.lower() else "TEE-BLU-M"], typed
