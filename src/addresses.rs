//! Crypto refund address validation (`paywit:gateway/addresses`): Bitcoin
//! base58check (P2PKH, P2SH) and bech32/bech32m segwit (BIP-173, BIP-350),
//! Ethereum hex with the EIP-55 mixed-case checksum.

use sha2::{Digest, Sha256};
use sha3::Keccak256;

/// The network an address must belong to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Network {
    /// Bitcoin mainnet (`1…`, `3…`, `bc1…`).
    BitcoinMainnet,
    /// Bitcoin testnet/signet (`m…`/`n…`, `2…`, `tb1…`).
    BitcoinTestnet,
    /// Ethereum and EVM chains (`0x` + 40 hex).
    Ethereum,
}

/// What kind of address it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressKind {
    /// Base58 pay-to-public-key-hash.
    P2pkh,
    /// Base58 pay-to-script-hash.
    P2sh,
    /// Segwit v0, 20-byte program.
    WitnessV0KeyHash,
    /// Segwit v0, 32-byte program.
    WitnessV0ScriptHash,
    /// Segwit v1, 32-byte program.
    Taproot,
    /// Another segwit version (valid, but not yet defined on the network).
    WitnessFuture,
    /// An Ethereum account.
    Ethereum,
}

/// A valid address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddressInfo {
    /// Its kind.
    pub kind: AddressKind,
    /// Whether a checksum protected it (false only for all-lowercase or
    /// all-uppercase Ethereum addresses, which carry no EIP-55 checksum).
    pub checksummed: bool,
}

/// Why an address is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressError {
    /// Empty.
    Empty,
    /// Longer than any address of the network.
    TooLong,
    /// A character outside the encoding's alphabet at this byte offset.
    InvalidCharacter(u32),
    /// Upper and lower case mixed (bech32).
    MixedCase,
    /// The checksum does not match (a typo).
    BadChecksum,
    /// A valid address of another network.
    WrongNetwork,
    /// The decoded length or version is not an address's.
    InvalidFormat,
    /// A segwit program of the wrong length for its version.
    InvalidProgramLength,
    /// A witness version above 16.
    InvalidWitnessVersion,
    /// Non-zero or over-long padding in the 5-to-8-bit conversion.
    InvalidPadding,
}

/// Validates `address` for `network`.
pub fn validate_address(network: Network, address: &str) -> Result<AddressInfo, AddressError> {
    if address.is_empty() {
        return Err(AddressError::Empty);
    }
    match network {
        Network::Ethereum => ethereum(address),
        Network::BitcoinMainnet => bitcoin(address, "bc", [0x00, 0x05], ("tb", [0x6f, 0xc4])),
        Network::BitcoinTestnet => bitcoin(address, "tb", [0x6f, 0xc4], ("bc", [0x00, 0x05])),
    }
}

fn bitcoin(address: &str, hrp: &str, versions: [u8; 2], other: (&str, [u8; 2])) -> Result<AddressInfo, AddressError> {
    if address.len() > 90 {
        return Err(AddressError::TooLong);
    }
    let lower = address.to_ascii_lowercase();
    if lower.starts_with(&format!("{hrp}1")) {
        return segwit(address, hrp);
    }
    if lower.starts_with(&format!("{}1", other.0)) {
        return segwit(address, other.0).and(Err(AddressError::WrongNetwork));
    }
    let payload = base58check(address)?;
    match payload[0] {
        v if v == versions[0] => Ok(AddressInfo { kind: AddressKind::P2pkh, checksummed: true }),
        v if v == versions[1] => Ok(AddressInfo { kind: AddressKind::P2sh, checksummed: true }),
        v if other.1.contains(&v) => Err(AddressError::WrongNetwork),
        _ => Err(AddressError::InvalidFormat),
    }
}

const BASE58: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Decodes a 25-byte base58check payload (version byte + 20-byte hash), checksum verified.
fn base58check(text: &str) -> Result<[u8; 21], AddressError> {
    let mut bytes: Vec<u8> = Vec::with_capacity(32);
    for (offset, c) in text.bytes().enumerate() {
        let digit = BASE58.iter().position(|b| *b == c).ok_or(AddressError::InvalidCharacter(offset as u32))? as u32;
        let mut carry = digit;
        for byte in bytes.iter_mut().rev() {
            carry += (*byte as u32) * 58;
            *byte = carry as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.insert(0, carry as u8);
            carry >>= 8;
        }
    }
    let leading_zeros = text.bytes().take_while(|b| *b == b'1').count();
    let mut decoded = vec![0u8; leading_zeros];
    decoded.extend(bytes);
    if decoded.len() != 25 {
        return Err(AddressError::InvalidFormat);
    }
    let checksum = Sha256::digest(Sha256::digest(&decoded[..21]));
    if checksum[..4] != decoded[21..] {
        return Err(AddressError::BadChecksum);
    }
    let mut payload = [0u8; 21];
    payload.copy_from_slice(&decoded[..21]);
    Ok(payload)
}

const BECH32_CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const BECH32_CONST: u32 = 1;
const BECH32M_CONST: u32 = 0x2bc8_30a3;

fn polymod(values: impl Iterator<Item = u8>) -> u32 {
    const GENERATOR: [u32; 5] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3];
    let mut checksum = 1u32;
    for value in values {
        let top = checksum >> 25;
        checksum = ((checksum & 0x01ff_ffff) << 5) ^ value as u32;
        for (i, g) in GENERATOR.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                checksum ^= g;
            }
        }
    }
    checksum
}

/// Decodes a segwit address whose human-readable part is `hrp` (BIP-173/350).
fn segwit(address: &str, hrp: &str) -> Result<AddressInfo, AddressError> {
    let has_lower = address.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = address.bytes().any(|b| b.is_ascii_uppercase());
    if has_lower && has_upper {
        return Err(AddressError::MixedCase);
    }
    let lower = address.to_ascii_lowercase();
    let data_part = &lower[hrp.len() + 1..];
    if data_part.len() < 6 {
        return Err(AddressError::InvalidFormat);
    }
    let mut data = Vec::with_capacity(data_part.len());
    for (i, c) in data_part.bytes().enumerate() {
        let value = BECH32_CHARSET.iter().position(|b| *b == c);
        let value = value.ok_or(AddressError::InvalidCharacter((hrp.len() + 1 + i) as u32))?;
        data.push(value as u8);
    }
    let expanded =
        hrp.bytes().map(|b| b >> 5).chain([0]).chain(hrp.bytes().map(|b| b & 31)).chain(data.iter().copied());
    let constant = polymod(expanded);
    let payload = &data[..data.len() - 6];
    let Some((&version, program5)) = payload.split_first() else { return Err(AddressError::InvalidFormat) };
    if version > 16 {
        return Err(AddressError::InvalidWitnessVersion);
    }
    let wanted = if version == 0 { BECH32_CONST } else { BECH32M_CONST };
    if constant != wanted {
        return Err(AddressError::BadChecksum);
    }
    let program = convert_5_to_8(program5)?;
    if !(2..=40).contains(&program.len()) || (version == 0 && program.len() != 20 && program.len() != 32) {
        return Err(AddressError::InvalidProgramLength);
    }
    let kind = match (version, program.len()) {
        (0, 20) => AddressKind::WitnessV0KeyHash,
        (0, _) => AddressKind::WitnessV0ScriptHash,
        (1, 32) => AddressKind::Taproot,
        _ => AddressKind::WitnessFuture,
    };
    Ok(AddressInfo { kind, checksummed: true })
}

fn convert_5_to_8(data: &[u8]) -> Result<Vec<u8>, AddressError> {
    let (mut acc, mut bits, mut out) = (0u32, 0u32, Vec::with_capacity(data.len() * 5 / 8));
    for value in data {
        acc = (acc << 5) | *value as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    if bits >= 5 || (acc & ((1 << bits) - 1)) != 0 {
        return Err(AddressError::InvalidPadding);
    }
    Ok(out)
}

fn ethereum(address: &str) -> Result<AddressInfo, AddressError> {
    let hex = address.strip_prefix("0x").ok_or(AddressError::InvalidFormat)?;
    if hex.len() > 40 {
        return Err(AddressError::TooLong);
    }
    if let Some(offset) = hex.bytes().position(|b| !b.is_ascii_hexdigit()) {
        return Err(AddressError::InvalidCharacter(offset as u32 + 2));
    }
    if hex.len() != 40 {
        return Err(AddressError::InvalidFormat);
    }
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    if !(has_lower && has_upper) {
        return Ok(AddressInfo { kind: AddressKind::Ethereum, checksummed: false });
    }
    let hash = Keccak256::digest(hex.to_ascii_lowercase().as_bytes());
    for (i, c) in hex.bytes().enumerate() {
        let nibble = (hash[i / 2] >> if i % 2 == 0 { 4 } else { 0 }) & 0x0f;
        if c.is_ascii_alphabetic() && c.is_ascii_uppercase() != (nibble >= 8) {
            return Err(AddressError::BadChecksum);
        }
    }
    Ok(AddressInfo { kind: AddressKind::Ethereum, checksummed: true })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn network(name: &str) -> Network {
        match name {
            "bitcoin-mainnet" => Network::BitcoinMainnet,
            "bitcoin-testnet" => Network::BitcoinTestnet,
            _ => Network::Ethereum,
        }
    }

    fn code(error: AddressError) -> &'static str {
        match error {
            AddressError::Empty => "empty",
            AddressError::TooLong => "too-long",
            AddressError::InvalidCharacter(_) => "invalid-character",
            AddressError::MixedCase => "mixed-case",
            AddressError::BadChecksum => "bad-checksum",
            AddressError::WrongNetwork => "wrong-network",
            AddressError::InvalidFormat => "invalid-format",
            AddressError::InvalidProgramLength => "invalid-program-length",
            AddressError::InvalidWitnessVersion => "invalid-witness-version",
            AddressError::InvalidPadding => "invalid-padding",
        }
    }

    #[test]
    fn published_vectors() {
        let json: serde_json::Value =
            serde_json::from_str(include_str!("../conformance/vectors/addresses.json")).unwrap();
        for v in json["valid"].as_array().unwrap() {
            let address = v["address"].as_str().unwrap();
            let info = validate_address(network(v["network"].as_str().unwrap()), address)
                .unwrap_or_else(|e| panic!("{address}: {e:?}"));
            let kind = format!("{:?}", info.kind);
            let expected: String =
                v["kind"].as_str().unwrap().split('-').map(|w| w[..1].to_uppercase() + &w[1..]).collect();
            assert_eq!(kind.to_lowercase(), expected.to_lowercase(), "{address}");
            if let Some(checksummed) = v["checksummed"].as_bool() {
                assert_eq!(info.checksummed, checksummed, "{address}");
            }
        }
        for v in json["invalid"].as_array().unwrap() {
            let address = v["address"].as_str().unwrap();
            let error = validate_address(network(v["network"].as_str().unwrap()), address).expect_err(address);
            if let Some(expected) = v["error"].as_str() {
                assert_eq!(code(error), expected, "{address}");
            }
        }
    }

    #[test]
    fn base58_addresses() {
        let p2pkh = validate_address(Network::BitcoinMainnet, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2").unwrap();
        assert_eq!(p2pkh.kind, AddressKind::P2pkh);
        assert_eq!(
            validate_address(Network::BitcoinMainnet, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy").unwrap().kind,
            AddressKind::P2sh
        );
        assert_eq!(
            validate_address(Network::BitcoinMainnet, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3"),
            Err(AddressError::BadChecksum)
        );
        assert_eq!(
            validate_address(Network::BitcoinMainnet, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN0"),
            Err(AddressError::InvalidCharacter(33))
        );
        assert_eq!(
            validate_address(Network::BitcoinTestnet, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
            Err(AddressError::WrongNetwork)
        );
        assert_eq!(validate_address(Network::BitcoinMainnet, ""), Err(AddressError::Empty));
        assert_eq!(validate_address(Network::BitcoinMainnet, "1111"), Err(AddressError::InvalidFormat));
    }

    #[test]
    fn segwit_wrong_network_and_case() {
        let mainnet = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4";
        assert_eq!(validate_address(Network::BitcoinTestnet, mainnet), Err(AddressError::WrongNetwork));
        assert_eq!(
            validate_address(Network::BitcoinMainnet, &mainnet.to_uppercase()).unwrap().kind,
            AddressKind::WitnessV0KeyHash
        );
    }

    #[test]
    fn ethereum_without_checksum_is_flagged() {
        let lower = validate_address(Network::Ethereum, "0x52908400098527886e0f7030069857d2e4169ee7").unwrap();
        assert!(!lower.checksummed);
        assert_eq!(
            validate_address(Network::Ethereum, "52908400098527886E0F7030069857D2E4169EE7"),
            Err(AddressError::InvalidFormat)
        );
        assert_eq!(validate_address(Network::Ethereum, "0x5290840009852788"), Err(AddressError::InvalidFormat));
        assert_eq!(
            validate_address(Network::Ethereum, "0xZ2908400098527886E0F7030069857D2E4169EE7"),
            Err(AddressError::InvalidCharacter(2))
        );
    }
}
