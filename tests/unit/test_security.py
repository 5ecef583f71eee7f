from oms_core.core.security import hash_pin, new_api_key, new_token, sha256, verify_pin
from oms_core.seed import ean13


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


def test_ean13_check_digit():
    # Published examples.
    assert ean13("400638133393") == "4006381333931"
    assert ean13("590123412345") == "5901234123457"
