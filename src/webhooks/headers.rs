//! Header lookup: case-insensitive names, deliberate handling of repeats.
//!
//! Policy: a header repeated with the *same* value counts once; repeated with
//! *different* values it is refused as malformed, because an ambiguous
//! signature header is exactly what a smuggling attack would send. Values are
//! trimmed of surrounding spaces and tabs (HTTP's optional whitespace).

use super::{Header, VerifyError};

/// The value of `name`, if present.
pub(super) fn find<'a>(headers: &'a [Header], name: &str) -> Result<Option<&'a str>, VerifyError> {
    let mut found: Option<&'a str> = None;
    for header in headers.iter().filter(|h| h.name.eq_ignore_ascii_case(name)) {
        let value = header.value.trim_matches([' ', '\t']);
        match found {
            Some(previous) if previous != value => {
                return Err(VerifyError::MalformedHeader {
                    name: name.to_string(),
                    reason: "repeated with different values".to_string(),
                })
            }
            _ => found = Some(value),
        }
    }
    Ok(found)
}

/// The value of `name`, or a missing-header error.
pub(super) fn require<'a>(headers: &'a [Header], name: &str) -> Result<&'a str, VerifyError> {
    find(headers, name)?.ok_or_else(|| VerifyError::MissingHeader(name.to_string()))
}

/// A malformed-header error.
pub(super) fn malformed(name: &str, reason: &str) -> VerifyError {
    VerifyError::MalformedHeader { name: name.to_string(), reason: reason.to_string() }
}
