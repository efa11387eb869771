"""paywit.addresses: the published address vectors (conformance/vectors/addresses.json)."""
import json

import pytest

import paywit
from conftest import VECTORS
from paywit import addresses

ADDRESSES = json.loads((VECTORS / "addresses.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("v", ADDRESSES["valid"], ids=lambda v: v["address"][:24])
def test_valid_addresses(v):
    info = addresses.validate_address(v["network"], v["address"])
    if "kind" in v:
        assert info.kind == v["kind"]


@pytest.mark.parametrize("v", ADDRESSES["invalid"], ids=lambda v: v["address"][:24])
def test_invalid_addresses(v):
    with pytest.raises(addresses.AddressError) as info:
        addresses.validate_address(v["network"], v["address"])
    if "error" in v:
        assert info.value.code == v["error"]


def test_address_vector_count():
    assert len(ADDRESSES["valid"]) + len(ADDRESSES["invalid"]) == 37


def test_address_answers():
    info = addresses.AddressInfo
    assert paywit.validate_address(addresses.Network.BITCOIN_MAINNET, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2") == info(
        kind=addresses.AddressKind.P2PKH, checksummed=True)
    eth = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    assert paywit.validate_address("ethereum", eth) == info(kind=addresses.AddressKind.ETHEREUM, checksummed=True)
    assert paywit.validate_address("ethereum", eth.lower()) == info(kind="ethereum", checksummed=False)
    with pytest.raises(addresses.AddressBadChecksumError):
        paywit.validate_address("ethereum", eth.replace("a", "A", 1))
    with pytest.raises(addresses.AddressWrongNetworkError):
        paywit.validate_address("bitcoin-testnet", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")
    with pytest.raises(addresses.AddressInvalidCharacterError) as error:
        paywit.validate_address("bitcoin-mainnet", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNV0l")
    assert isinstance(error.value.details, int)
    with pytest.raises(paywit.InvalidArgumentError):
        paywit.validate_address("dogecoin", "D...")
