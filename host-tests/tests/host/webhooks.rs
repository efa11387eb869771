//! Webhook signing and verification through the component vs native, on
//! randomised inputs for every scheme.

use paywit_component::native::types::Body;
use paywit_component::native::webhooks::{self, Message, Request, VerifyOptions};
use paywit_component::Conv;
use paywit_host_tests::{host, TestRng};

#[test]
fn sign_and_verify_agree_with_native_for_every_scheme() {
    let host = host();
    let mut instance = host.instantiate_with(TestRng(1).source()).unwrap();
    let mut rng = TestRng(0x9e37_79b9_7f4a_7c15);
    let mut cases = 0;
    for info in webhooks::schemes() {
        for round in 0..40 {
            let seed: [u8; 32] = rng.bytes(32).try_into().unwrap();
            let secret = if round % 5 == 4 && info.name == "standard-webhooks" {
                webhooks::new_signing_key_pair(&seed).signing_key
            } else {
                webhooks::new_secret(&info.scheme, &seed)
            };
            let len = (rng.next_u64() % 300) as usize;
            let body = if info.name == "nowpayments" {
                Body::Text(format!(
                    "{{\"payment_id\":{},\"note\":\"caf\u{e9} {}\"}}",
                    rng.next_u64(),
                    rng.next_u64() % 1000
                ))
            } else if round % 2 == 0 {
                Body::Bytes(rng.bytes(len))
            } else {
                Body::Text(String::from_utf8_lossy(&rng.bytes(len)).into_owned())
            };
            let now = 1_600_000_000 + (rng.next_u64() % 100_000_000) as i64;
            let message = Message {
                body: body.clone(),
                id: Some(format!("msg_{}", rng.next_u64())),
                signed_at: now,
                url: Some("https://example.com/h".into()),
            };
            let native_headers = webhooks::sign(&info.scheme, &secret, &message);
            let component_headers = instance.sign(&info.scheme, &secret, &message).unwrap();
            assert_eq!(native_headers, component_headers, "{}", info.name);
            let headers = native_headers.unwrap();
            let request = Request { headers, body, url: message.url.clone() };
            let verify_secret =
                if secret.starts_with("whsk_") { webhooks::public_key(&secret).unwrap() } else { secret.clone() };
            let skew = (rng.next_u64() % 700) as i64 - 350;
            let options = VerifyOptions { now: now + skew, tolerance_seconds: None };
            let native = webhooks::verify(&info.scheme, std::slice::from_ref(&verify_secret), &request, options);
            let component = instance.verify(&info.scheme, &[verify_secret], &request, options).unwrap();
            assert_eq!(native, component, "{}", info.name);
            let inside = info.default_tolerance_seconds.is_none_or(|t| skew.unsigned_abs() <= t as u64);
            assert_eq!(native.is_ok(), inside, "{} skew {skew}: {native:?}", info.name);
            cases += 1;
        }
    }
    assert_eq!(cases, 12 * 40);
}

#[test]
fn scheme_table_and_fresh_secrets_through_the_component() {
    let host = host();
    let mut instance = host.instantiate().unwrap();
    let api = instance.bindings.paywit_gateway_webhooks();
    let table: Vec<webhooks::SchemeInfo> = api.call_schemes(&mut instance.store).unwrap().conv();
    assert_eq!(table, webhooks::schemes());
    for info in &table {
        let scheme = info.scheme.clone().conv();
        let a = api.call_new_secret(&mut instance.store, &scheme).unwrap();
        let b = api.call_new_secret(&mut instance.store, &scheme).unwrap();
        assert_ne!(a, b, "{}: secrets come from the random source", info.name);
    }
    let pair: webhooks::SigningKeyPair = api.call_new_signing_key_pair(&mut instance.store).unwrap().conv();
    assert_eq!(api.call_public_key(&mut instance.store, &pair.signing_key).unwrap(), Ok(pair.public_key.clone()));
    assert!(api.call_public_key(&mut instance.store, &pair.public_key).unwrap().is_err());
}

/// Headers a field block cannot carry (a CR or LF in a value, a name that is not an HTTP token)
/// must not change the answer: the prepared `Verifier` answers exactly as `verify` with the list.
/// A Stripe signature smuggled inside another header's value after a CR LF must not verify.
#[test]
fn the_prepared_verifier_answers_like_verify_for_headers_a_field_block_cannot_carry() {
    use paywit_component::native::types::Header;
    use paywit_component::native::webhooks::{Scheme, VerifyError};
    let host = host();
    let mut instance = host.instantiate().unwrap();
    let secret = "whsec_smuggling-test".to_string();
    let body = Body::Text(r#"{"id":"evt_1"}"#.into());
    let message = Message { body: body.clone(), id: None, signed_at: 1_700_000_000, url: None };
    let signed = webhooks::sign(&Scheme::Stripe, &secret, &message).unwrap();
    let options = VerifyOptions { now: 1_700_000_000, tolerance_seconds: None };
    let smuggled = vec![Header::new("X-Note", format!("hello\r\n{}: {}", signed[0].name, signed[0].value))];
    let bad_name = vec![signed[0].clone(), Header::new("Bad Name", "x")];
    let colon_name = vec![Header::new(format!("{}: {}\r\nX-A", signed[0].name, signed[0].value), "b")];
    let mut verifier = instance.verifier(&Scheme::Stripe, std::slice::from_ref(&secret)).unwrap().unwrap();
    for headers in [smuggled, bad_name, colon_name, signed.clone()] {
        let request = Request { headers: headers.clone(), body: body.clone(), url: None };
        let expected = instance.verify(&Scheme::Stripe, std::slice::from_ref(&secret), &request, options).unwrap();
        let got = verifier.verify(&mut instance, &headers, &body, None, options).unwrap();
        assert_eq!(got, expected, "{headers:?}");
    }
    let request =
        Request { headers: vec![Header::new("X-Note", "a\r\nStripe-Signature: x")], body: body.clone(), url: None };
    assert_eq!(
        verifier.verify(&mut instance, &request.headers, &body, None, options).unwrap(),
        Err(VerifyError::MissingHeader("Stripe-Signature".into()))
    );
}

/// `conformance/golden/verify-packed.json`: paywit's own encoder still writes every golden
/// buffer, and the component answers each one (whole, and as a prepared head plus the
/// delivery) exactly as the file says `verify` does.
#[test]
fn golden_verify_packed_buffers_through_the_component() {
    use paywit_component::native::types::Header;
    use paywit_component::native::webhooks::Scheme;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/golden/verify-packed.json");
    let golden: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let hex =
        |s: &str| (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect::<Vec<u8>>();
    let host = host();
    let mut instance = host.instantiate().unwrap();
    let mut checked = 0;
    for case in golden["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let scheme = match &case["scheme"] {
            serde_json::Value::String(s) => Scheme::from_name(s).unwrap(),
            other => paywit_host_tests::vectors::hmac_scheme(&other["hmac"]),
        };
        let secrets: Vec<String> =
            case["secrets"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect();
        let headers: Vec<Header> = case["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| Header { name: h[0].as_str().unwrap().into(), value: h[1].as_str().unwrap().into() })
            .collect();
        let body = match (&case["body"]["text"], &case["body"]["bytes"]) {
            (serde_json::Value::String(t), _) => Body::Text(t.clone()),
            (_, b) => Body::Bytes(hex(b.as_str().unwrap())),
        };
        let url = case["url"].as_str();
        let options = VerifyOptions {
            now: case["now"].as_i64().unwrap(),
            tolerance_seconds: case["tolerance-seconds"].as_u64().map(|t| t as u32),
        };
        let fields = webhooks::field_block(&headers);
        assert_eq!(fields.as_deref(), case["fields"].as_str(), "{name}: field block");
        let request = Request { headers: headers.clone(), body: body.clone(), url: url.map(String::from) };
        let expected = instance.verify(&scheme, &secrets, &request, options).unwrap();
        let code = |answer: &Result<webhooks::Verified, webhooks::VerifyError>| match answer {
            Ok(v) => {
                serde_json::json!({"ok": {"secret-index": v.secret_index, "message-id": v.message_id, "signed-at": v.signed_at}})
            }
            Err(e) => serde_json::json!({"err": e.code()}),
        };
        assert_eq!(code(&expected), case["expect"], "{name}: verify");
        let Some(fields) = fields else { continue };
        let packed = hex(case["packed"].as_str().unwrap());
        assert_eq!(webhooks::pack(&scheme, &secrets, &fields, &body, url, options), packed, "{name}: packed");
        assert_eq!(instance.verify_packed(&packed).unwrap(), expected, "{name}: verify-packed");
        let mut tail = Vec::new();
        webhooks::pack_delivery(&mut tail, &fields, &body, url, options);
        assert_eq!(tail, hex(case["delivery"].as_str().unwrap()), "{name}: delivery");
        if let Ok(mut verifier) = instance.verifier(&scheme, &secrets).unwrap() {
            assert_eq!(
                verifier.verify(&mut instance, &headers, &body, url, options).unwrap(),
                expected,
                "{name}: Verifier"
            );
        }
        checked += 1;
    }
    assert!(checked >= 12, "{checked} golden buffers");
}
