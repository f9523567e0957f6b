"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's guidance).

The cost is one process-wide profile, set from ``MOVEMENTS_PASSWORD_HASH_PROFILE`` when
the services are built (:func:`use_profile`): ``rfc9106`` for every real deployment,
``test`` (the smallest cost argon2 allows) only so that a test suite that signs in
hundreds of times stays fast.  A stored hash carries its own parameters, so hashes of
either profile verify under both.
"""

from __future__ import annotations

from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

Profile = Literal["rfc9106", "test"]

_PROFILES: dict[str, PasswordHasher] = {
    "rfc9106": PasswordHasher(),  # RFC 9106 "low memory": t=3, m=64 MiB, p=4
    "test": PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),  # tests only
}
_hasher = _PROFILES["rfc9106"]


def use_profile(profile: Profile) -> None:
    """Hash new passwords with ``profile`` from now on (process-wide)."""
    global _hasher
    _hasher = _PROFILES[profile]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        # Spend the same time as a real check so a missing account is not told apart.
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False
