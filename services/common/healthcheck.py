"""`python -m services.common.healthcheck PORT`: exit 0 when the service on this host answers
200 on /health (a container health check with nothing but the service's own Python)."""

from __future__ import annotations

import sys
import urllib.request


def healthy(port: int, timeout: float = 3.0) -> bool:
    """Whether GET http://127.0.0.1:<port>/health answers 200."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=timeout) as response:
            return int(response.status) == 200
    except OSError:
        return False


def main(argv: list[str]) -> int:
    """Exit status of the check."""
    if len(argv) != 1 or not argv[0].isdigit():
        print("usage: python -m services.common.healthcheck PORT", file=sys.stderr)
        return 2
    return 0 if healthy(int(argv[0])) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
