//! Which of the sender's headers go on to the upstream.

/// Request headers not passed on, besides those named below: hop-by-hop ones
/// (RFC 9110 7.6.1, plus HTTP/2's and the old `Proxy-Connection`), `Host` and
/// `Content-Length` (the upstream client sets them), `Expect` (about the
/// sender's connection to the ingress, which reads the whole body anyway), and
/// the sender's claims about the client, which the ingress cannot check: a
/// forwarded `X-Forwarded-For` would let any sender pick the address the
/// upstream logs or rate-limits (so are every `X-Forwarded-*` name and the
/// other client-address headers common servers read), and the sender's requests
/// to rewrite the upstream's method or URL. Any `Proxy-*` header is hop-by-hop as
/// well. Names are compared without case and with `_` read as `-` (CGI-style
/// servers map both spellings to one variable).
const NOT_FORWARDED: &[&str] = &[
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-connection",
    "http2-settings",
    "expect",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-real-ip",
    "forwarded",
    "via",
    "x-client-ip",
    "true-client-ip",
    "cf-connecting-ip",
    "x-cluster-client-ip",
    "x-original-forwarded-for",
    "x-envoy-external-address",
    "front-end-https",
    "x-original-url",
    "x-rewrite-url",
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
];
/// Headers the ingress sets itself for the upstream: never taken from the
/// sender, whose copy would come first and win with a first-value reader (and
/// make `verify-request` refuse the forward as ambiguous).
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
const PAYWIT_PREFIX: &str = "x-paywit-";

/// HTTP fields as wasi:http carries them: (name, value bytes).
pub type FieldList = Vec<(String, Vec<u8>)>;

/// The sender's headers that go on to the upstream: not the ones the ingress
/// sets itself (`X-Paywit-*`, `Idempotency-Key`, any other name in `own`), not
/// the hop-by-hop and client-claim ones (`NOT_FORWARDED`, `Proxy-*`,
/// `X-Forwarded-*`, and every name the sender's `Connection` lists), all
/// compared without case and with `_` read as `-`.
pub fn end_to_end(headers: &[(String, Vec<u8>)], own: &[String]) -> FieldList {
    let listed: Vec<String> = headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("connection"))
        .filter_map(|(_, value)| std::str::from_utf8(value).ok())
        .flat_map(|value| value.split(','))
        .map(|token| token.trim().to_ascii_lowercase().replace('_', "-"))
        .filter(|token| !token.is_empty())
        .collect();
    headers
        .iter()
        .filter(|(name, _)| {
            let name = name.to_ascii_lowercase().replace('_', "-");
            !(name.starts_with(PAYWIT_PREFIX)
                || name == IDEMPOTENCY_KEY
                || name.starts_with("proxy-")
                || name.starts_with("x-forwarded-")
                || NOT_FORWARDED.contains(&name.as_str())
                || listed.contains(&name)
                || own.iter().any(|own| own.eq_ignore_ascii_case(&name)))
        })
        .cloned()
        .collect()
}
