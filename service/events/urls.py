"""Which webhook URLs the service will call: checked strictly at registration and again before every delivery.

A URL is plain ASCII (international names in punycode), https (http only in local development), without
credentials, with a host name or IP literal. Its host must resolve, and every address it resolves to must be a public
one: loopback, link-local (169.254.x, fe80::), private, shared, multicast, unspecified and reserved addresses, IPv4
and IPv6 alike (an IPv4-mapped IPv6 address counts as its IPv4 address), are refused unless
`DOORSTROOM_WEBHOOK_ALLOWED_HOSTS` names the host or covers the address. At delivery the request is sent to the
address that was checked (see `pin`), so a DNS answer that changes between the check and the connection (rebinding)
cannot aim a delivery inward.
"""

import ipaddress
import re
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from service.config import IPNetwork, Settings, is_host_name, parse_allow_list

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_PRINTABLE_ASCII = re.compile(r"^[\x21-\x7e]+$")


class UnsafeUrl(ValueError):
    """A webhook URL the service will not call; the message says why, for the partner to read."""


@dataclass(frozen=True)
class WebhookPolicy:
    """What the settings allow: plain http (local development only) and the hosts and networks allowed inward."""

    allow_http: bool = False
    allowed_hosts: frozenset[str] = frozenset()
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> "WebhookPolicy":
        """The policy of `DOORSTROOM_DEV_MODE` and `DOORSTROOM_WEBHOOK_ALLOWED_HOSTS`."""
        hosts, networks = parse_allow_list(settings.webhook_allowed_hosts)
        return cls(allow_http=settings.dev_mode, allowed_hosts=hosts, allowed_networks=networks)

    def allows(self, host: str, address: IPAddress) -> bool:
        """True when the host is named on the allow-list or the address lies in one of its networks."""
        return host in self.allowed_hosts or any(address in network for network in self.allowed_networks)


def lookup(host: str, port: int) -> list[IPAddress]:
    """The addresses a host name resolves to (the tests replace this function: they never use real DNS)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # The scope of a link-local IPv6 answer ("fe80::1%eth0") is cut off: the address alone is what is checked.
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def refusal(address: IPAddress) -> str | None:
    """Why an address may not be called without the allow-list, or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for kind, test in (("unspecified", address.is_unspecified), ("loopback", address.is_loopback),
                       ("link-local", address.is_link_local), ("multicast", address.is_multicast),
                       ("reserved", address.is_reserved), ("private", address.is_private)):
        if test:
            return kind
    # Shared address space (100.64/10), 6to4 and Teredo relays and the like: public-looking but not global.
    return None if address.is_global else "non-global"


@dataclass(frozen=True)
class Target:
    """A checked URL: its parts, and the addresses its host resolved to that may be called."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...]


def check(url: str, policy: WebhookPolicy) -> Target:
    """Check a webhook URL and resolve its host; raises UnsafeUrl saying why it will not be called."""
    if not _PRINTABLE_ASCII.match(url):
        raise UnsafeUrl("must be printable ASCII without spaces or control characters "
                        "(write an international domain name in punycode, xn--...)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise UnsafeUrl("must start with https://")
    if scheme == "http" and not policy.allow_http:
        raise UnsafeUrl("must use https (plain http is only accepted in local development)")
    if "@" in parts.netloc:
        raise UnsafeUrl("must not contain credentials (user:password@); verify deliveries by their signature")
    host = (parts.hostname or "").lower()
    if not host:
        raise UnsafeUrl("must name a host")
    if parts.fragment or url.endswith("#"):
        raise UnsafeUrl("must not have a fragment (#...)")
    literal: IPAddress | None
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
        if not is_host_name(host):
            raise UnsafeUrl(f"has an invalid host name {host!r}") from None
    try:
        httpx.URL(url)
    except Exception as exc:  # whatever httpx cannot send must not be stored
        raise UnsafeUrl(f"is not a URL that can be called ({type(exc).__name__})") from None
    port = port or (443 if scheme == "https" else 80)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = lookup(host, port)
        except (OSError, UnicodeError, ValueError):
            raise UnsafeUrl(f"has a host that does not resolve: {host}") from None
        if not addresses:
            raise UnsafeUrl(f"has a host that does not resolve: {host}")
    for address in addresses:
        why = refusal(address)
        if why is not None and not policy.allows(host, address):
            # The address a name resolved to is not shown: the answer would disclose the internal DNS.
            shown = host if literal is not None else f"{host} resolves to one"
            raise UnsafeUrl(f"must not point at a {why} address: {shown}")
    return Target(url=url, scheme=scheme, host=host, port=port, addresses=tuple(dict.fromkeys(addresses)))


def pin(target: Target) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The request to send to the checked address: the URL with the address for the host, the original `Host`
    header, and for https the host name for TLS (SNI and certificate verification are against the name)."""
    address = target.addresses[0]
    parts = urlsplit(target.url)
    shown = f"[{address}]" if address.version == 6 else str(address)
    default_port = 443 if target.scheme == "https" else 80
    netloc = shown if target.port == default_port else f"{shown}:{target.port}"
    host_header = parts.netloc
    extensions: dict[str, Any] = {}
    if target.scheme == "https":
        extensions["sni_hostname"] = target.host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), {"Host": host_header}, extensions
