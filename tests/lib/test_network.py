"""Subnet grouping and the keyed hashes of client addresses (lib/network.py)."""

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from undersigned.lib.network import address_hash, subnet_hash, subnet_of, subnets


@given(st.ip_addresses(v=4))
def test_an_ipv4_address_is_grouped_in_its_24(ip):
    [network] = subnets(str(ip))
    assert ipaddress.ip_network(network).prefixlen == 24
    assert ip in ipaddress.ip_network(network)


@given(st.ip_addresses(v=6).filter(lambda ip: ip.ipv4_mapped is None))
def test_an_ipv6_address_is_grouped_in_its_48_and_its_64(ip):
    wide, narrow = subnets(str(ip))
    assert ipaddress.ip_network(wide).prefixlen == 48
    assert ipaddress.ip_network(narrow).prefixlen == 64
    assert ip in ipaddress.ip_network(narrow)
    assert ipaddress.ip_network(narrow).subnet_of(ipaddress.ip_network(wide))


@given(st.ip_addresses(v=4), st.integers(0, 255))
def test_neighbours_share_a_subnet_hash_and_not_an_address_hash(ip, last):
    neighbour = ipaddress.ip_address((int(ip) & ~0xFF) | last)
    assert subnet_hash(str(ip)) == subnet_hash(str(neighbour))
    assert (address_hash(str(ip)) == address_hash(str(neighbour))) == (ip == neighbour)


def test_an_ipv4_mapped_ipv6_address_is_grouped_as_ipv4():
    assert subnet_of("::ffff:192.0.2.77") == "192.0.2.0/24"


def test_the_hashes_do_not_contain_the_address():
    assert "192.0.2" not in address_hash("192.0.2.77") + subnet_hash("192.0.2.77")
    assert len(address_hash("192.0.2.77")) == 64
