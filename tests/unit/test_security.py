from oms_core.core.security import hash_pin, new_api_key, new_device_token, new_token, sha256, verify_pin
from oms_core.seed import ean13
from oms_core.services.auth import counted_as


def test_pin_hash_verifies_only_the_right_pin_and_is_salted():
    stored = hash_pin("1234")
    assert verify_pin("1234", stored)
    assert not verify_pin("1235", stored)
    assert "1234" not in stored
    assert hash_pin("1234") != stored


def test_malformed_stored_hash_never_verifies():
    assert not verify_pin("1234", "plain-1234")
    assert not verify_pin("1234", "md5$1$2$3$x$y")


def test_tokens_and_keys_are_long_random_and_hashed_for_storage():
    assert len({new_token() for _ in range(50)}) == 50
    key = new_api_key()
    assert key.startswith("bk_") and len(key) > 40
    assert sha256(key) != key and len(sha256(key)) == 64


def test_each_kind_of_bearer_has_its_own_prefix():
    """The prefix says where a bearer is looked up: a staff token must never begin like an
    API key or a device token (a random one did, once in 130,000 sign-ins)."""
    assert {new_token()[:3], new_api_key()[:3], new_device_token()[:3]} == {"bs_", "bk_", "bd_"}


def test_failures_are_counted_per_ipv4_address_and_per_ipv6_64():
    assert counted_as("203.0.113.7") == "203.0.113.7"
    assert counted_as("2001:db8:1:2:aaaa::1") == counted_as("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert counted_as("2001:db8:1:3::1") == "2001:db8:1:3::/64"
    # IPv4 callers seen through a dual-stack socket are their IPv4 address, not all one /64.
    assert counted_as("::ffff:203.0.113.7") == "203.0.113.7"
    assert counted_as("fe80::1%eth0") == "fe80::/64"
    assert counted_as("testclient") == "testclient"


def test_ean13_check_digit():
    # Published examples.
    assert ean13("400638133393") == "4006381333931"
    assert ean13("590123412345") == "5901234123457"
