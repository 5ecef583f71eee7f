"""Secrets: PIN hashing (scrypt, slow on purpose), bearer tokens and API keys
(long random strings stored as SHA-256, so a database leak gives nothing usable)."""

import base64
import hashlib
import hmac
import secrets

# scrypt cost: tens of milliseconds a verification; cheap for a sign-in, dear for a brute-forcer.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    return "scrypt${}${}${}${}${}".format(
        _SCRYPT_N, _SCRYPT_R, _SCRYPT_P, _b64(salt), _b64(digest)
    )


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(
        pin.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=len(_unb64(digest))
    )
    return hmac.compare_digest(candidate, _unb64(digest))


# Each kind of bearer has its own prefix, which says where to look it up: a staff token
# without one could begin like an API key ("bk_") or a device token ("bd_").
def new_token() -> str:
    return "bs_" + secrets.token_urlsafe(32)


def new_api_key() -> str:
    return "bk_" + secrets.token_urlsafe(32)


def new_device_token() -> str:
    return "bd_" + secrets.token_urlsafe(32)


def sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
