"""What each setting of venuekit.toml may hold; a refusal is a translatable message and its params.

The tables ([printer], [buttons], [network]) are checked by the code that uses them
(printer.parse_config, pi.config.PiConfig, pi.netconfig.resolve), so the boot step refuses
exactly what would otherwise stop the print spooler, the buttons service or the network.
"""
from __future__ import annotations

import datetime
from typing import Any, Callable, Mapping

import pycountry

from pi import netconfig
from pi.config import PiConfig
from printer import PrinterConfigError, parse_config

from webapp.config import SETTINGS
from webapp.domain.errors import N_

Refusal = tuple[str, dict[str, Any]]

# Codes people write that ISO 3166-1 keeps out of its list (the EU's "UK" and "EL").
NEAR_CODES = {"UK": "GB", "EL": "GR"}
SSID_BYTES = 32
PASSWORD_LENGTH = (8, 63)

# Words for kinds of value; params under these names are translated when shown.
KIND_WORDS = {
    str: N_("text"), bool: N_("true or false"), int: N_("a whole number"), float: N_("a number"),
    list: N_("a list"), dict: N_("a table of settings"), datetime.date: N_("a date"),
}
TRANSLATED_PARAMS = ("kind", "given_kind")


def kind_word(value: Any) -> str:
    for kind in (bool, int, float, str, list, dict):
        if isinstance(value, kind):
            return KIND_WORDS[kind]
    return KIND_WORDS[datetime.date] if isinstance(value, (datetime.date, datetime.time)) else N_("a value")


def check_kind(name: str, value: Any) -> Refusal | None:
    """A refusal when `value` is not the kind of value `name` holds."""
    default = SETTINGS[name][0]
    if isinstance(default, float):
        fits = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif isinstance(default, int):
        fits = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, list):
        fits = isinstance(value, list) and all(isinstance(item, str) for item in value)
    else:
        fits = isinstance(value, type(default))
    if fits:
        return None
    wanted = N_("a list of text") if isinstance(default, list) else kind_word(default)
    return (N_("%(name)s should be %(kind)s, not %(given_kind)s."),
            {"name": name, "kind": wanted, "given_kind": kind_word(value)})


def _ssid(value: str, values: Mapping[str, Any]) -> tuple[Any, Refusal | None]:
    size = len(value.encode("utf-8"))
    if size == 0:
        return None, (N_("The Wi-Fi name is empty."), {})
    if size > SSID_BYTES:
        return None, (N_("The Wi-Fi name is %(count)d bytes long; at most 32 fit (a letter with an accent "
                         "counts as 2, an emoji as 4)."), {"count": size})
    return value, None


def _password(value: str, values: Mapping[str, Any]) -> tuple[Any, Refusal | None]:
    if value == "":
        return value, None
    odd = next((c for c in value if not " " <= c <= "~"), None)
    if odd is not None:
        return None, (N_("The Wi-Fi password may only use the letters, digits, spaces and symbols of an "
                         "English keyboard, not \u201c%(char)s\u201d."), {"char": odd})
    low, high = PASSWORD_LENGTH
    if not low <= len(value) <= high:
        return None, (N_("The Wi-Fi password has %(count)d characters; it needs 8 to 63 (or leave it empty "
                         "for the kit's own password)."), {"count": len(value)})
    return value, None


def _country(value: str, values: Mapping[str, Any]) -> tuple[Any, Refusal | None]:
    code = value.upper()
    if len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None:
        return code, None
    near = NEAR_CODES.get(code)
    if near is None:
        try:
            near = pycountry.countries.lookup(value).alpha_2
        except LookupError:
            near = None
    if near:
        return None, (N_("\u201c%(given)s\u201d is not a country code; for %(country)s write %(code)s."),
                      {"given": value, "country": pycountry.countries.get(alpha_2=near).name, "code": near})
    return None, (N_("\u201c%(given)s\u201d is not a two-letter country code such as GB, IE or FR."),
                  {"given": value})


def _mode(value: str, values: Mapping[str, Any]) -> tuple[Any, Refusal | None]:
    if value.lower() in netconfig.MODES:
        return value.lower(), None
    return None, (N_("\u201c%(given)s\u201d is not a network mode; use one of %(choices)s."),
                  {"given": value, "choices": ", ".join(netconfig.MODES)})


def _between(low: float, high: float) -> Callable[[Any, Mapping[str, Any]], tuple[Any, Refusal | None]]:
    def check(value: Any, values: Mapping[str, Any]) -> tuple[Any, Refusal | None]:
        if low <= value <= high:
            return value, None
        return None, (N_("This should be from %(low)s to %(high)s, not %(given)s."),
                      {"low": low, "high": high, "given": value})
    return check


def _hub_url(value: str, values: Mapping[str, Any]) -> tuple[Any, Refusal | None]:
    if value == "" or value.lower().startswith(("http://", "https://")):
        return value, None
    return None, (N_("The hub's address should start with https:// (or http://)."), {})


def _command(value: list, values: Mapping[str, Any]) -> tuple[Any, Refusal | None]:
    if value and all(item.strip() for item in value):
        return value, None
    return None, (N_("The shutdown command is empty."), {})


def _table_refusal(name: str, exc: Exception) -> Refusal:
    if isinstance(getattr(exc, "template", None), str):
        # The printer's own words as a template, so the page says them in its reader's language.
        return (N_("The [%(name)s] settings were not used: %(detail)s"),
                {"name": name, "detail": exc.template, "detail_params": dict(exc.params)})
    return (N_("The [%(name)s] settings were not used: %(detail)s"), {"name": name, "detail": str(exc)})


def _printer(value: dict, values: Mapping[str, Any]) -> tuple[Any, Refusal | None]:
    try:
        parse_config(value)
    except PrinterConfigError as exc:
        return None, _table_refusal("printer", exc)
    return value, None


def _buttons(value: dict, values: Mapping[str, Any]) -> tuple[Any, Refusal | None]:
    try:
        PiConfig.from_mapping(value)
    except (TypeError, ValueError) as exc:
        return None, _table_refusal("buttons", exc)
    return value, None


def _network(value: dict, values: Mapping[str, Any]) -> tuple[Any, Refusal | None]:
    try:
        netconfig.resolve(netconfig.config_from_settings({**values, "network": value}))
    except (TypeError, ValueError) as exc:
        return None, _table_refusal("network", exc)
    return value, None


# Checked in this order: [network] last, as it is checked together with the Wi-Fi settings.
CHECKS: dict[str, Callable[[Any, Mapping[str, Any]], tuple[Any, Refusal | None]]] = {
    "wifi_ssid": _ssid,
    "wifi_password": _password,
    "wifi_country": _country,
    "network_mode": _mode,
    "hub_url": _hub_url,
    "slips_per_group": _between(0, 50),
    "web_port": _between(1, 65535),
    "portal_release_hours": _between(0, 72),
    "storage_reserve_mb": _between(0, 4096),
    "shutdown_command": _command,
    "printer": _printer,
    "buttons": _buttons,
    "network": _network,
}


def check_value(name: str, value: Any, values: Mapping[str, Any]) -> tuple[Any, Refusal | None]:
    """The value as the kit uses it (text stripped, codes in their usual case) or a refusal."""
    refusal = check_kind(name, value)
    if refusal:
        return None, refusal
    if isinstance(value, str):
        value = value.strip()
    check = CHECKS.get(name)
    return check(value, values) if check else (value, None)
