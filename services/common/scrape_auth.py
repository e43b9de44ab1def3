"""The optional bearer token of /metrics (`TRACKER_METRICS_TOKEN`, or `_FILE`).

/metrics carries every unit's score, so it belongs on a private scrape network; the token
adds a check for networks that are not private enough. Prometheus sends it with
`authorization: {credentials: ...}` (or `credentials_file`) in its scrape config.
"""

from __future__ import annotations

import hmac

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from .secret_files import SettingsWithSecretFiles

CHALLENGE = 'Bearer realm="metrics"'


class ScrapeSettings(SettingsWithSecretFiles):
    """`TRACKER_METRICS_TOKEN`: unset leaves /metrics open (the private-network default)."""

    model_config = SettingsConfigDict(
        env_prefix="TRACKER_", extra="ignore", hide_input_in_errors=True
    )

    metrics_token: SecretStr | None = None


def scrape_token() -> str | None:
    """The configured scrape token, None when /metrics is open."""
    token = ScrapeSettings().metrics_token
    return token.get_secret_value() if token is not None and token.get_secret_value() else None


def scrape_allowed(token: str | None, authorization: str | None) -> bool:
    """Whether a request's Authorization header may read /metrics."""
    if token is None:
        return True
    scheme, _, presented = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(presented.strip().encode(), token.encode())
