//! Hex and base64 helpers with the strictness paywit documents.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

/// Standard alphabet as the reference libraries read a pasted secret: padding
/// optional, and non-zero trailing bits of the last character ignored (Python's
/// `b64decode(secret + "==")` and the JavaScript and Go references do the same).
const SECRET_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Lowercase hex of `bytes`.
pub fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[(byte >> 4) as usize] as char);
        out.push(DIGITS[(byte & 0x0f) as usize] as char);
    }
    out
}

/// Decodes hex in either case; `None` on odd length or a non-hex character.
pub fn hex_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes.chunks_exact(2).map(|pair| Some((hex_digit(pair[0])? << 4) | hex_digit(pair[1])?)).collect()
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Standard base64 with padding.
pub fn base64_encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Strict standard base64: padding required, non-canonical trailing bits refused,
/// so each byte string has exactly one accepted encoding.
pub fn base64_decode_strict(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text).ok()
}

/// Standard base64 for secrets: with or without padding, trailing bits ignored.
/// Lenient on purpose: a secret is pasted by an operator, not sent by an
/// attacker, and refusing what the reference libraries accept breaks rotation.
pub fn base64_decode_secret(text: &str) -> Option<Vec<u8>> {
    SECRET_BASE64.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_accepts_either_case() {
        assert_eq!(hex_lower(&[0x00, 0xab, 0xff]), "00abff");
        assert_eq!(hex_decode("00ABff"), Some(vec![0x00, 0xab, 0xff]));
        assert_eq!(hex_decode("abc"), None);
        assert_eq!(hex_decode("zz"), None);
    }

    #[test]
    fn base64_strict_refuses_non_canonical_and_unpadded() {
        assert_eq!(base64_decode_strict("AQ=="), Some(vec![1]));
        assert_eq!(base64_decode_strict("AR=="), None, "non-canonical trailing bits");
        assert_eq!(base64_decode_strict("AQ"), None, "padding required");
        assert_eq!(base64_decode_secret("AQ"), Some(vec![1]));
    }

    #[test]
    fn secrets_decode_as_the_reference_libraries_do() {
        // The Standard Webhooks reference suites' "needs one padding" secret has non-zero trailing bits.
        let lenient = base64_decode_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS").unwrap();
        assert_eq!(lenient, base64_decode_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaQ=").unwrap());
        assert_eq!(lenient.len(), 23);
        assert_eq!(base64_decode_secret("AR=="), Some(vec![1]));
        assert_eq!(base64_decode_secret("A"), None, "a lone character is never valid");
        assert_eq!(base64_decode_secret("AQ=a"), None, "padding in the middle");
    }
}
