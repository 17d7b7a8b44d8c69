"""`[chatwoot]`: the Chatwoot bridge's section, its key checks and the settings it builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.bridge.settings import InboxSettings
from streams.config import ConfigError, load_config

KEY = "k" * 16


def load(tmp_path: Path, text: str) -> str:
    """The one-line error of loading `text` as a configuration file."""
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    return str(error.value)


def test_the_section_builds_the_bridge_settings(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text('[chatwoot.accounts]\n3 = "acme"\n[chatwoot.inboxes.11]\naccount = 3\n'
                    'brand = "acme-wa"\n[chatwoot.channels]\n"Channel::Api" = "webchat"\n')
    settings = load_config(path).chatwoot.bridge_settings({"CAREPULSE_CHATWOOT_CUSTOMER_KEY": KEY})
    assert (settings.customer_key, dict(settings.accounts), dict(settings.inboxes),
            dict(settings.channel_names)) == (
        KEY.encode(), {3: "acme"}, {11: InboxSettings(3, "acme-wa")},
        {"Channel::Api": "webchat"})


def test_the_default_section_lists_nothing() -> None:
    settings = load_config(None).chatwoot.bridge_settings({"CAREPULSE_CHATWOOT_CUSTOMER_KEY": KEY})
    assert (dict(settings.accounts), dict(settings.inboxes), dict(settings.channel_names)) == (
        {}, {}, {})


@pytest.mark.parametrize(("environ", "state"), [
    ({}, "is not set"),
    ({"CAREPULSE_CHATWOOT_CUSTOMER_KEY": "short"}, "is shorter than 16 bytes"),
])
def test_a_missing_or_short_customer_key_is_named(environ: dict[str, str], state: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(None).chatwoot.bridge_settings(environ)
    assert str(error.value).startswith(f"CAREPULSE_CHATWOOT_CUSTOMER_KEY {state}: ")


def test_the_key_variable_can_be_renamed(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text('[chatwoot]\ncustomer_key_env = "CW_KEY"\n')
    settings = load_config(path).chatwoot.bridge_settings({"CW_KEY": KEY})
    assert settings.customer_key == KEY.encode()


@pytest.mark.parametrize(("text", "message"), [
    ('[chatwoot.accounts]\nacme = "acme"\n',
     "chatwoot.accounts.acme: must be a Chatwoot account id (digits)"),
    ("[chatwoot.inboxes.x]\naccount = 1\n",
     "chatwoot.inboxes.x: must be a Chatwoot inbox id (digits)"),
    ('[chatwoot.accounts]\n1 = "acme"\n[chatwoot.inboxes.7]\naccount = 2\n',
     "chatwoot.inboxes.7.account: account 2 is not in [chatwoot.accounts]"),
    ('[chatwoot.channels]\n"Channel::Api" = "WebChat"\n',
     "chatwoot.channels.Channel::Api: channel 'WebChat' must be lower-case"),
    ("[chatwoot.inboxes.7]\nacount = 1\n",
     "chatwoot.inboxes.7: unknown key 'acount' (did you mean 'account'?)"),
    ("[chatwoot]\ncustomer_key = \"in the file\"\n",
     "chatwoot: unknown key 'customer_key' (did you mean 'customer_key_env'?)"),
    ('[chatwoot.inboxes.7]\naccount = "1"\n',
     "chatwoot.inboxes.7.account: Input should be a valid integer"),
])
def test_a_bad_key_or_value_is_one_line_naming_it(tmp_path: Path, text: str, message: str) -> (
    None
):
    assert load(tmp_path, text) == f"{tmp_path / 'site.toml'}: {message}"
