"""The gateway's secrets: from the environment only, several tokens, one-line refusals."""

from __future__ import annotations

from streams.ingest.credentials import load_credentials

PLATFORMS = [("chatwoot", "CAREPULSE_CHATWOOT_SECRET"), ("acme", "CAREPULSE_ACME_SECRET")]


def test_tokens_are_comma_separated_and_each_grants_access() -> None:
    credentials = load_credentials(PLATFORMS, {"CAREPULSE_INGEST_TOKEN": " new , old,,"})
    assert credentials.tokens == (b"new", b"old")
    assert credentials.bearer_problem("Bearer new") is None
    assert credentials.bearer_problem("Bearer old") is None
    assert credentials.bearer_problem("Bearer ne") == "the bearer token is not valid"
    assert credentials.bearer_problem("new") == (
        "an Authorization: Bearer <token> header is required")


def test_without_a_token_every_request_is_refused_and_says_why() -> None:
    credentials = load_credentials(PLATFORMS, {"CAREPULSE_INGEST_TOKEN": " , "})
    assert credentials.bearer_problem("Bearer ") == (
        "no token is configured (CAREPULSE_INGEST_TOKEN is not set)")


def test_a_platform_has_a_secret_only_when_its_variable_is_set_and_not_empty() -> None:
    credentials = load_credentials(PLATFORMS, {"CAREPULSE_CHATWOOT_SECRET": "s3cret",
                                               "CAREPULSE_ACME_SECRET": ""})
    assert dict(credentials.secrets) == {"chatwoot": b"s3cret"}
