//! Semantics every scheme must get right; the published and derived vectors
//! run in `host-tests` (natively and through the component).

use super::*;

const NOW: i64 = 1_700_000_000;
const SW_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn secret_for(scheme: &Scheme) -> String {
    match scheme {
        Scheme::StandardWebhooks => SW_SECRET.to_string(),
        _ => "a-plain-test-secret".to_string(),
    }
}

fn all_schemes() -> Vec<Scheme> {
    schemes().into_iter().map(|info| info.scheme).collect()
}

fn message(body: &str) -> Message {
    Message {
        body: Body::Text(body.to_string()),
        id: Some("msg_1".into()),
        signed_at: NOW,
        url: Some("https://example.com/hook".into()),
    }
}

fn request_for(scheme: &Scheme, secret: &str, body: &str) -> Request {
    let msg = message(body);
    Request { headers: sign(scheme, secret, &msg).unwrap(), body: msg.body, url: msg.url }
}

fn options() -> VerifyOptions {
    VerifyOptions { now: NOW, tolerance_seconds: None }
}

const JSON_BODY: &str = r#"{"id":"evt_1","amount":9900,"note":"café ☃"}"#;

#[test]
fn every_scheme_round_trips_sign_then_verify() {
    for scheme in all_schemes() {
        let secret = secret_for(&scheme);
        for body in [JSON_BODY, "{}"] {
            let request = request_for(&scheme, &secret, body);
            let verified = verify(&scheme, std::slice::from_ref(&secret), &request, options())
                .unwrap_or_else(|e| panic!("{} did not round-trip: {e}", scheme.name()));
            assert_eq!(verified.secret_index, 0);
        }
    }
}

#[test]
fn text_and_bytes_bodies_verify_identically() {
    for scheme in all_schemes() {
        let secret = secret_for(&scheme);
        let mut request = request_for(&scheme, &secret, JSON_BODY);
        request.body = Body::Bytes(JSON_BODY.as_bytes().to_vec());
        assert!(verify(&scheme, &[secret], &request, options()).is_ok(), "{}", scheme.name());
    }
}

#[test]
fn a_reserialised_body_does_not_verify() {
    for scheme in all_schemes() {
        if scheme == Scheme::Nowpayments {
            continue; // NOWPayments signs the canonical form by design
        }
        let secret = secret_for(&scheme);
        let mut request = request_for(&scheme, &secret, JSON_BODY);
        request.body = Body::Text(r#"{"id": "evt_1", "amount": 9900, "note": "café ☃"}"#.into());
        assert_eq!(
            verify(&scheme, &[secret], &request, options()),
            Err(VerifyError::NoMatchingSignature),
            "{}",
            scheme.name()
        );
    }
}

#[test]
fn rotation_reports_which_secret_matched() {
    for scheme in all_schemes() {
        let secret = secret_for(&scheme);
        let other = match scheme {
            Scheme::StandardWebhooks => "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=".to_string(),
            _ => "another-secret".to_string(),
        };
        let request = request_for(&scheme, &secret, JSON_BODY);
        let verified = verify(&scheme, &[other.clone(), secret.clone()], &request, options()).unwrap();
        assert_eq!(verified.secret_index, 1, "{}", scheme.name());
        assert_eq!(verify(&scheme, &[other], &request, options()), Err(VerifyError::NoMatchingSignature));
    }
}

#[test]
fn header_names_are_case_insensitive_and_values_trimmed() {
    for scheme in all_schemes() {
        let secret = secret_for(&scheme);
        let mut request = request_for(&scheme, &secret, JSON_BODY);
        for header in &mut request.headers {
            header.name = header.name.to_uppercase();
            header.value = format!(" {}\t", header.value);
        }
        assert!(verify(&scheme, &[secret], &request, options()).is_ok(), "{}", scheme.name());
    }
}

#[test]
fn repeated_headers_count_once_when_equal_and_are_refused_when_different() {
    let secret = "a-plain-test-secret".to_string();
    let mut request = request_for(&Scheme::Github, &secret, JSON_BODY);
    request.headers.push(request.headers[0].clone());
    assert!(verify(&Scheme::Github, std::slice::from_ref(&secret), &request, options()).is_ok());
    request.headers.push(Header::new("x-hub-signature-256", "sha256=00"));
    let err = verify(&Scheme::Github, &[secret], &request, options()).unwrap_err();
    assert_eq!(err.code(), "malformed-header");
}

#[test]
fn replay_window_is_checked_both_ways_and_reports_the_distance() {
    for scheme in [Scheme::StandardWebhooks, Scheme::Stripe, Scheme::Slack, Scheme::Paddle] {
        let secret = secret_for(&scheme);
        let request = request_for(&scheme, &secret, JSON_BODY);
        let default = schemes().into_iter().find(|i| i.scheme == scheme).unwrap().default_tolerance_seconds.unwrap();
        let at = |now| {
            verify(&scheme, std::slice::from_ref(&secret), &request, VerifyOptions { now, tolerance_seconds: None })
        };
        assert!(at(NOW + default as i64).is_ok());
        assert!(at(NOW - default as i64).is_ok());
        assert_eq!(
            at(NOW + default as i64 + 7),
            Err(VerifyError::TimestampOutsideTolerance {
                seconds_outside: 7,
                direction: ClockDirection::Past,
                tolerance_seconds: default
            })
        );
        assert_eq!(
            at(NOW - default as i64 - 1),
            Err(VerifyError::TimestampOutsideTolerance {
                seconds_outside: 1,
                direction: ClockDirection::Future,
                tolerance_seconds: default
            })
        );
        let wide = VerifyOptions { now: NOW + 3600, tolerance_seconds: Some(3600) };
        assert!(verify(&scheme, std::slice::from_ref(&secret), &request, wide).is_ok());
    }
}

#[test]
fn untimestamped_schemes_ignore_the_clock() {
    let secret = "a-plain-test-secret".to_string();
    let request = request_for(&Scheme::Github, &secret, JSON_BODY);
    let verified =
        verify(&Scheme::Github, &[secret], &request, VerifyOptions { now: 0, tolerance_seconds: Some(0) }).unwrap();
    assert_eq!(verified.signed_at, None);
}

#[test]
fn unusable_secrets_are_named_by_index_and_never_echoed() {
    let request = request_for(&Scheme::StandardWebhooks, SW_SECRET, JSON_BODY);
    let cases = [
        ("whsec_", SecretProblem::Empty),
        ("whsec_!!not-base64!!", SecretProblem::BadEncoding),
        ("whsec_c2hvcnQ=", SecretProblem::TooShort),
        ("whpk_AAAA", SecretProblem::WrongKeyLength),
    ];
    for (bad, problem) in cases {
        let err = verify(&Scheme::StandardWebhooks, &[SW_SECRET.into(), bad.into()], &request, options()).unwrap_err();
        assert_eq!(err, VerifyError::UnusableSecret { index: 1, problem });
        let shown = format!("{err} {err:?}");
        assert!(
            !shown.contains(bad.trim_start_matches("whsec_").trim_start_matches("whpk_")) || bad.len() <= 6,
            "{shown}"
        );
    }
    let err = verify(&Scheme::Stripe, &[String::new()], &request, options()).unwrap_err();
    assert_eq!(err, VerifyError::UnusableSecret { index: 0, problem: SecretProblem::Empty });
    assert_eq!(verify(&Scheme::Stripe, &[], &request, options()), Err(VerifyError::NoSecrets));
}

#[test]
fn stripe_whsec_is_used_raw_and_standard_webhooks_whsec_is_decoded() {
    // The same string must not verify across the two schemes' conventions.
    let stripe_request = request_for(&Scheme::Stripe, SW_SECRET, JSON_BODY);
    let value = stripe_request.headers[0].value.clone();
    let raw = crate::encoding::hex_lower(&mac::compute(
        HashAlgorithm::Sha256,
        SW_SECRET.as_bytes(),
        &[format!("{NOW}.{JSON_BODY}")],
    ));
    assert!(value.ends_with(&raw), "Stripe keys are the UTF-8 of the whole string");
}

#[test]
fn every_single_bit_flip_is_rejected() {
    // No whitespace in the body: every flip changes NOWPayments' canonical form
    // too (or makes it non-JSON), so no scheme is skipped.
    let body = "{\"a\":1}";
    for info in schemes() {
        let scheme = info.scheme;
        let hex_signatures = info.encoding == SignatureEncoding::Hex;
        let secret = secret_for(&scheme);
        let good = request_for(&scheme, &secret, body);
        let mut bytes = body.as_bytes().to_vec();
        for bit in 0..bytes.len() * 8 {
            bytes[bit / 8] ^= 1 << (bit % 8);
            let mut request = good.clone();
            request.body = Body::Bytes(bytes.clone());
            assert!(
                verify(&scheme, std::slice::from_ref(&secret), &request, options()).is_err(),
                "{} body bit {bit}",
                scheme.name()
            );
            bytes[bit / 8] ^= 1 << (bit % 8);
        }
        for (index, header) in good.headers.iter().enumerate() {
            let mut value = header.value.clone().into_bytes();
            for bit in 0..value.len() * 8 {
                value[bit / 8] ^= 1 << (bit % 8);
                if let Ok(text) = String::from_utf8(value.clone()) {
                    let mut request = good.clone();
                    request.headers[index].value = text.clone();
                    let result = verify(&scheme, std::slice::from_ref(&secret), &request, options());
                    // Only hex is case-blind: a flip that changes the case of a hex letter of a
                    // hex-encoded signature keeps the same bytes, and so does surrounding whitespace.
                    let flipped = header.value.as_bytes()[bit / 8];
                    let hex_case_only = hex_signatures
                        && text.eq_ignore_ascii_case(&header.value)
                        && flipped.is_ascii_hexdigit()
                        && flipped.is_ascii_alphabetic()
                        && header.name.to_ascii_lowercase().contains("sig");
                    let same_meaning = hex_case_only || text.trim_matches([' ', '\t']) == header.value;
                    assert!(
                        result.is_err() || same_meaning,
                        "{} header {} bit {bit}: {text}",
                        scheme.name(),
                        header.name
                    );
                }
                value[bit / 8] ^= 1 << (bit % 8);
            }
        }
    }
}

#[test]
fn standard_webhooks_v1a_signs_and_verifies_with_public_key() {
    let pair = new_signing_key_pair(&[7u8; 32]);
    let request = request_for(&Scheme::StandardWebhooks, &pair.signing_key, JSON_BODY);
    assert!(request.headers[2].value.starts_with("v1a,"));
    let verified =
        verify(&Scheme::StandardWebhooks, &[SW_SECRET.into(), pair.public_key.clone()], &request, options()).unwrap();
    assert_eq!(verified.secret_index, 1);
    assert_eq!(public_key(&pair.signing_key).unwrap(), pair.public_key);
    assert_eq!(public_key(&pair.public_key), Err(SecretProblem::WrongKeyKind));
    assert_eq!(
        sign(&Scheme::StandardWebhooks, &pair.public_key, &message("x")),
        Err(SignError::UnusableSecret(SecretProblem::WrongKeyKind))
    );
    assert!(!format!("{pair:?}").contains(&pair.signing_key));
    // Mixed v1 and v1a in one header: either key verifies.
    let v1 = request_for(&Scheme::StandardWebhooks, SW_SECRET, JSON_BODY);
    let mut mixed = request.clone();
    mixed.headers[2].value = format!("{} {}", v1.headers[2].value, request.headers[2].value);
    assert!(verify(&Scheme::StandardWebhooks, &[SW_SECRET.into()], &mixed, options()).is_ok());
    assert!(verify(&Scheme::StandardWebhooks, &[pair.public_key], &mixed, options()).is_ok());
}

#[test]
fn malformed_headers_are_typed_errors() {
    let sw = request_for(&Scheme::StandardWebhooks, SW_SECRET, JSON_BODY);
    let with = |name: &str, value: &str| {
        let mut request = sw.clone();
        request.headers.retain(|h| h.name != name);
        request.headers.push(Header::new(name, value));
        verify(&Scheme::StandardWebhooks, &[SW_SECRET.into()], &request, options()).unwrap_err().code()
    };
    for ts in ["", "-5", "+1700000000", "1700000000.9", "1e9", "99999999999999999999"] {
        assert_eq!(with("webhook-timestamp", ts), "malformed-header", "{ts:?}");
    }
    for sig in ["v1", "v1,a,b", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE", "v1,%%%"] {
        assert_eq!(with("webhook-signature", sig), "malformed-header", "{sig:?}");
    }
    assert_eq!(with("webhook-signature", "v9,abc="), "no-matching-signature");
    let mut missing = sw.clone();
    missing.headers.remove(0);
    assert_eq!(
        verify(&Scheme::StandardWebhooks, &[SW_SECRET.into()], &missing, options()),
        Err(VerifyError::MissingHeader("webhook-id".into()))
    );
}

#[test]
fn non_canonical_base64_signatures_are_refused() {
    // Python's standardwebhooks accepts these (it compares decoded bytes); paywit does not.
    let request = request_for(&Scheme::Shopify, "k", JSON_BODY);
    let value = &request.headers[0].value;
    let last = value.trim_end_matches('=').chars().last().unwrap();
    let mut tweaked = request.clone();
    let idx = value.trim_end_matches('=').len() - 1;
    let replacement = if last == 'A' { 'B' } else { 'A' };
    tweaked.headers[0].value.replace_range(idx..idx + 1, &replacement.to_string());
    assert!(verify(&Scheme::Shopify, &["k".into()], &tweaked, options()).is_err());
}

#[test]
fn limits_give_typed_errors() {
    let mut request = request_for(&Scheme::Github, "k", "{}");
    request.headers.push(Header::new("x-big", "a".repeat(crate::limits::MAX_HEADER_BYTES)));
    assert_eq!(verify(&Scheme::Github, &["k".into()], &request, options()).unwrap_err().code(), "limit-exceeded");
    let secrets = vec!["k".to_string(); crate::limits::MAX_SECRET_COUNT + 1];
    let request = request_for(&Scheme::Github, "k", "{}");
    assert_eq!(verify(&Scheme::Github, &secrets, &request, options()).unwrap_err().code(), "limit-exceeded");
    assert_eq!(
        verify(&Scheme::Github, &["x".repeat(2000)], &request, options()),
        Err(VerifyError::UnusableSecret { index: 0, problem: SecretProblem::TooLong })
    );
}

#[test]
fn signing_validates_fields() {
    let mut msg = message("{}");
    msg.id = None;
    assert_eq!(sign(&Scheme::StandardWebhooks, SW_SECRET, &msg), Err(SignError::MissingField("id".into())));
    msg.id = Some("has.dot".into());
    assert!(matches!(sign(&Scheme::StandardWebhooks, SW_SECRET, &msg), Err(SignError::InvalidField { .. })));
    let mut msg = message("{}");
    msg.url = None;
    assert_eq!(sign(&Scheme::Square, "k", &msg), Err(SignError::MissingField("url".into())));
    let mut msg = message("{}");
    msg.signed_at = -1;
    assert!(matches!(sign(&Scheme::Stripe, "k", &msg), Err(SignError::InvalidField { .. })));
    assert!(matches!(sign(&Scheme::Nowpayments, "k", &message("not json")), Err(SignError::MalformedBody(_))));
}

#[test]
fn new_secrets_have_the_scheme_format_and_work() {
    let random = [42u8; 32];
    for scheme in all_schemes() {
        let secret = new_secret(&scheme, &random);
        let request = request_for(&scheme, &secret, JSON_BODY);
        assert!(verify(&scheme, std::slice::from_ref(&secret), &request, options()).is_ok(), "{}", scheme.name());
    }
    assert!(new_secret(&Scheme::StandardWebhooks, &random).starts_with("whsec_"));
    assert_eq!(Scheme::from_name("stripe"), Some(Scheme::Stripe));
    assert_eq!(Scheme::from_name("hmac"), None);
}

#[test]
fn field_blocks_parse_like_header_lists() {
    let parsed =
        parse_field_block("Webhook-Id: msg_1\r\nwebhook-timestamp:\t 1700000000 \r\n\r\nX-Empty:\nLast: lf only")
            .unwrap();
    assert_eq!(
        parsed,
        vec![
            Header::new("Webhook-Id", "msg_1"),
            Header::new("webhook-timestamp", "1700000000"),
            Header::new("X-Empty", ""),
            Header::new("Last", "lf only"),
        ]
    );
    assert_eq!(parse_field_block("").unwrap(), vec![]);
    // A colon inside the value belongs to the value.
    assert_eq!(parse_field_block("a: b:c").unwrap(), vec![Header::new("a", "b:c")]);
}

#[test]
fn malformed_field_blocks_name_the_line_and_never_its_contents() {
    let cases = [
        ("a: 1\r\n folded", 2, "folded"),
        ("a: 1\r\nb: x\ry", 2, "carriage return"),
        ("no colon here", 1, "no ':'"),
        (": empty name", 1, "not an HTTP token"),
        ("bad name: v", 1, "not an HTTP token"),
        ("\r\n\r\nsecret-looking-value", 3, "no ':'"),
    ];
    for (block, line, reason) in cases {
        match parse_field_block(block) {
            Err(VerifyError::MalformedHeader { name, reason: got }) => {
                assert_eq!(name, "", "{block:?}");
                assert!(got.starts_with(&format!("field line {line}:")), "{block:?}: {got}");
                assert!(got.contains(reason), "{block:?}: {got}");
                assert!(!got.contains("secret-looking") && !got.contains("folded\"") && !got.contains("here"));
            }
            other => panic!("{block:?}: {other:?}"),
        }
    }
}

#[test]
fn field_blocks_obey_the_header_limits() {
    let many = "a: b\r\n".repeat(limits::MAX_HEADER_COUNT + 1);
    match parse_field_block(&many) {
        Err(VerifyError::LimitExceeded(l)) => {
            assert_eq!((l.what, l.actual), (Limit::HeaderCount, limits::MAX_HEADER_COUNT as u64 + 1))
        }
        other => panic!("{other:?}"),
    }
    let long = format!("X-Hub-Signature-256: {}", "a".repeat(limits::MAX_HEADER_BYTES));
    let options = VerifyOptions { now: 0, tolerance_seconds: None };
    match verify_fields(&Scheme::Github, &["k".into()], &long, Body::Text("{}".into()), None, options) {
        Err(VerifyError::LimitExceeded(l)) => assert_eq!(l.what, Limit::HeaderBytes),
        other => panic!("{other:?}"),
    }
}

#[test]
fn verify_fields_answers_like_verify() {
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_string();
    let message =
        Message { body: Body::Text("{\"a\":1}".into()), id: Some("msg_1".into()), signed_at: 1000, url: None };
    let headers = sign(&Scheme::StandardWebhooks, &secret, &message).unwrap();
    let block: String = headers.iter().map(|h| format!("{}: {}\r\n", h.name, h.value)).collect();
    let request = Request { headers, body: message.body.clone(), url: None };
    for now in [1000, 1300, 1301, 699] {
        let options = VerifyOptions { now, tolerance_seconds: None };
        let secrets = [secret.clone()];
        assert_eq!(
            verify_fields(&Scheme::StandardWebhooks, &secrets, &block, message.body.clone(), None, options),
            verify(&Scheme::StandardWebhooks, &secrets, &request, options),
            "now = {now}"
        );
    }
}

#[test]
fn verify_and_verify_fields_check_limits_in_one_order() {
    // 17 secrets and 300 headers: both paths must name the secret count first.
    let secrets = vec!["k".to_string(); limits::MAX_SECRET_COUNT + 1];
    let headers: Vec<Header> = (0..300).map(|i| Header::new(format!("x-h{i}"), "v")).collect();
    let block: String = headers.iter().map(|h| format!("{}: {}\r\n", h.name, h.value)).collect();
    let request = Request { headers, body: Body::Text("{}".into()), url: None };
    let by_list = verify(&Scheme::Github, &secrets, &request, options());
    let by_block = verify_fields(&Scheme::Github, &secrets, &block, request.body.clone(), None, options());
    assert!(
        matches!(&by_list, Err(VerifyError::LimitExceeded(LimitExceeded { what: Limit::SecretCount, .. }))),
        "{by_list:?}"
    );
    assert_eq!(by_block, by_list);
    // Then the body, before the headers.
    let big = Body::Bytes(vec![b'x'; limits::MAX_BODY_BYTES + 1]);
    let by_block = verify_fields(&Scheme::Github, &["k".into()], &block, big.clone(), None, options());
    let by_list = verify(&Scheme::Github, &["k".into()], &Request { body: big, ..request }, options());
    assert!(matches!(&by_block, Err(VerifyError::LimitExceeded(LimitExceeded { what: Limit::BodyBytes, .. }))));
    assert_eq!(by_block, by_list);
}

#[test]
fn the_reference_libraries_unpadded_secrets_verify() {
    // The Standard Webhooks reference suites' secrets: no padding, one missing, two missing.
    for secret in
        ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr"]
    {
        for spelled in [secret.to_string(), format!("whsec_{secret}")] {
            let request = request_for(&Scheme::StandardWebhooks, &spelled, JSON_BODY);
            assert!(
                verify(&Scheme::StandardWebhooks, std::slice::from_ref(&spelled), &request, options()).is_ok(),
                "{secret}"
            );
        }
    }
}

#[test]
fn verify_packed_answers_like_verify_fields() {
    for info in schemes() {
        let scheme = info.scheme;
        let secret = secret_for(&scheme);
        let request = request_for(&scheme, &secret, JSON_BODY);
        let block: String = request.headers.iter().map(|h| format!("{}: {}\r\n", h.name, h.value)).collect();
        for (secrets, options) in [
            (vec![secret.clone()], options()),
            (vec!["whsec_".into(), secret.clone()], options()),
            (vec![], VerifyOptions { now: NOW + 100_000, tolerance_seconds: Some(7) }),
        ] {
            for body in [request.body.clone(), Body::Bytes(b"{}".to_vec())] {
                let packed = pack(&scheme, &secrets, &block, &body, request.url.as_deref(), options);
                let expected = verify_fields(&scheme, &secrets, &block, body, request.url.clone(), options);
                assert_eq!(verify_packed(&packed), expected, "{}", scheme.name());
            }
        }
    }
}

#[test]
fn a_broken_packed_buffer_is_a_field_block_error() {
    let good = pack(&Scheme::Github, &["k".into()], "x: y\r\n", &Body::Text("{}".into()), None, options());
    for cut in 0..good.len() {
        let err = verify_packed(&good[..cut]).unwrap_err();
        assert!(matches!(&err, VerifyError::MalformedHeader { name, .. } if name.is_empty()), "{cut}: {err:?}");
    }
    let mut trailing = good.clone();
    trailing.push(0);
    assert!(verify_packed(&trailing).is_err());
    let mut version = good;
    version[0] = 2;
    assert!(verify_packed(&version).is_err());
}

#[test]
fn an_undecodable_candidate_in_a_list_is_a_non_match_not_an_error() {
    // Stripe's SDKs accept `t=..,v1=<valid>,v1=<not hex>`: a candidate that does not decode
    // simply does not match. Same for Paddle's `h1` list and Standard Webhooks' entries.
    let cases: [(Scheme, &str, &str, &str, &str); 3] = [
        (Scheme::Stripe, "Stripe-Signature", ",", "v1=zz-not-hex", "v1=zz-not-hex"),
        (Scheme::Paddle, "Paddle-Signature", ";", "h1=zz-not-hex", "h1=zz-not-hex"),
        (Scheme::StandardWebhooks, "webhook-signature", " ", "v1,%%%", "v1"),
    ];
    for (scheme, name, separator, bad, bad_too) in cases {
        let secret = secret_for(&scheme);
        let signed = request_for(&scheme, &secret, JSON_BODY);
        let header = |request: &Request| request.headers.iter().position(|h| h.name == name).unwrap();
        let valid = signed.headers[header(&signed)].value.clone();
        for value in [
            format!("{valid}{separator}{bad}"),
            format!("{bad}{separator}{valid}"),
            format!("{bad_too}{separator}{valid}"),
        ] {
            let mut request = signed.clone();
            let at = header(&request);
            request.headers[at].value = value.clone();
            let verified = verify(&scheme, std::slice::from_ref(&secret), &request, options());
            assert!(verified.is_ok(), "{}: {value:?} gave {verified:?}", scheme.name());
        }
        // With no usable candidate at all, the header stays malformed.
        let mut request = signed.clone();
        let at = header(&request);
        let only_bad = match scheme {
            Scheme::StandardWebhooks => bad.to_string(),
            _ => request.headers[at]
                .value
                .split(separator)
                .filter(|item| !item.starts_with("v1=") && !item.starts_with("h1="))
                .chain([bad])
                .collect::<Vec<_>>()
                .join(separator),
        };
        request.headers[at].value = only_bad.clone();
        assert_eq!(
            verify(&scheme, std::slice::from_ref(&secret), &request, options()).unwrap_err().code(),
            "malformed-header",
            "{}: {only_bad:?}",
            scheme.name()
        );
    }
}
