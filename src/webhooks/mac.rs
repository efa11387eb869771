//! HMAC over content given as parts (so a large body is never copied).

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha512};

use super::HashAlgorithm;

fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], parts: &[impl AsRef<[u8]>]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part.as_ref());
    }
    mac.finalize().into_bytes().to_vec()
}

/// HMAC of the concatenation of `parts` under `key`.
pub(crate) fn compute(algorithm: HashAlgorithm, key: &[u8], parts: &[impl AsRef<[u8]>]) -> Vec<u8> {
    match algorithm {
        HashAlgorithm::Sha256 => run::<Hmac<Sha256>>(key, parts),
        HashAlgorithm::Sha512 => run::<Hmac<Sha512>>(key, parts),
        HashAlgorithm::Sha1 => run::<Hmac<Sha1>>(key, parts),
    }
}
