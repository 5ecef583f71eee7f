"""Stores' pickup keys (see contract/pickup.py for what they sign)."""

import secrets


def new_secret() -> str:
    return secrets.token_hex(32)
