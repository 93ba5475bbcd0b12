"""Credentials in the settings, wherever they sit, and text with every one of them redacted.

A credential is the API key, the user-info of a URL (http://user:SECRET@host/v1), a token in a
URL's query, or the value of any setting whose name says it holds one (key, token, secret,
password, header, cookie). Whatever the settings write (run.json) or print goes through here.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pydantic import BaseModel, SecretStr

MASK = "***"
_SECRET_NAME = re.compile(r"key|secret|token|password|passwd|auth|credential|header|cookie", re.I)
_USERINFO = re.compile(r"(?<=://)[^/\s@]+@")
_SECRET_QUERY = re.compile(r"key|secret|token|password|sig|auth", re.I)
_KEY_LIKE = re.compile(r"\bsk-[A-Za-z0-9_*\-.]{6,}")


def secret_values(settings: BaseModel) -> list[str]:
    """Return every credential held in the settings, longest first (so a longer one is masked whole)."""
    found: list[str] = []
    for name, value in dict(settings).items():
        _collect(name, value, found)
    return sorted({v for v in found if len(v) >= 3}, key=len, reverse=True)


def _collect(name: str, value: Any, found: list[str]) -> None:
    if isinstance(value, SecretStr):
        found.append(value.get_secret_value())
    elif isinstance(value, dict):
        for key, item in value.items():
            _collect(f"{name}.{key}", item if not _SECRET_NAME.search(name) else SecretStr(str(item)), found)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(name, item, found)
    elif isinstance(value, str):
        if _SECRET_NAME.search(name):
            found.append(value)
        found += _url_secrets(value)


def _url_secrets(text: str) -> list[str]:
    """Return the user-info and secret query values of a URL (none for any other text)."""
    if "://" not in text:
        return []
    try:
        parts = urlsplit(text)
    except ValueError:
        return []
    out = [v for v in (parts.username, parts.password) if v]
    out += [v for k, v in parse_qsl(parts.query) if _SECRET_QUERY.search(k) and v]
    return out


def redact_text(text: str, settings: BaseModel | None = None) -> str:
    """Return text with every credential of the settings, any URL user-info and anything shaped like a key masked."""
    for secret in secret_values(settings) if settings is not None else []:
        text = text.replace(secret, MASK)
    text = _USERINFO.sub(f"{MASK}@", text)
    return _KEY_LIKE.sub(f"sk-{MASK}", text)


def public_settings(settings: BaseModel) -> dict[str, Any]:
    """Return the settings as JSON-ready data with every credential masked (for run.json and printing)."""
    data = settings.model_dump(mode="json")
    return {name: _public(name, value, settings) for name, value in data.items()}


def _public(name: str, value: Any, settings: BaseModel) -> Any:
    if value in (None, "", {}, []):
        return value
    if _SECRET_NAME.search(name) and isinstance(value, str | dict):
        return {k: MASK for k in value} if isinstance(value, dict) else MASK
    if isinstance(value, str):
        return redact_text(value, settings)
    if isinstance(value, dict):
        return {k: _public(f"{name}.{k}", v, settings) for k, v in value.items()}
    if isinstance(value, list):
        return [_public(name, v, settings) for v in value]
    return value
