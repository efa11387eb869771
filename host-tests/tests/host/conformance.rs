//! Every webhook vector, natively and through the component: both must agree
//! with the vector and with each other.

use paywit_component::native::types::Body;
use paywit_component::native::webhooks::{self, Message, Scheme};
use paywit_host_tests::{host, vectors};

#[test]
fn every_vector_passes_natively_and_through_the_component() {
    let host = host();
    let mut instance = host.instantiate().unwrap();
    let all = vectors::load_all();
    assert!(all.len() >= 39, "expected the published and derived vectors, found {}", all.len());
    for v in &all {
        let native = webhooks::verify(&v.scheme, &v.secrets, &v.request, v.options);
        let component = instance.verify(&v.scheme, &v.secrets, &v.request, v.options).unwrap();
        assert_eq!(native, component, "{}: native and component disagree", v.name);
        assert_eq!(native.is_ok(), v.valid, "{}: {native:?}", v.name);
        if v.valid {
            assert_eq!(native.as_ref().ok(), v.expect.as_ref(), "{}: what it verified to", v.name);
        }
        if let (Err(error), Some(code)) = (&native, &v.error) {
            assert_eq!(error.code(), code, "{}", v.name);
        }
    }
}

/// The vector's headers as a CRLF field block.
fn field_block(headers: &[paywit_component::native::types::Header]) -> String {
    headers.iter().map(|h| format!("{}: {}\r\n", h.name, h.value)).collect()
}

#[test]
fn every_vector_gives_the_same_answer_through_verify_fields() {
    let host = host();
    let mut instance = host.instantiate().unwrap();
    let all = vectors::load_all();
    let mut compared = 0;
    for v in &all {
        // A field block cannot carry a CR or LF inside a value; no vector has one.
        assert!(v.request.headers.iter().all(|h| !h.value.contains(['\r', '\n'])), "{}", v.name);
        let fields = field_block(&v.request.headers);
        let expected = webhooks::verify(&v.scheme, &v.secrets, &v.request, v.options);
        let url = v.request.url.clone();
        let native = webhooks::verify_fields(&v.scheme, &v.secrets, &fields, v.request.body.clone(), url, v.options);
        assert_eq!(native, expected, "{}: verify-fields natively", v.name);
        let component = instance
            .verify_fields(&v.scheme, &v.secrets, &fields, &v.request.body, v.request.url.as_deref(), v.options)
            .unwrap();
        assert_eq!(component, expected, "{}: verify-fields through the component", v.name);
        compared += 1;
    }
    assert_eq!(compared, all.len());
}

#[test]
fn every_vector_gives_the_same_answer_through_verify_packed() {
    let host = host();
    let mut instance = host.instantiate().unwrap();
    let all = vectors::load_all();
    for v in &all {
        let fields = field_block(&v.request.headers);
        let expected = webhooks::verify(&v.scheme, &v.secrets, &v.request, v.options);
        let url = v.request.url.as_deref();
        let packed = webhooks::pack(&v.scheme, &v.secrets, &fields, &v.request.body, url, v.options);
        assert_eq!(webhooks::verify_packed(&packed), expected, "{}: verify-packed natively", v.name);
        assert_eq!(
            instance.verify_packed(&packed).unwrap(),
            expected,
            "{}: verify-packed through the component",
            v.name
        );
    }
    // A broken buffer is an answer, never a trap, and the instance keeps serving.
    let broken = instance.verify_packed(&[1, 2, 3]).unwrap();
    assert!(
        matches!(broken, Err(webhooks::VerifyError::MalformedHeader { ref name, .. }) if name.is_empty()),
        "{broken:?}"
    );
}

#[test]
fn every_vector_gives_the_same_answer_through_a_prepared_verifier() {
    let host = host();
    let mut instance = host.instantiate().unwrap();
    let all = vectors::load_all();
    let mut prepared = 0;
    for v in &all {
        let expected = webhooks::verify(&v.scheme, &v.secrets, &v.request, v.options);
        let native_head = webhooks::prepare_packed(&v.scheme, &v.secrets);
        match instance.verifier(&v.scheme, &v.secrets).unwrap() {
            Ok(mut verifier) => {
                let answer = verifier.verify(
                    &mut instance,
                    &v.request.headers,
                    &v.request.body,
                    v.request.url.as_deref(),
                    v.options,
                );
                assert_eq!(answer.unwrap(), expected, "{}: the prepared verifier", v.name);
                let mut packed = native_head.expect("native prepare agrees");
                let fields = field_block(&v.request.headers);
                webhooks::pack_delivery(&mut packed, &fields, &v.request.body, v.request.url.as_deref(), v.options);
                assert_eq!(webhooks::verify_packed(&packed), expected, "{}: version 2 natively", v.name);
                prepared += 1;
            }
            Err(error) => {
                // A configuration error: verify gives it too for an empty delivery.
                assert_eq!(native_head, Err(error.clone()), "{}", v.name);
                let empty = webhooks::Request { headers: vec![], body: Body::Bytes(vec![]), url: None };
                assert_eq!(webhooks::verify(&v.scheme, &v.secrets, &empty, v.options), Err(error), "{}", v.name);
            }
        }
    }
    assert!(prepared > all.len() / 2, "most vectors have usable secrets ({prepared} of {})", all.len());
    // A prepared head whose key bytes are damaged is an answer, never a trap.
    let mut head = webhooks::prepare_packed(&webhooks::Scheme::Stripe, &["whsec_x".to_string()]).unwrap();
    head.truncate(head.len() - 3);
    webhooks::pack_delivery(
        &mut head,
        "",
        &Body::Bytes(vec![]),
        None,
        webhooks::VerifyOptions { now: 0, tolerance_seconds: None },
    );
    let broken = instance.verify_packed(&head).unwrap();
    assert!(
        matches!(broken, Err(webhooks::VerifyError::MalformedHeader { ref name, .. }) if name.is_empty()),
        "{broken:?}"
    );
}

#[test]
fn published_vectors_are_reproduced_by_signing() {
    let host = host();
    let mut instance = host.instantiate().unwrap();
    let published = vectors::load_all().into_iter().filter(|v| v.valid && v.published);
    let mut reproduced = 0;
    for v in published.filter(|v| v.secrets.len() == 1) {
        let header =
            |name: &str| v.request.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.clone());
        let timestamp = header("webhook-timestamp")
            .or_else(|| header("Stripe-Signature").and_then(|s| s.split(',').next().map(|t| t[2..].to_string())))
            .map(|t| t.parse::<i64>().unwrap())
            .unwrap_or(0);
        let message = Message {
            body: v.request.body.clone(),
            id: header("webhook-id"),
            signed_at: timestamp,
            url: v.request.url.clone(),
        };
        let Ok(native) = webhooks::sign(&v.scheme, &v.secrets[0], &message) else {
            continue;
        };
        let component = instance.sign(&v.scheme, &v.secrets[0], &message).unwrap().unwrap();
        assert_eq!(native, component, "{}", v.name);
        for produced in &native {
            if let Some(expected) = header(&produced.name) {
                assert_eq!(produced.value, expected, "{}: {}", v.name, produced.name);
            }
        }
        reproduced += 1;
    }
    assert!(reproduced >= 6, "reproduced {reproduced}");
}

#[test]
fn foundation_rejections_each_have_their_own_error() {
    let host = host();
    let mut instance = host.instantiate().unwrap();
    let v = vectors::load_all().into_iter().find(|v| v.name == "standard-webhooks-1").unwrap();
    let verify =
        |instance: &mut paywit_component::Instance, secrets: &[String], request: &webhooks::Request, now: i64| {
            let options = webhooks::VerifyOptions { now, tolerance_seconds: None };
            instance.verify(&Scheme::StandardWebhooks, secrets, request, options).unwrap().map_err(|e| e.code())
        };
    assert!(verify(&mut instance, &v.secrets, &v.request, v.options.now).is_ok());

    let mut tampered_body = v.request.clone();
    tampered_body.body = Body::Text(r#"{"test": 2432232315}"#.into());
    assert_eq!(verify(&mut instance, &v.secrets, &tampered_body, v.options.now), Err("no-matching-signature"));

    let mut tampered_signature = v.request.clone();
    let sig = tampered_signature.headers.iter_mut().find(|h| h.name == "webhook-signature").unwrap();
    sig.value = sig.value.replacen("g0hM", "g0hN", 1);
    assert_eq!(verify(&mut instance, &v.secrets, &tampered_signature, v.options.now), Err("no-matching-signature"));

    let mut unparseable_signature = v.request.clone();
    unparseable_signature.headers.iter_mut().find(|h| h.name == "webhook-signature").unwrap().value = "v1,***".into();
    assert_eq!(verify(&mut instance, &v.secrets, &unparseable_signature, v.options.now), Err("malformed-header"));

    let wrong = vec!["whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=".to_string()];
    assert_eq!(verify(&mut instance, &wrong, &v.request, v.options.now), Err("no-matching-signature"));

    assert_eq!(verify(&mut instance, &v.secrets, &v.request, v.options.now + 301), Err("timestamp-outside-tolerance"));

    let rotated = vec![wrong[0].clone(), v.secrets[0].clone()];
    let options = webhooks::VerifyOptions { now: v.options.now, tolerance_seconds: None };
    let verified = instance.verify(&Scheme::StandardWebhooks, &rotated, &v.request, options).unwrap().unwrap();
    assert_eq!(verified.secret_index, 1, "the second secret verifies (rotation)");
    assert_eq!(verified.message_id.as_deref(), Some("msg_p5jXN8AQM9LWM0D4loKWxJek"));
}
