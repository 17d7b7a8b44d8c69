"""Protection of `/metrics`: optional HTTP basic auth and optional TLS (`[metrics]`; the
TLS part serves `[ingest]` too).

Why: a worker's metrics reveal business volumes; where the scrape crosses a network,
Prometheus can send basic-auth credentials and scrape over HTTPS (`basic_auth` and
`tls_config` of a scrape job). The password lives in an environment variable, never in
the configuration file, and is compared in constant time.
"""

from __future__ import annotations

import base64
import hmac
import os
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Middleware

from streams.config import ConfigError, MetricsConfig, TlsSection

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
REALM = "carepulse"


@dataclass(frozen=True)
class MetricsSecurity:
    authorization: bytes | None  # the whole expected `Authorization` header value
    ssl_context: ssl.SSLContext | None

    @property
    def scheme(self) -> str:
        return "http" if self.ssl_context is None else "https"


def metrics_security(
    metrics: MetricsConfig, environ: Mapping[str, str] = os.environ
) -> MetricsSecurity:
    """The settings of `[metrics]`, loaded; ConfigError naming the key when unusable."""
    authorization = None
    if metrics.auth == "basic":
        variable = metrics.basic_auth_password_env
        password = environ.get(variable, "")
        if not password:
            raise ConfigError(
                f"metrics.basic_auth_password_env: the variable {variable} is not set "
                "or empty (auth = \"basic\")"
            )
        pair = f"{metrics.basic_auth_username}:{password}".encode()
        authorization = b"Basic " + base64.b64encode(pair)
    ssl_context = tls_context(metrics)
    return MetricsSecurity(authorization, ssl_context)


def tls_context(section: TlsSection) -> ssl.SSLContext | None:
    """The server context of a section's `tls` keys (`[metrics]`, `[ingest]`), None
    without TLS; ConfigError naming the key when the files cannot be loaded."""
    if not section.tls:
        return None
    assert section.tls_certfile is not None and section.tls_keyfile is not None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(section.tls_certfile, section.tls_keyfile)
    except (OSError, ssl.SSLError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ConfigError(
            f"{section.section_name()}.tls_certfile: cannot load {section.tls_certfile} "
            f"with {section.tls_keyfile}: {reason}"
        ) from error
    return context


OPEN = MetricsSecurity(None, None)


def basic_auth(expected: bytes) -> Middleware:
    """An aiohttp middleware answering 401 unless the request carries `expected`."""

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        require_basic_auth(request, expected)
        return await handler(request)

    return check


def require_basic_auth(request: web.Request, expected: bytes) -> None:
    """Raises 401 unless the request's `Authorization` header is `expected` (compared in
    constant time)."""
    given = request.headers.get("Authorization", "").encode()
    if not hmac.compare_digest(given, expected):
        raise web.HTTPUnauthorized(headers={"WWW-Authenticate": f'Basic realm="{REALM}"'})
