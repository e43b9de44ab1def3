"""The console's signed session cookie and CSRF tokens, keyed by a secret file under var/.

The cookie carries the bearer token itself (HttpOnly, so no script can read it), signed with
HMAC-SHA-256 so it cannot be forged or altered, and re-checked against the token table on
every request: revoking a token ends its sessions at once. The key file is created on first
use and shared by every instance that shares the data folder.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path

SESSION_COOKIE = "rt_session"
CSRF_COOKIE = "rt_csrf"
KEY_FILE = "console-session.key"
KEY_BYTES = 32
SESSION_SECONDS = 12 * 3600  # a working day; then sign in again


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_key(path: Path) -> bytes:
    """The signing key in `path`, created (mode 0600) when missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes()
        if len(key) < KEY_BYTES:
            raise ValueError(f"{path} holds {len(key)} bytes, fewer than {KEY_BYTES}") from None
        return key
    key = secrets.token_bytes(KEY_BYTES)
    with os.fdopen(fd, "wb") as out:
        out.write(key)
    return key


class Signer:
    """Signs and checks session cookies and CSRF tokens with one key."""

    def __init__(self, key: bytes, max_age: int = SESSION_SECONDS) -> None:
        self._key = key
        self.max_age = max_age

    def _mac(self, purpose: str, payload: str) -> str:
        return _b64(hmac.new(self._key, f"{purpose}:{payload}".encode(), hashlib.sha256).digest())

    def session(self, token: str, now: float | None = None) -> str:
        """The cookie value for a signed-in token."""
        issued = int(time.time() if now is None else now)
        payload = _b64(json.dumps({"t": token, "i": issued}).encode())
        return f"{payload}.{self._mac('session', payload)}"

    def token_of(self, cookie: str, now: float | None = None) -> str | None:
        """The token in a cookie whose signature holds and that has not expired; else None."""
        payload, _, mac = cookie.partition(".")
        if not payload or not hmac.compare_digest(mac, self._mac("session", payload)):
            return None
        try:
            data = json.loads(_unb64(payload))
            token, issued = str(data["t"]), int(data["i"])
        except (ValueError, KeyError, TypeError):
            return None
        age = (time.time() if now is None else now) - issued
        return token if 0 <= age <= self.max_age else None

    @staticmethod
    def nonce() -> str:
        """A fresh random value for the CSRF cookie."""
        return secrets.token_urlsafe(24)

    def csrf(self, nonce: str) -> str:
        """The form field that must accompany a POST from a browser holding `nonce`."""
        return self._mac("csrf", nonce)

    def csrf_ok(self, nonce: str | None, field: str | None) -> bool:
        """Whether the form's CSRF field matches the browser's nonce cookie."""
        if not nonce or not field:
            return False
        return hmac.compare_digest(field, self.csrf(nonce))
