"""Where a customer who came without coordinates is taken to be: near the network's
locations whose postcode is most like theirs."""

from oms_core.domain.routing import Site, near_postcode

SITES = [
    Site("PAR-01", "store", 48.86, 2.34, postcode="75001"),
    Site("PAR-02", "store", 48.88, 2.32, postcode="75009"),
    Site("LYS-01", "store", 45.76, 4.83, postcode="69002"),
    Site("WH-LYS", "warehouse", 45.64, 5.11, postcode="69720"),
    Site("BCN", "warehouse", 41.33, 2.09, country="ES", postcode="08040"),
    Site("NOWHERE", "store", 50.0, 3.0),  # no address: places nobody
]


def test_the_locations_sharing_most_of_the_postcode_place_the_customer():
    lyon = near_postcode("FR", "69 003", SITES)  # typed with a space
    assert (lyon.near, lyon.lat, lyon.lon) == (("LYS-01",), 45.76, 4.83)
    paris = near_postcode("FR", "75011", SITES)
    assert paris.near == ("PAR-01", "PAR-02") and (paris.lat, paris.lon) == (48.87, 2.33)  # between them


def test_a_postcode_like_none_in_that_country_places_nobody():
    assert near_postcode("FR", "13001", SITES) is None  # Marseille: no location shares two characters
    assert near_postcode("FR", "08040", SITES) is None  # Barcelona's postcode, but in France
    assert near_postcode("BE", "1000", SITES) is None
