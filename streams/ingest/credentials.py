"""The gateway's secrets, from the environment only: the bearer tokens of `/v1/events`
(`CAREPULSE_INGEST_TOKEN`, several separated by commas, so a token can be rotated without
downtime) and each help desk's webhook secret (`CAREPULSE_<PLATFORM>_SECRET`). Compared
in constant time; never logged."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

TOKEN_VARIABLE = "CAREPULSE_INGEST_TOKEN"
BEARER = "Bearer "


@dataclass(frozen=True)
class Credentials:
    tokens: tuple[bytes, ...]
    secrets: Mapping[str, bytes]  # platform name -> webhook secret (absent: not verified)

    def bearer_problem(self, authorization: str) -> str | None:
        """Why an `Authorization` header does not grant `/v1/events`, or None."""
        if not self.tokens:
            return f"no token is configured ({TOKEN_VARIABLE} is not set)"
        if not authorization.startswith(BEARER):
            return "an Authorization: Bearer <token> header is required"
        given = authorization[len(BEARER):].strip().encode()
        granted = False
        for token in self.tokens:  # every token compared: the time says nothing
            granted |= hmac.compare_digest(given, token)
        return None if granted else "the bearer token is not valid"


def load_credentials(
    platforms: Iterable[tuple[str, str]], environ: Mapping[str, str]
) -> Credentials:
    """`platforms`: (name, the variable of its secret)."""
    tokens = tuple(token.strip().encode() for token in environ.get(TOKEN_VARIABLE, "").split(",")
                   if token.strip())
    secrets = {name: environ[variable].encode() for name, variable in platforms
               if environ.get(variable)}
    return Credentials(tokens, secrets)
