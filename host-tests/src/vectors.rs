//! The webhook conformance vectors (`conformance/vectors/*.json`) as native inputs.

use serde_json::Value;

use crate::native::types::{Body, Header};
use crate::native::webhooks::{HashAlgorithm, HmacScheme, Request, Scheme, SignatureEncoding, Verified, VerifyOptions};

/// One conformance vector.
pub struct Vector {
    /// Its name.
    pub name: String,
    /// The scheme.
    pub scheme: Scheme,
    /// The secrets to verify with.
    pub secrets: Vec<String>,
    /// The delivery.
    pub request: Request,
    /// The verify options.
    pub options: VerifyOptions,
    /// Whether it must verify.
    pub valid: bool,
    /// The expected error code when invalid, if the vector names one.
    pub error: Option<String>,
    /// Whether it comes from the published file (not derived here).
    pub published: bool,
    /// For a valid vector, what it verifies to (from `derive.py`).
    pub expect: Option<Verified>,
}

/// The vector files, published first.
pub const FILES: &[&str] = &["webhook-signatures.json", "webhook-derived.json"];

/// Every vector of every file.
pub fn load_all() -> Vec<Vector> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/vectors");
    let derived: Value = serde_json::from_str(&std::fs::read_to_string(dir.join(FILES[1])).expect("derived file"))
        .expect("derived JSON");
    let published_expected = &derived["published_expected"];
    FILES
        .iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(dir.join(file)).expect("vector file");
            let json: Value = serde_json::from_str(&text).expect("vector JSON");
            json["vectors"]
                .as_array()
                .expect("vectors array")
                .iter()
                .map(|v| {
                    let published = *file == FILES[0];
                    let expect =
                        if published { &published_expected[v["name"].as_str().unwrap()] } else { &v["expect"] };
                    parse(v, published, expect)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A generic HMAC scheme from its JSON description (`header`, `algorithm`, `encoding`,
/// `prefix`), as the vectors and the golden buffers write it.
pub fn hmac_scheme(h: &Value) -> Scheme {
    Scheme::Hmac(HmacScheme {
        header: h["header"].as_str().unwrap().into(),
        algorithm: match h["algorithm"].as_str().unwrap() {
            "sha256" => HashAlgorithm::Sha256,
            "sha512" => HashAlgorithm::Sha512,
            _ => HashAlgorithm::Sha1,
        },
        encoding: if h["encoding"] == "hex" { SignatureEncoding::Hex } else { SignatureEncoding::Base64 },
        prefix: h["prefix"].as_str().map(str::to_string),
    })
}

fn parse(v: &Value, published: bool, expect: &Value) -> Vector {
    let text = |key: &str| v[key].as_str().map(str::to_string);
    let scheme_name = text("scheme").expect("scheme");
    let scheme = if scheme_name == "hmac" {
        hmac_scheme(&v["hmac"])
    } else {
        Scheme::from_name(&scheme_name).unwrap_or_else(|| panic!("unknown scheme {scheme_name}"))
    };
    let secrets = if let Some(list) = v["secrets"].as_array() {
        list.iter().map(|s| s.as_str().unwrap().to_string()).collect()
    } else if let Some(seed) = text("signing_key_seed_base64") {
        vec![format!("whsk_{seed}")]
    } else {
        vec![text("secret").expect("secret")]
    };
    let headers = v["headers"]
        .as_object()
        .expect("headers")
        .iter()
        .map(|(name, value)| Header::new(name.clone(), value.as_str().unwrap()))
        .collect();
    Vector {
        name: text("name").unwrap(),
        scheme,
        secrets,
        request: Request { headers, body: Body::Text(text("body").unwrap()), url: text("url") },
        options: VerifyOptions {
            now: v["now"].as_i64().unwrap_or(0),
            tolerance_seconds: v["tolerance"].as_u64().map(|t| t as u32),
        },
        valid: v["valid"].as_bool().unwrap(),
        error: text("error"),
        published,
        expect: expect.as_object().map(|e| Verified {
            secret_index: e["secret_index"].as_u64().expect("secret_index") as u32,
            message_id: e["message_id"].as_str().map(str::to_string),
            signed_at: e["signed_at"].as_i64(),
        }),
    }
}
