//! HMAC over content given as parts (so a large body is never copied), and
//! HMAC keys prepared once: RFC 2104's two padded key blocks absorbed into the
//! inner and outer hash states, kept as the hashes' serialized states, so each
//! later verification skips two compressions and the key's decoding.

use hmac::digest::common::hazmat::SerializableState;
use hmac::digest::{common::BlockSizeUser, Digest};
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha512};

use super::HashAlgorithm;

fn run<M: Mac + KeyInit>(key: &[u8], parts: &[impl AsRef<[u8]>]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <M as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
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

/// An HMAC key with its inner and outer padded blocks already hashed.
/// Deliberately not `Debug`: it is as secret as the key.
// A few live per verification, inline in one Vec: boxing would add an allocation per key per call.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
pub(crate) enum Prepared {
    /// HMAC-SHA-256.
    Sha256(Sha256, Sha256),
    /// HMAC-SHA-512.
    Sha512(Sha512, Sha512),
    /// HMAC-SHA-1.
    Sha1(Sha1, Sha1),
}

/// The two hash states of RFC 2104: `H(K ^ ipad || ...)` and `H(K ^ opad || ...)`
/// after their first block, the key first hashed when it is longer than a block.
fn pads<D: Digest + BlockSizeUser + Clone>(key: &[u8]) -> (D, D) {
    let block = D::block_size();
    let mut padded = vec![0u8; block];
    if key.len() > block {
        let digest = D::digest(key);
        padded[..digest.len()].copy_from_slice(&digest);
    } else {
        padded[..key.len()].copy_from_slice(key);
    }
    let xored = |byte: u8| padded.iter().map(|k| k ^ byte).collect::<Vec<u8>>();
    (D::new().chain_update(xored(0x36)), D::new().chain_update(xored(0x5c)))
}

fn finish<D: Digest + Clone>(inner: &D, outer: &D, parts: &[impl AsRef<[u8]>]) -> Vec<u8> {
    let mut inner = inner.clone();
    for part in parts {
        inner.update(part.as_ref());
    }
    outer.clone().chain_update(inner.finalize()).finalize().to_vec()
}

fn states<D: SerializableState>(inner: &D, outer: &D, out: &mut Vec<u8>) {
    out.extend_from_slice(&inner.serialize());
    out.extend_from_slice(&outer.serialize());
}

fn restore<D: SerializableState>(bytes: &[u8]) -> Option<(D, D)> {
    let size = bytes.len() / 2;
    let (inner, outer) = bytes.split_at(size);
    let state = |b: &[u8]| D::deserialize(b.try_into().ok()?).ok();
    Some((state(inner)?, state(outer)?))
}

impl Prepared {
    /// Prepares `key` for `algorithm`.
    pub(crate) fn new(algorithm: HashAlgorithm, key: &[u8]) -> Prepared {
        match algorithm {
            HashAlgorithm::Sha256 => {
                let (i, o) = pads::<Sha256>(key);
                Prepared::Sha256(i, o)
            }
            HashAlgorithm::Sha512 => {
                let (i, o) = pads::<Sha512>(key);
                Prepared::Sha512(i, o)
            }
            HashAlgorithm::Sha1 => {
                let (i, o) = pads::<Sha1>(key);
                Prepared::Sha1(i, o)
            }
        }
    }

    /// Its algorithm.
    pub(crate) fn algorithm(&self) -> HashAlgorithm {
        match self {
            Prepared::Sha256(..) => HashAlgorithm::Sha256,
            Prepared::Sha512(..) => HashAlgorithm::Sha512,
            Prepared::Sha1(..) => HashAlgorithm::Sha1,
        }
    }

    /// HMAC of the concatenation of `parts`: equal to [`compute`] with the key.
    pub(crate) fn compute(&self, parts: &[impl AsRef<[u8]>]) -> Vec<u8> {
        match self {
            Prepared::Sha256(i, o) => finish(i, o, parts),
            Prepared::Sha512(i, o) => finish(i, o, parts),
            Prepared::Sha1(i, o) => finish(i, o, parts),
        }
    }

    /// The two serialized hash states (their size follows from the algorithm).
    pub(crate) fn to_bytes(&self, out: &mut Vec<u8>) {
        match self {
            Prepared::Sha256(i, o) => states(i, o, out),
            Prepared::Sha512(i, o) => states(i, o, out),
            Prepared::Sha1(i, o) => states(i, o, out),
        }
    }

    /// Reads what [`Prepared::to_bytes`] wrote; None for bytes that are not two states.
    pub(crate) fn from_bytes(algorithm: HashAlgorithm, bytes: &[u8]) -> Option<Prepared> {
        match algorithm {
            HashAlgorithm::Sha256 => restore(bytes).map(|(i, o)| Prepared::Sha256(i, o)),
            HashAlgorithm::Sha512 => restore(bytes).map(|(i, o)| Prepared::Sha512(i, o)),
            HashAlgorithm::Sha1 => restore(bytes).map(|(i, o)| Prepared::Sha1(i, o)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The prepared key, also after a round trip through its bytes, computes
        /// exactly the hmac crate's HMAC, for keys shorter and longer than a block.
        #[test]
        fn prepared_keys_compute_the_hmac_crates_mac(
            key in proptest::collection::vec(any::<u8>(), 0..300),
            parts in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..200), 0..4),
        ) {
            for algorithm in [HashAlgorithm::Sha256, HashAlgorithm::Sha512, HashAlgorithm::Sha1] {
                let expected = compute(algorithm, &key, &parts);
                let prepared = Prepared::new(algorithm, &key);
                prop_assert_eq!(prepared.algorithm(), algorithm);
                prop_assert_eq!(&prepared.compute(&parts), &expected);
                let mut bytes = Vec::new();
                prepared.to_bytes(&mut bytes);
                let restored = Prepared::from_bytes(algorithm, &bytes).expect("its own bytes restore");
                prop_assert_eq!(&restored.compute(&parts), &expected);
            }
        }
    }

    #[test]
    fn bytes_that_are_not_two_states_restore_to_nothing() {
        let mut bytes = Vec::new();
        Prepared::new(HashAlgorithm::Sha256, b"key").to_bytes(&mut bytes);
        assert!(Prepared::from_bytes(HashAlgorithm::Sha256, &bytes[1..]).is_none());
        assert!(Prepared::from_bytes(HashAlgorithm::Sha512, &bytes).is_none(), "a SHA-256 state is not a SHA-512 one");
        assert!(Prepared::from_bytes(HashAlgorithm::Sha1, &[]).is_none());
    }
}
