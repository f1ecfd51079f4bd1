"""The client's address, as a request's audit row and the address limits see it (pure Python).

Behind a reverse proxy every connection comes from the proxy, and the client's own address arrives
in ``X-Forwarded-For``: each proxy appends the address it was connected from, so the right-most
entries are the ones our own proxies wrote and anything further left is whatever the client chose to
send. The header is therefore believed only when the connection itself is from a proxy named in
``CCEHUB_TRUSTED_PROXIES``, and only as far left as the chain of trusted proxies goes.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Final

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: The audit log's ``origin`` column holds this many characters.
ORIGIN_LENGTH: Final = 200


def parse_trusted_proxies(text: str) -> tuple[Network, ...]:
    """``CCEHUB_TRUSTED_PROXIES``: comma-separated IP addresses or networks (``10.0.0.1``,
    ``10.0.0.0/24``, ``2001:db8::/32``); blank entries are skipped.

    Raises:
        ValueError: an entry is not an address or a network; the message names it.
    """
    networks: list[Network] = []
    for entry in text.split(","):
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"{entry!r} is not an IP address or network (write them like 10.0.0.1 or 10.0.0.0/24, "
                "separated by commas)"
            ) from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as a proxy may write it (``1.2.3.4``, ``1.2.3.4:5678``, ``[2001:db8::1]:443``)."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, trusted: Sequence[Network]) -> bool:
    return any(address.version == network.version and address in network for network in trusted)


def client_address_from(remote_addr: str, forwarded_for: str, trusted: Sequence[Network]) -> str:
    """The address a request came from.

    ``remote_addr`` (the connection's, ``REMOTE_ADDR``) unless it is a trusted proxy; then the
    right-most ``forwarded_for`` entry that is not itself a trusted proxy. An entry that is not an
    address is never used: the trusted proxy that reported it stands in for the client (so clients
    behind a broken proxy share one address rather than choosing their own). When every entry is a
    trusted proxy, the left-most.
    """
    here = _address(remote_addr) if trusted else None
    if here is None or not _trusted(here, trusted):
        return remote_addr[:ORIGIN_LENGTH]
    for entry in reversed([e for e in forwarded_for.split(",") if e.strip()]):
        hop = _address(entry)
        if hop is None:
            break
        here = hop
        if not _trusted(hop, trusted):
            break
    return str(here)[:ORIGIN_LENGTH]
