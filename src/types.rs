//! Types shared by every interface (`paywit:gateway/types`).

/// One HTTP header. Names match case-insensitively (ASCII) everywhere in paywit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The header name, in any case.
    pub name: String,
    /// The header value exactly as received.
    pub value: String,
}

impl Header {
    /// Builds a header from anything string-like.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Header { name: name.into(), value: value.into() }
    }
}

/// A raw body: text and bytes with the same UTF-8 bytes behave identically.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// The body as a UTF-8 string.
    Text(String),
    /// The body as raw bytes.
    Bytes(Vec<u8>),
}

impl Body {
    /// The exact bytes that signatures and fingerprints cover.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Body::Text(text) => text.as_bytes(),
            Body::Bytes(bytes) => bytes,
        }
    }
}

/// A header value without the optional whitespace (spaces and tabs, RFC 9110
/// `OWS`) around it: the one trimming rule for every header paywit reads.
pub(crate) fn trim_ows(value: &str) -> &str {
    value.trim_matches([' ', '\t'])
}

/// A header repeated with differing values (see [`find_header`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ConflictingRepeats;

/// The value of header `name` (ASCII case-insensitive), trimmed of surrounding
/// spaces and tabs. A header repeated with the same value counts once; repeated
/// with different values it is refused, since an ambiguous security header is
/// what a smuggling attempt looks like.
pub(crate) fn find_header<'a>(headers: &'a [Header], name: &str) -> Result<Option<&'a str>, ConflictingRepeats> {
    let mut found: Option<&'a str> = None;
    for header in headers.iter().filter(|h| h.name.eq_ignore_ascii_case(name)) {
        let value = trim_ows(&header.value);
        match found {
            Some(previous) if previous != value => return Err(ConflictingRepeats),
            _ => found = Some(value),
        }
    }
    Ok(found)
}
