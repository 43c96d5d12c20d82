"""Who is asking: the client's address, trusting X-Forwarded-For only from our proxies.

Rate limits are keyed by this address, so a shopper must not be able to pick it by
sending a header. The peer (the TCP address the WSGI server saw) is the client
unless it is a trusted proxy (DECANT_TRUSTED_PROXIES, default loopback); then
X-Forwarded-For is read from the right, skipping our own proxies, and the first
address that is not one of them is the client. Anything unparsable stops the walk:
what is left of it was written by the client and proves nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from flask import g, request

from functions.web.runtime import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_FORWARDED_HOPS = 20


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: Sequence[Network]
) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def resolve(peer: str | None, forwarded_for: str | None, networks: Sequence[Network]) -> str:
    """The client address for a request from `peer` carrying `forwarded_for`."""
    peer_address = _parse(peer or "")
    if peer_address is None:
        return peer or "unknown"
    if not forwarded_for or not _trusted(peer_address, networks):
        return str(peer_address)
    hops = [hop for hop in forwarded_for.split(",") if hop.strip()][-MAX_FORWARDED_HOPS:]
    client = peer_address
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break
        client = address
        if not _trusted(address, networks):
            break
    return str(client)


def client_address() -> str:
    """The current request's client address, worked out once per request."""
    cached = g.get("client_address")
    if cached is None:
        cached = resolve(
            request.remote_addr,
            request.headers.get("X-Forwarded-For"),
            settings().trusted_networks,
        )
        g.client_address = cached
    return cached
