//! The Rust half of the differential test (see `host-tests/peers/peers.py`):
//! verifies every case the PyPI peers signed, through the component and
//! natively, then signs random cases through the component for the peers.
//!
//! Usage: `peer-check DIR` (DIR holds `peer-signed.json`; `paywit-signed.json` is written there).

use std::time::{SystemTime, UNIX_EPOCH};

use paywit_component::native::types::{Body, Header};
use paywit_component::native::webhooks::{self, Message, Request, Scheme, VerifyOptions};
use paywit_component::{Conv, Host};
use paywit_host_tests::component_path;
use serde_json::{json, Value};

const CASES: usize = 200;

/// The request with its Standard Webhooks signature's last base64 character
/// changed in its unused low bits (same decoded bytes), if it has one.
fn non_canonical(request: &Request) -> Option<Request> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut lenient = request.clone();
    let header = lenient.headers.iter_mut().find(|h| h.name.ends_with("-signature") && h.value.starts_with("v1,"))?;
    let data_len = header.value.trim_end_matches('=').len();
    let last = ALPHABET.iter().position(|c| *c == header.value.as_bytes()[data_len - 1])?;
    let replacement = ALPHABET[last | 1] as char;
    if replacement as u8 == header.value.as_bytes()[data_len - 1] {
        return None;
    }
    header.value.replace_range(data_len - 1..data_len, &replacement.to_string());
    Some(lenient)
}

fn main() -> wasmtime::Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).expect("usage: peer-check DIR"));
    let host = Host::new(component_path())?;
    let mut paywit = host.instantiate()?;
    let (mut passed, mut failed) = (0usize, 0usize);

    let peer_cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(dir.join("peer-signed.json"))?)?;
    for case in &peer_cases {
        let scheme = Scheme::from_name(case["scheme"].as_str().unwrap()).unwrap();
        let secrets = vec![case["secret"].as_str().unwrap().to_string()];
        let headers: Vec<Header> = case["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| Header::new(k.clone(), v.as_str().unwrap()))
            .collect();
        let body = case["body"].as_str().unwrap();
        let options = VerifyOptions { now: case["now"].as_i64().unwrap(), tolerance_seconds: None };
        let request = Request { headers: headers.clone(), body: Body::Text(body.into()), url: None };
        let tampered = Request { body: Body::Text(format!("{body} ")), ..request.clone() };
        let component_ok = paywit.verify(&scheme, &secrets, &request, options)?;
        let native_ok = webhooks::verify(&scheme, &secrets, &request, options);
        let component_tampered = paywit.verify(&scheme, &secrets, &tampered, options)?;
        // Python standardwebhooks/svix accept a non-canonical base64 spelling of the
        // same signature bytes; paywit refuses it (one accepted spelling per signature).
        let non_canonical_refused = match non_canonical(&request) {
            Some(lenient) => paywit.verify(&scheme, &secrets, &lenient, options)?.is_err(),
            None => true,
        };
        if component_ok.is_ok() && component_ok == native_ok && component_tampered.is_err() && non_canonical_refused {
            passed += 1;
        } else {
            failed += 1;
            eprintln!(
                "DISAGREE with {}: {component_ok:?} / native {native_ok:?} / tampered {component_tampered:?}",
                case["peer"]
            );
        }
    }
    println!("paywit verification of peer signatures: {passed} passed, {failed} failed");

    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    let mut rng = paywit_host_tests::TestRng(now as u64 | 1);
    let mut next = move || rng.next_u64();
    let alphabet: Vec<char> = "abcXYZ019 {}[]\":,./\\\n\t-_é☃€日本😀".chars().collect();
    let mut out = Vec::new();
    for round in 0..2 * CASES {
        let (scheme, peers) = if round % 2 == 0 {
            (Scheme::StandardWebhooks, json!(["standardwebhooks", "svix"]))
        } else {
            (Scheme::Stripe, json!(["stripe"]))
        };
        let secret =
            paywit.bindings.paywit_gateway_webhooks().call_new_secret(&mut paywit.store, &scheme.clone().conv())?;
        let len = if next() % 10 == 0 { 0 } else { (next() % 300) as usize };
        let body: String = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
        let message = Message {
            body: Body::Text(body.clone()),
            id: Some(format!("msg_{:x}", next())),
            signed_at: now - (next() % 200) as i64,
            url: None,
        };
        let headers = paywit.sign(&scheme, &secret, &message)?.expect("signing");
        let headers: serde_json::Map<String, Value> =
            headers.into_iter().map(|h| (h.name, Value::String(h.value))).collect();
        out.push(
            json!({ "scheme": scheme.name(), "peers": peers, "secret": secret, "headers": headers, "body": body }),
        );
    }
    std::fs::write(dir.join("paywit-signed.json"), serde_json::to_string(&out)?)?;
    println!("paywit signed {} cases for the peers", out.len());
    if failed > 0 {
        std::process::exit(1);
    }
    Ok(())
}
