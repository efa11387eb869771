//! Documented maximums for untrusted input. Anything larger is refused with a
//! typed error before any work is done on it.

/// Largest webhook body accepted: 16 MiB (gateways send a few KiB).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Most headers accepted in one request.
pub const MAX_HEADER_COUNT: usize = 256;
/// Longest single header (name plus value, surrounding spaces and tabs not counted): 16 KiB.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Most secrets accepted in one rotation list.
pub const MAX_SECRET_COUNT: usize = 16;
/// Longest secret string accepted: 1 KiB.
pub const MAX_SECRET_BYTES: usize = 1024;
/// Longest URL accepted: 8 KiB.
pub const MAX_URL_BYTES: usize = 8 * 1024;
/// Longest message id accepted: 256 bytes.
pub const MAX_ID_BYTES: usize = 256;
/// Shortest decoded symmetric Standard Webhooks key: 16 bytes (lenient base64
/// can turn garbage into a tiny key, so shorter keys are refused).
pub const MIN_DECODED_SECRET_BYTES: usize = 16;
