"""Client addresses as the abuse defences see them: grouped by network, and hashed.

A signer's address is never stored; only keyed hashes of it and of its subnet are, so a
burst from one network can be seen without anyone learning who was on it.
"""

import ipaddress

from django.utils.crypto import salted_hmac

IPV4_PREFIX = 24
IPV6_PREFIXES = (48, 64)


def subnets(address: str) -> tuple[str, ...]:
    """The networks an address is grouped in, widest first: its /24 for IPv4, its /48 and
    /64 for IPv6 ("" or an address that does not parse is its own group)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return (address.strip(),)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        return (str(ipaddress.ip_network(f"{ip}/{IPV4_PREFIX}", strict=False)),)
    return tuple(
        str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False)) for prefix in IPV6_PREFIXES
    )


def subnet_of(address: str) -> str:
    """The narrowest network an address is grouped in: /24 for IPv4, /64 for IPv6."""
    return subnets(address)[-1]


def address_hash(address: str) -> str:
    """A keyed hash of an address, useless without the server's secret."""
    return salted_hmac(
        "undersigned.network.address", address.strip(), algorithm="sha256"
    ).hexdigest()


def subnet_hash(address: str) -> str:
    """A keyed hash of the narrowest subnet of an address (subnet_of)."""
    return salted_hmac(
        "undersigned.network.subnet", subnet_of(address), algorithm="sha256"
    ).hexdigest()
