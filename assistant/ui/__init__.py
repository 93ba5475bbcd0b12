"""The browser app (`assistant ui`). This package's modules import gradio; this file does not, so the
command line can check its flags before paying for that import."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """Return whether only this machine can reach an app bound to host."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_auth(value: str) -> tuple[str, str] | None:
    """Return (user, password) from USER:PASS, or None when either part is missing."""
    user, sep, password = value.partition(":")
    return (user, password) if sep and user and password else None
