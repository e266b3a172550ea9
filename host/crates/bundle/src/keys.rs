//! Ed25519 keys, their ids and the text files that carry them.
//!
//! A key id is derived from the public key (the first 16 bytes of its
//! sha256, in hex), never chosen by hand. So a signature names its key
//! unambiguously, and a bundle signed by any key the platform does not trust
//! is refused as an untrusted key before any cryptography runs.
//!
//! Both files are JSON, so a platform can read and diff them:
//!
//! - signing key (secret, kept by the regulator):
//!   `{"type":"shelfgate-signing-key","algorithm":"ed25519","key_id":"…","secret_key":"<base64 seed>"}`
//! - trusted keys (public, installed on the platform; `keygen` writes one
//!   with a single key, and several files' `keys` can be merged into one):
//!   `{"type":"shelfgate-trusted-keys","keys":[{"key_id":"…","algorithm":"ed25519","public_key":"<base64>"}]}`

use std::collections::BTreeMap;
use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::canonical::hex;
use crate::BundleError;

const SIGNING_KEY_TYPE: &str = "shelfgate-signing-key";
const TRUSTED_KEYS_TYPE: &str = "shelfgate-trusted-keys";
const ALGORITHM: &str = "ed25519";

/// The id of a public key: hex of the first 16 bytes of its sha256.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(String);

impl KeyId {
    pub fn of(key: &VerifyingKey) -> KeyId {
        let digest = Sha256::digest(key.as_bytes());
        KeyId(hex(digest.get(..16).unwrap_or(&digest)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new key pair from the operating system's randomness.
pub fn keygen() -> Result<(SigningKey, VerifyingKey), BundleError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| BundleError::Random(e.to_string()))?;
    let signing = SigningKey::from_bytes(&seed);
    let verifying = signing.verifying_key();
    Ok((signing, verifying))
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SigningKeyFile {
    #[serde(rename = "type")]
    kind: String,
    algorithm: String,
    key_id: String,
    secret_key: String,
}

/// The text of a signing key file.
pub fn signing_key_to_text(key: &SigningKey) -> String {
    let file = SigningKeyFile {
        kind: SIGNING_KEY_TYPE.into(),
        algorithm: ALGORITHM.into(),
        key_id: KeyId::of(&key.verifying_key()).0,
        secret_key: BASE64.encode(key.to_bytes()),
    };
    to_pretty(&file)
}

/// Reads a signing key file, checking that its key id matches its key.
pub fn signing_key_from_text(text: &str) -> Result<SigningKey, BundleError> {
    let file: SigningKeyFile = serde_json::from_str(text)
        .map_err(|e| BundleError::Key(format!("not a signing key file: {e}")))?;
    expect_field("type", &file.kind, SIGNING_KEY_TYPE)?;
    expect_field("algorithm", &file.algorithm, ALGORITHM)?;
    let seed: [u8; 32] = decode_fixed(&file.secret_key, "secret_key")?;
    let key = SigningKey::from_bytes(&seed);
    let id = KeyId::of(&key.verifying_key());
    if id.0 != file.key_id {
        return Err(BundleError::Key(format!(
            "key file says key id `{}` but its key has id `{id}`",
            file.key_id
        )));
    }
    Ok(key)
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrustedKeysFile {
    #[serde(rename = "type")]
    kind: String,
    keys: Vec<TrustedKeyEntry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrustedKeyEntry {
    key_id: String,
    algorithm: String,
    public_key: String,
}

/// The public keys whose signatures the platform accepts, by key id.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    keys: BTreeMap<KeyId, VerifyingKey>,
}

impl TrustedKeys {
    pub fn new(keys: impl IntoIterator<Item = VerifyingKey>) -> TrustedKeys {
        let mut trusted = TrustedKeys::default();
        for key in keys {
            trusted.insert(key);
        }
        trusted
    }

    pub fn insert(&mut self, key: VerifyingKey) -> KeyId {
        let id = KeyId::of(&key);
        self.keys.insert(id.clone(), key);
        id
    }

    pub fn get(&self, id: &str) -> Option<&VerifyingKey> {
        self.keys.get(&KeyId(id.to_owned()))
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn ids(&self) -> impl Iterator<Item = &KeyId> {
        self.keys.keys()
    }

    /// Reads a trusted keys file; every entry's id must match its key.
    pub fn from_text(text: &str) -> Result<TrustedKeys, BundleError> {
        let file: TrustedKeysFile = serde_json::from_str(text)
            .map_err(|e| BundleError::Key(format!("not a trusted keys file: {e}")))?;
        expect_field("type", &file.kind, TRUSTED_KEYS_TYPE)?;
        let mut trusted = TrustedKeys::default();
        for entry in file.keys {
            expect_field("algorithm", &entry.algorithm, ALGORITHM)?;
            let bytes: [u8; 32] = decode_fixed(&entry.public_key, "public_key")?;
            let key = VerifyingKey::from_bytes(&bytes)
                .map_err(|e| BundleError::Key(format!("public key `{}`: {e}", entry.key_id)))?;
            let id = trusted.insert(key);
            if id.0 != entry.key_id {
                return Err(BundleError::Key(format!(
                    "trusted key listed as `{}` has id `{id}`",
                    entry.key_id
                )));
            }
        }
        Ok(trusted)
    }

    pub fn to_text(&self) -> String {
        let file = TrustedKeysFile {
            kind: TRUSTED_KEYS_TYPE.into(),
            keys: self
                .keys
                .iter()
                .map(|(id, key)| TrustedKeyEntry {
                    key_id: id.0.clone(),
                    algorithm: ALGORITHM.into(),
                    public_key: BASE64.encode(key.as_bytes()),
                })
                .collect(),
        };
        to_pretty(&file)
    }
}

fn expect_field(name: &str, got: &str, want: &str) -> Result<(), BundleError> {
    if got == want {
        Ok(())
    } else {
        Err(BundleError::Key(format!(
            "`{name}` is `{got}`, expected `{want}`"
        )))
    }
}

pub(crate) fn decode_fixed<const N: usize>(text: &str, what: &str) -> Result<[u8; N], BundleError> {
    // Base64 of N bytes is about 4N/3 characters; refuse longer text unread.
    if text.len() > N.saturating_mul(2).saturating_add(4) {
        return Err(BundleError::Key(format!("`{what}` is too long")));
    }
    let bytes = BASE64
        .decode(text)
        .map_err(|e| BundleError::Key(format!("`{what}` is not base64: {e}")))?;
    <[u8; N]>::try_from(bytes.as_slice())
        .map_err(|_| BundleError::Key(format!("`{what}` has {} bytes, expected {N}", bytes.len())))
}

fn to_pretty<T: Serialize>(value: &T) -> String {
    // Plain structs of strings: serialising cannot fail.
    let mut text = serde_json::to_string_pretty(value).expect("a key file always serialises");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_round_trip() {
        let (signing, verifying) = keygen().unwrap();
        let back = signing_key_from_text(&signing_key_to_text(&signing)).unwrap();
        assert_eq!(back.to_bytes(), signing.to_bytes());

        let trusted = TrustedKeys::new([verifying]);
        let again = TrustedKeys::from_text(&trusted.to_text()).unwrap();
        let id = KeyId::of(&verifying);
        assert_eq!(id.as_str().len(), 32);
        assert_eq!(again.get(id.as_str()), Some(&verifying));
    }

    #[test]
    fn refuses_a_key_id_that_does_not_match_the_key() {
        let (_, verifying) = keygen().unwrap();
        let (_, other) = keygen().unwrap();
        let text = TrustedKeys::new([verifying])
            .to_text()
            .replace(KeyId::of(&verifying).as_str(), KeyId::of(&other).as_str());
        let err = TrustedKeys::from_text(&text).unwrap_err();
        assert!(matches!(err, BundleError::Key(m) if m.contains("has id")));
    }
}
