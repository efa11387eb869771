//! Header lookup for the schemes, with verify's error type. The policy
//! (case-insensitive names, trimmed values, conflicting repeats refused) lives
//! in [`crate::types::find_header`], shared with signed API requests.

use super::{Header, VerifyError};

/// The value of `name`, if present.
pub(super) fn find<'a>(headers: &'a [Header], name: &str) -> Result<Option<&'a str>, VerifyError> {
    crate::types::find_header(headers, name).map_err(|_| malformed(name, "repeated with different values"))
}

/// The value of `name`, or a missing-header error.
pub(super) fn require<'a>(headers: &'a [Header], name: &str) -> Result<&'a str, VerifyError> {
    find(headers, name)?.ok_or_else(|| VerifyError::MissingHeader(name.to_string()))
}

/// A malformed-header error.
pub(super) fn malformed(name: &str, reason: &str) -> VerifyError {
    VerifyError::MalformedHeader { name: name.to_string(), reason: reason.to_string() }
}
