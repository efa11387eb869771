//! The component's boundary: its only import is `wasi:random` (capability-free), oversized
//! input is a typed error within the store's memory limit and the store keeps serving, and
//! garbage headers never trap.

use paywit_component::native::types::{Body, Header};
use paywit_component::native::webhooks::{self, Request, Scheme, VerifyOptions};
use paywit_component::{engine, HostState, STORE_MEMORY_LIMIT};
use paywit_host_tests::{component_path, host, TestRng};
use wasmtime::component::{Component, Linker};

#[test]
fn the_only_import_is_wasi_random() {
    let host = host();
    let ty = host.component().component_type();
    let imports: Vec<String> = ty.imports(host.engine()).map(|(name, _)| name.to_string()).collect();
    assert_eq!(imports, ["wasi:random/random@0.2.0"]);
    // Host::new linked it with a linker that defines wasi:random and nothing else,
    // and instantiation succeeded:
    host.instantiate().unwrap();
}

#[test]
fn an_empty_linker_cannot_instantiate_it() {
    let engine = engine().unwrap();
    let component = Component::from_file(&engine, component_path()).unwrap();
    let linker: Linker<HostState> = Linker::new(&engine);
    let error = linker.instantiate_pre(&component).err().expect("the random import is required");
    assert!(format!("{error:?}").contains("wasi:random"), "{error:?}");
}

#[test]
fn oversized_input_is_a_typed_error_and_the_store_keeps_serving() {
    let host = host();
    let mut instance = host.instantiate().unwrap();
    let options = VerifyOptions { now: 0, tolerance_seconds: None };
    let secrets = vec!["k".to_string()];
    let huge_header = Request {
        headers: vec![Header::new("X-Hub-Signature-256", "a".repeat(1024 * 1024))],
        body: Body::Text("{}".into()),
        url: None,
    };
    let error = instance.verify(&Scheme::Github, &secrets, &huge_header, options).unwrap().unwrap_err();
    assert_eq!(error.code(), "limit-exceeded");
    let big_body = Request { headers: vec![], body: Body::Bytes(vec![b'x'; 64 * 1024 * 1024]), url: None };
    let error = instance.verify(&Scheme::Github, &secrets, &big_body, options).unwrap().unwrap_err();
    assert_eq!(error.code(), "limit-exceeded");
    let huge_secrets = vec!["k".to_string(); 100_000];
    let error = instance.verify(&Scheme::Github, &huge_secrets, &huge_header, options).unwrap().unwrap_err();
    assert_eq!(error.code(), "limit-exceeded");
    let huge_block = format!("X-Hub-Signature-256: {}", "a".repeat(64 * 1024 * 1024));
    let error = instance
        .verify_fields(&Scheme::Github, &secrets, &huge_block, &Body::Text("{}".into()), None, options)
        .unwrap()
        .unwrap_err();
    assert_eq!(error.code(), "limit-exceeded");
    let many_lines = "a: b\n".repeat(1 << 20);
    let error = instance
        .verify_fields(&Scheme::Github, &secrets, &many_lines, &Body::Text("{}".into()), None, options)
        .unwrap()
        .unwrap_err();
    assert_eq!(error.code(), "limit-exceeded");
    // Same store, still serving:
    let empty = Request { headers: vec![], body: Body::Text(String::new()), url: None };
    let error = instance.verify(&Scheme::Github, &secrets, &empty, options).unwrap().unwrap_err();
    assert_eq!(error.code(), "missing-header");
}

#[test]
fn garbage_headers_never_trap() {
    let host = host();
    let mut instance = host.instantiate_with(TestRng(7).source()).unwrap();
    let schemes: Vec<Scheme> = webhooks::schemes().into_iter().map(|i| i.scheme).collect();
    let values = [
        "",
        ",",
        "=",
        "t=",
        "t=1,v1=",
        "v1,",
        "v1a,AAAA",
        "sha256=zz",
        "ts=;h1=",
        "v0=",
        "\u{0}",
        "é",
        "t=-1",
        "99999999999999999999999",
    ];
    let mut calls = 0;
    for scheme in &schemes {
        let info = webhooks::schemes().into_iter().find(|i| &i.scheme == scheme).unwrap();
        for value in values {
            let headers = info.headers.iter().map(|name| Header::new(name.clone(), value)).collect();
            let request = Request { headers, body: Body::Bytes(vec![0xff, 0xfe, 0x00]), url: Some(value.into()) };
            let native = webhooks::verify(
                scheme,
                &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into()],
                &request,
                VerifyOptions { now: 1, tolerance_seconds: None },
            );
            let component = instance
                .verify(
                    scheme,
                    &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into()],
                    &request,
                    VerifyOptions { now: 1, tolerance_seconds: None },
                )
                .expect("no trap");
            assert_eq!(native, component);
            assert!(component.is_err());
            calls += 1;
        }
    }
    assert_eq!(calls, schemes.len() * values.len());
}

#[test]
fn a_hostile_call_cannot_grow_memory_past_the_store_limit() {
    let host = host();
    let mut instance = host.instantiate().unwrap();
    let options = VerifyOptions { now: 0, tolerance_seconds: None };
    // Larger than the store may hold: lowering it into the guest must fail.
    let hostile = Request { headers: vec![], body: Body::Bytes(vec![0; STORE_MEMORY_LIMIT + 1]), url: None };
    let outcome = instance.verify(&Scheme::Github, &["k".into()], &hostile, options);
    assert!(outcome.is_err(), "the call fails in the host, not with a grown memory");
    let limits = &instance.store.data().limits;
    assert!(limits.refused, "the growth was refused");
    assert!(limits.peak <= STORE_MEMORY_LIMIT, "peak {} over the limit", limits.peak);
    // The host keeps working: a fresh instance from the same InstancePre serves.
    let mut fresh = host.instantiate().unwrap();
    let empty = Request { headers: vec![], body: Body::Text(String::new()), url: None };
    assert_eq!(
        fresh.verify(&Scheme::Github, &["k".into()], &empty, options).unwrap().unwrap_err().code(),
        "missing-header"
    );
}
