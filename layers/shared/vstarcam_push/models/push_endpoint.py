"""Which web push endpoints the stack may call: https on a public address (no I/O).

A browser hands the console its push service's URL (``subscription.endpoint``) and the
stack POSTs to it for every alarm. A console user chooses that URL, so without a check
they could make the stack call inside its own network (the instance metadata service,
a VPC address, this machine). In a deployed stack an endpoint must be:

- ``https`` on the default port, with a host name or a public address (no user info);
- never a loopback, private (RFC 1918, IPv6 ULA), link-local (169.254/16, fe80::/10,
  where the metadata services are), carrier-grade NAT (100.64/10), unspecified,
  multicast or reserved address, nor an IPv4-mapped or NAT64 form of one; a host that
  is numeric but not a canonical address (``127.1``, ``0177.0.0.1``, ``0x7f.1``: the
  resolver reads them as addresses) or not made of a host name's characters is refused;
- and, each time it is sent to, its host name must *resolve* to such public addresses
  only (checked by the web push channel, which then connects to the address it checked:
  a name cannot be changed to point inside between the check and the connection).

The local stack alone allows loopback (and plain http to it) so its tests can run a fake
push service on 127.0.0.1: ``WEB_PUSH_ALLOW_LOOPBACK``, which the local stack sets and the
deployed template never does.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

MAX_ENDPOINT_LENGTH = 1024

# Names that mean this machine whatever DNS says.
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
# Carrier-grade NAT: Python's is_private does not include it (it is "shared" space).
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
# NAT64 maps IPv4 into IPv6: 64:ff9b::10.0.0.1 reaches 10.0.0.1 through a translator.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# What a push service's host name is made of (IDNs arrive as punycode).
_NAME = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*")
# A last label of digits (or 0x and hex digits) makes the host an IPv4 address to the
# browser (WHATWG URL) and to the C resolver (inet_aton: 127.1, 0177.0.0.1, 0x7f.1...),
# though Python's ipaddress takes only the dotted-quad form.
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)")


class EndpointRefused(ValueError):
    """A push endpoint the stack will not call; the message says why (never the URL's
    path: it is the subscription's secret)."""


def address_refusal(address: str, allow_loopback: bool = False) -> str:
    """Why the stack may not connect to ``address`` (an IP literal); ``""``: it may."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address[:60]!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is None and ip in _NAT64:
            mapped = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if mapped is not None:
            return address_refusal(str(mapped), allow_loopback)
    if ip.is_loopback:
        return "" if allow_loopback else f"{ip} is a loopback address"
    if ip.is_link_local:
        return f"{ip} is a link-local address (where the metadata services are)"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return f"{ip} is a carrier-grade NAT address"
    if ip.is_private:
        return f"{ip} is a private address"
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved or not ip.is_global:
        return f"{ip} is not a public address"
    return ""


def check_endpoint(url: object, allow_loopback: bool = False) -> str:
    """``url`` if the stack may send pushes to it (as far as the URL itself tells);
    raises :class:`EndpointRefused` saying why not. A host name is checked again, by
    what it resolves to, at each send (``delivery/channels/webpush.py``)."""
    if not isinstance(url, str) or not url:
        raise EndpointRefused("the subscription has no endpoint")
    if len(url) > MAX_ENDPOINT_LENGTH:
        raise EndpointRefused(f"the endpoint is longer than {MAX_ENDPOINT_LENGTH} characters")
    if any(ord(c) < 0x21 or ord(c) > 0x7E for c in url):
        raise EndpointRefused("the endpoint has spaces, controls or non-ASCII characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise EndpointRefused("the endpoint is not a URL") from None
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise EndpointRefused("the endpoint has no host")
    if parts.username is not None or parts.password is not None:
        raise EndpointRefused("the endpoint may not carry a user name or password")
    loopback = is_loopback_host(host)
    if loopback and allow_loopback:
        if parts.scheme not in ("http", "https"):
            raise EndpointRefused("the endpoint must be an http(s) URL")
        return url
    if parts.scheme != "https":
        raise EndpointRefused("the endpoint must be an https URL")
    if port not in (None, 443):
        raise EndpointRefused(f"the endpoint must use https's port 443, not {port}")
    if host.lower() in _LOCAL_NAMES or host.lower().endswith(".localhost"):
        raise EndpointRefused(f"{host} is this machine")
    if _is_ip(host):
        refusal = address_refusal(host, allow_loopback)
        if refusal:
            raise EndpointRefused(f"the endpoint's host: {refusal}")
    elif not _NAME.fullmatch(host.lower()):
        raise EndpointRefused(f"{host[:60]!r} is not a host name")
    elif _NUMERIC_LABEL.fullmatch(host.lower().rsplit(".", 1)[-1]):
        # Only the canonical dotted quad is checked as an address above: 127.1 or
        # 0251.0376.0251.0376 would reach loopback or the metadata service.
        raise EndpointRefused(f"{host} is not a canonical IPv4 address")
    elif "." not in host:
        # A single-label name resolves through the search domains: inside the network.
        raise EndpointRefused(f"{host} is not a public host name")
    return url


def is_loopback_host(host: str) -> bool:
    name = host.lower().rstrip(".")
    if name in _LOCAL_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return True
    except ValueError:
        return False
