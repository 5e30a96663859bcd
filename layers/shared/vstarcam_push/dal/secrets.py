"""Push destinations' secrets in SSM Parameter Store: SecureString, under the stack's prefix.

``<prefix><destination>/<field>``, e.g. ``/vstarcam-push/notify/phone/token``.
The CLI writes them; only the delivery function's role may read them (and
decrypt them with the account's ``aws/ssm`` key). Values never appear in a
log line, a metric, ``notify list`` or an error message: errors name the
destination and the field.
"""

from __future__ import annotations

import time
from typing import Any

# A destination's secrets change only through the CLI, which re-creates the
# destination (a new createdAt, hence a new cache key); the cache only spares
# SSM one call per delivery in a motion storm.
CACHE_SECONDS = 300


class MissingSecret(Exception):
    """A destination's secret is not in Parameter Store (yet, or any more)."""


class SecretStore:
    def __init__(self, ssm: Any, prefix: str) -> None:
        self._ssm = ssm
        self.prefix = prefix if prefix.endswith("/") else prefix + "/"
        self._cache: dict[tuple[str, int], tuple[float, dict[str, str]]] = {}

    def parameter(self, destination: str, field: str) -> str:
        return f"{self.prefix}{destination}/{field}"

    def put(self, destination: str, values: dict[str, str]) -> None:
        for field, value in values.items():
            self._ssm.put_parameter(
                Name=self.parameter(destination, field),
                Value=value,
                Type="SecureString",
                Overwrite=True,
                Description=f"vstarcam-push destination {destination}: {field}",
            )

    def delete(self, destination: str, fields: tuple[str, ...]) -> None:
        names = [self.parameter(destination, field) for field in fields]
        for start in range(0, len(names), 10):
            self._ssm.delete_parameters(Names=names[start : start + 10])

    def get(self, destination: str, fields: tuple[str, ...], version: int = 0) -> dict[str, str]:
        """The decrypted values of a destination's secrets (cached for a few minutes)."""
        key = (destination, version)
        cached = self._cache.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        if not fields:
            return {}
        names = {self.parameter(destination, field): field for field in fields}
        answer = self._ssm.get_parameters(Names=list(names), WithDecryption=True)
        values = {names[p["Name"]]: p["Value"] for p in answer.get("Parameters", [])}
        missing = sorted(set(fields) - set(values))
        if missing:
            raise MissingSecret(
                f"destination {destination}: secret {', '.join(missing)} is not in Parameter Store"
            )
        self._cache[key] = (time.monotonic() + CACHE_SECONDS, values)
        return values
