"""Passwords: the policy, and hashing with Argon2id (argon2-cffi's defaults, the RFC 9106 low-memory profile)."""

import gzip
import hashlib
import secrets
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# 19,640 common passwords, lower-cased; the source is named in data/README.md.
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parents[2] / "data" / "common-passwords.txt.gz"
MIN_LENGTH = 12
# Long enough for any passphrase; a limit keeps a megabyte "password" from tying up the hasher.
MAX_LENGTH = 256
# Argon2id, t=3, m=64 MiB, p=4: about 50 ms a hash here. Tests replace it with a cheap one.
hasher = PasswordHasher()


@lru_cache
def common_passwords(path: Path = COMMON_PASSWORDS_FILE) -> frozenset[str]:
    """The shipped list of common passwords."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip())


# What each kind of policy problem says in the API (the web pages say it in the person's language).
POLICY_MESSAGES = {
    "too_short": f"must be at least {MIN_LENGTH} characters",
    "too_long": f"must be at most {MAX_LENGTH} characters",
    "common": "is on the list of commonly used passwords; choose another",
    "too_few_characters": "has too few different characters",
}


def policy_violation(password: str) -> str | None:
    """Which rule a new password breaks (a key of POLICY_MESSAGES), or None when it may be used."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    lowered = password.lower()
    common = common_passwords()
    # A listed password stays guessable with digits or signs put after it, or said twice.
    stripped = lowered.rstrip("0123456789!@#$%^&*()-_=+.,?;: ")
    half = len(lowered) // 2
    if (lowered in common or stripped in common
            or (len(lowered) % 2 == 0 and lowered[:half] == lowered[half:] and lowered[:half] in common)):
        return "common"
    if len(set(lowered)) < 5:
        return "too_few_characters"
    return None


def policy_problem(password: str) -> str | None:
    """What is wrong with a new password, or None when it may be used."""
    violation = policy_violation(password)
    return None if violation is None else POLICY_MESSAGES[violation]


def hash_password(password: str) -> str:
    """The Argon2id hash of a password (its own random salt inside)."""
    return hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; with no hash, a dummy is checked so an answer takes the same time."""
    try:
        return hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than the hasher's current ones."""
    return hasher.check_needs_rehash(password_hash)


@lru_cache
def _dummy_hash() -> str:
    return hasher.hash(secrets.token_urlsafe(16))


def digest(secret: str) -> str:
    """SHA-256 of a random secret (set-up tokens, session tokens, recovery codes): enough for 128+ random bits."""
    return hashlib.sha256(secret.encode()).hexdigest()
