//! `conformance/golden/verify-packed.json`: golden `verify-packed` buffers.
//!
//! Every host packs `verify-packed`'s one-buffer request itself (Rust in `paywit::webhooks`,
//! Python's `_fast_verify.py`, Node's `core-verify.js`, Go and Java next). This file pins the
//! bytes: for each delivery, the field block, the whole layout-1 buffer, and the delivery part
//! a prepared head is followed by, all from paywit's own encoder (`field_block`, `pack`,
//! `pack_delivery`), and the answer `verify` gives. Each host's tests pack the same deliveries
//! and compare byte for byte; the Rust harness feeds every buffer to the component.
//! `cargo xtask codegen` writes it and `--check` keeps it current, like the bindings.

use anyhow::Result;
use paywit::types::{Body, Header};
use paywit::webhooks::{
    field_block, pack, pack_delivery, sign, verify, HashAlgorithm, HmacScheme, Message, Request, Scheme,
    SignatureEncoding, VerifyError, VerifyOptions,
};
use serde_json::{json, Value};

use super::File;

/// One delivery of the golden set.
struct Case {
    name: &'static str,
    scheme: Scheme,
    secrets: Vec<String>,
    headers: Vec<(String, String)>,
    body: Body,
    url: Option<&'static str>,
    now: i64,
    tolerance: Option<u32>,
}

const STRIPE: &str = "whsec_golden_stripe_secret_0123456789";
const STANDARD: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SHARED: &str = "golden-shared-secret";
const T: i64 = 1_764_158_400;

fn signed(
    scheme: &Scheme,
    secret: &str,
    body: &Body,
    id: Option<&str>,
    at: i64,
    url: Option<&str>,
) -> Vec<(String, String)> {
    let message = Message { body: body.clone(), id: id.map(String::from), signed_at: at, url: url.map(String::from) };
    let headers = sign(scheme, secret, &message).expect("golden deliveries sign");
    headers.into_iter().map(|h| (h.name, h.value)).collect()
}

fn with(mut headers: Vec<(String, String)>, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    headers.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
    headers
}

fn cases() -> Vec<Case> {
    let text = |s: &str| Body::Text(s.to_string());
    let json_body = text(r#"{"id":"evt_1","type":"payment_intent.succeeded","amount":1099}"#);
    let long = text(&format!(r#"{{"pad":"{}"}}"#, "x".repeat(300)));
    let custom = Scheme::Hmac(HmacScheme {
        header: "X-Signature".into(),
        algorithm: HashAlgorithm::Sha512,
        encoding: SignatureEncoding::Base64,
        prefix: Some("sha512=".into()),
    });
    let sha1 = Scheme::Hmac(HmacScheme {
        header: "X-Hook-Sig".into(),
        algorithm: HashAlgorithm::Sha1,
        encoding: SignatureEncoding::Hex,
        prefix: None,
    });
    let binary = Body::Bytes(vec![0, 159, 146, 150, 255, 10, 13, b'{', b'}']);
    let unicode = text("{\"name\":\"payé €5 ✓\"}");
    let square_url = "https://example.com/paywit/webhook?shop=1";
    vec![
        Case {
            name: "stripe text body",
            scheme: Scheme::Stripe,
            secrets: vec![STRIPE.into()],
            headers: with(
                signed(&Scheme::Stripe, STRIPE, &json_body, None, T, None),
                &[("Content-Type", "application/json")],
            ),
            body: json_body.clone(),
            url: None,
            now: T + 10,
            tolerance: None,
        },
        Case {
            name: "stripe rotation, second secret, explicit tolerance",
            scheme: Scheme::Stripe,
            secrets: vec!["whsec_old_rotated_out".into(), STRIPE.into()],
            headers: signed(&Scheme::Stripe, STRIPE, &long, None, T, None),
            body: long.clone(),
            url: None,
            now: T + 500,
            tolerance: Some(600),
        },
        Case {
            name: "stripe stale",
            scheme: Scheme::Stripe,
            secrets: vec![STRIPE.into()],
            headers: signed(&Scheme::Stripe, STRIPE, &json_body, None, T, None),
            body: json_body.clone(),
            url: None,
            now: T + 301,
            tolerance: None,
        },
        Case {
            name: "standard webhooks bytes body",
            scheme: Scheme::StandardWebhooks,
            secrets: vec![STANDARD.into()],
            headers: signed(&Scheme::StandardWebhooks, STANDARD, &binary, Some("msg_golden_1"), T, None),
            body: binary.clone(),
            url: None,
            now: T,
            tolerance: None,
        },
        Case {
            name: "standard webhooks from the future, tolerance 0",
            scheme: Scheme::StandardWebhooks,
            secrets: vec![STANDARD.into()],
            headers: signed(&Scheme::StandardWebhooks, STANDARD, &json_body, Some("msg_golden_2"), T + 1, None),
            body: json_body.clone(),
            url: None,
            now: T,
            tolerance: Some(0),
        },
        Case {
            name: "github unicode body and header values",
            scheme: Scheme::Github,
            secrets: vec![SHARED.into()],
            headers: with(signed(&Scheme::Github, SHARED, &unicode, None, T, None), &[("X-Note", "café ✓")]),
            body: unicode.clone(),
            url: None,
            now: -5,
            tolerance: None,
        },
        Case {
            name: "generic hmac sha512 base64 with prefix",
            scheme: custom.clone(),
            secrets: vec![SHARED.into()],
            headers: signed(&custom, SHARED, &json_body, None, T, None),
            body: json_body.clone(),
            url: None,
            now: T,
            tolerance: None,
        },
        Case {
            name: "generic hmac sha1 hex, wrong secret",
            scheme: sha1.clone(),
            secrets: vec!["not-the-secret".into()],
            headers: signed(&sha1, SHARED, &json_body, None, T, None),
            body: json_body.clone(),
            url: None,
            now: T,
            tolerance: None,
        },
        Case {
            name: "square signs the url",
            scheme: Scheme::Square,
            secrets: vec![SHARED.into()],
            headers: signed(&Scheme::Square, SHARED, &json_body, None, T, Some(square_url)),
            body: json_body.clone(),
            url: Some(square_url),
            now: T,
            tolerance: None,
        },
        Case {
            name: "slack",
            scheme: Scheme::Slack,
            secrets: vec![SHARED.into()],
            headers: signed(&Scheme::Slack, SHARED, &text("token=x&team_id=T1"), None, T, None),
            body: text("token=x&team_id=T1"),
            url: None,
            now: T + 3,
            tolerance: None,
        },
        Case {
            name: "paddle",
            scheme: Scheme::Paddle,
            secrets: vec!["pdl_ntfset_golden".into()],
            headers: signed(&Scheme::Paddle, "pdl_ntfset_golden", &json_body, None, T, None),
            body: json_body.clone(),
            url: None,
            now: T + 1,
            tolerance: None,
        },
        Case {
            name: "nowpayments",
            scheme: Scheme::Nowpayments,
            secrets: vec![SHARED.into()],
            headers: signed(&Scheme::Nowpayments, SHARED, &text(r#"{"b":2,"a":{"d":1,"c":[3]}}"#), None, T, None),
            body: text(r#"{"b":2,"a":{"d":1,"c":[3]}}"#),
            url: None,
            now: T,
            tolerance: None,
        },
        Case {
            name: "empty body, no headers",
            scheme: Scheme::Shopify,
            secrets: vec![SHARED.into()],
            headers: Vec::new(),
            body: text(""),
            url: None,
            now: 0,
            tolerance: None,
        },
        Case {
            name: "a value with a line break cannot travel in a field block",
            scheme: Scheme::Github,
            secrets: vec![SHARED.into()],
            headers: with(
                signed(&Scheme::Github, SHARED, &json_body, None, T, None),
                &[("X-Bad", "a\r\nX-Hub-Signature-256: x")],
            ),
            body: json_body.clone(),
            url: None,
            now: T,
            tolerance: None,
        },
        Case {
            name: "a name with a colon cannot travel in a field block",
            scheme: Scheme::Github,
            secrets: vec![SHARED.into()],
            headers: with(signed(&Scheme::Github, SHARED, &json_body, None, T, None), &[("X:Odd", "1")]),
            body: json_body,
            url: None,
            now: T,
            tolerance: None,
        },
    ]
}

fn scheme_json(scheme: &Scheme) -> Value {
    match scheme {
        Scheme::Hmac(h) => json!({"hmac": {
            "header": h.header,
            "algorithm": match h.algorithm { HashAlgorithm::Sha256 => "sha256", HashAlgorithm::Sha512 => "sha512", HashAlgorithm::Sha1 => "sha1" },
            "encoding": match h.encoding { SignatureEncoding::Hex => "hex", SignatureEncoding::Base64 => "base64" },
            "prefix": h.prefix,
        }}),
        other => json!(other.name()),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn expect(answer: Result<paywit::webhooks::Verified, VerifyError>) -> Value {
    match answer {
        Ok(v) => json!({"ok": {"secret-index": v.secret_index, "message-id": v.message_id, "signed-at": v.signed_at}}),
        Err(e) => json!({"err": e.code()}),
    }
}

/// The golden file.
pub fn generate() -> Result<File> {
    let mut out = Vec::new();
    for case in cases() {
        let headers: Vec<Header> =
            case.headers.iter().map(|(name, value)| Header { name: name.clone(), value: value.clone() }).collect();
        let options = VerifyOptions { now: case.now, tolerance_seconds: case.tolerance };
        let fields = field_block(&headers);
        let packed = fields.as_deref().map(|f| pack(&case.scheme, &case.secrets, f, &case.body, case.url, options));
        let delivery = fields.as_deref().map(|f| {
            let mut tail = Vec::new();
            pack_delivery(&mut tail, f, &case.body, case.url, options);
            tail
        });
        let request = Request { headers, body: case.body.clone(), url: case.url.map(String::from) };
        let body = match &case.body {
            Body::Text(t) => json!({"text": t}),
            Body::Bytes(b) => json!({"bytes": hex(b)}),
        };
        out.push(json!({
            "name": case.name,
            "scheme": scheme_json(&case.scheme),
            "secrets": case.secrets,
            "headers": case.headers.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
            "body": body,
            "url": case.url,
            "now": case.now,
            "tolerance-seconds": case.tolerance,
            "fields": fields,
            "packed": packed.as_deref().map(hex),
            "delivery": delivery.as_deref().map(hex),
            "expect": expect(verify(&case.scheme, &case.secrets, &request, options)),
        }));
    }
    let document = json!({
        "about": "Golden verify-packed buffers (see conformance/README.md). Written by `cargo xtask codegen` \
                  (xtask/src/codegen/golden.rs) from paywit's own encoder; do not edit. Every host's encoder \
                  must produce `fields`, `packed` (layout 1) and `delivery` byte for byte (hex), and verifying \
                  the delivery must give `expect` (`err` names the verify-error case). `fields`, `packed` and \
                  `delivery` are null when the headers cannot travel as a field block (the host calls `verify`).",
        "cases": out,
    });
    Ok(File {
        path: "conformance/golden/verify-packed.json".into(),
        contents: serde_json::to_string_pretty(&document)? + "\n",
    })
}
