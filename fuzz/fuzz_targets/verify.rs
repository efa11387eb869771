//! `webhooks::verify` on arbitrary headers, bodies and secrets, for every scheme.
//! Invariants: it never panics; it never accepts unless the secret really
//! signs (the same request fails under a different secret); no error text or
//! Debug output contains a secret; `verify-fields` with the same headers as a
//! field block gives the same answer; any parsed field block re-renders to
//! itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use paywit::types::{Body, Header};
use paywit::webhooks::{self, HashAlgorithm, HmacScheme, Request, Scheme, SignatureEncoding, VerifyOptions};

fn schemes() -> Vec<Scheme> {
    let mut all: Vec<Scheme> = webhooks::schemes().into_iter().map(|i| i.scheme).collect();
    all.push(Scheme::Hmac(HmacScheme {
        header: "x-sig".into(),
        algorithm: HashAlgorithm::Sha512,
        encoding: SignatureEncoding::Base64,
        prefix: Some("p=".into()),
    }));
    all.push(Scheme::Hmac(HmacScheme {
        header: "x-sig".into(),
        algorithm: HashAlgorithm::Sha1,
        encoding: SignatureEncoding::Hex,
        prefix: None,
    }));
    all
}

fuzz_target!(|data: &[u8]| {
    let schemes = schemes();
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let scheme = &schemes[selector as usize % schemes.len()];
    // Fields separated by 0xff: secret, then header values for the scheme's headers, then the body.
    let mut fields = rest.split(|b| *b == 0xff);
    let secret = String::from_utf8_lossy(fields.next().unwrap_or_default()).into_owned();
    let info = webhooks::schemes().into_iter().find(|i| &i.scheme == scheme);
    let mut names: Vec<String> = info.map(|i| i.headers).unwrap_or_else(|| vec!["x-sig".into()]);
    if matches!(scheme, Scheme::StandardWebhooks) {
        names.extend(["webhook-id", "webhook-timestamp"].map(String::from));
    }
    let headers: Vec<Header> = names
        .iter()
        .map(|name| Header::new(name.clone(), String::from_utf8_lossy(fields.next().unwrap_or_default())))
        .collect();
    let body: Vec<u8> = fields.flatten().copied().collect();
    let request = Request { headers, body: Body::Bytes(body), url: Some("https://example.com/h".into()) };
    let options = VerifyOptions { now: 1_700_000_000, tolerance_seconds: Some(u32::MAX) };
    let result = webhooks::verify(scheme, &[secret.clone()], &request, options);
    match &result {
        Ok(_) => {
            let other = format!("{secret}-not-the-secret");
            assert!(webhooks::verify(scheme, &[other], &request, options).is_err(), "accepted under any secret");
        }
        Err(error) if secret.len() >= 8 => {
            let shown = format!("{error} {error:?}");
            assert!(!shown.contains(&secret), "an error shows the secret: {shown}");
        }
        Err(_) => {}
    }

    if request.headers.iter().all(|h| !h.value.contains(['\r', '\n'])) {
        let block: String = request.headers.iter().map(|h| format!("{}: {}\r\n", h.name, h.value)).collect();
        let by_fields =
            webhooks::verify_fields(scheme, &[secret.clone()], &block, request.body.clone(), request.url.clone(), options);
        assert_eq!(by_fields, result, "verify-fields and verify disagree");
    }

    let raw = String::from_utf8_lossy(rest);
    if let Ok(parsed) = webhooks::parse_field_block(&raw) {
        let rendered: String = parsed.iter().map(|h| format!("{}: {}\n", h.name, h.value)).collect();
        assert_eq!(webhooks::parse_field_block(&rendered).as_ref(), Ok(&parsed), "a parsed block re-renders to itself");
    }
});
