//! Signing keys: generated with aws-lc-rs (RS256, ES256 or EdDSA), stored in the database so
//! every replica signs and verifies with the same keys, held in memory in a [`KeyRing`].
//!
//! Rotation (`scimitar keys rotate`) inserts a new key and retires the others: a retired key
//! no longer signs but stays in the JWKS until `not_after`, when every token it signed has
//! expired. Replicas reload the ring when they see an unknown `kid` and at least every minute.
//! Private key material is never logged (the entity's `Debug` redacts it), and is sealed
//! under a key-encryption key when one is configured (`keywrap`).
use std::{
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

use aws_lc_rs::{encoding::AsDer, rand::SystemRandom, signature};
use chrono::{DateTime, Utc};
use entity::signing_key;
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation,
    jwk::{Jwk, JwkSet, PublicKeyUse, ThumbprintHash},
};
use serde::{Serialize, de::DeserializeOwned};

use super::keywrap::Keks;
use crate::store::{
    Store, StoreError,
    audit::{Actor, Event},
};

/// An unknown `kid` triggers a reload at most this often (bad tokens cannot hammer the DB).
const RELOAD_ON_MISS_EVERY: Duration = Duration::from_secs(5);

/// Makes aws-lc-rs jsonwebtoken's crypto provider; harmless if already installed.
pub fn install_crypto_provider() {
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
}

/// `RS256`, `ES256` or `EdDSA`.
pub fn parse_alg(s: &str) -> anyhow::Result<Algorithm> {
    match s {
        "RS256" => Ok(Algorithm::RS256),
        "ES256" => Ok(Algorithm::ES256),
        "EdDSA" => Ok(Algorithm::EdDSA),
        other => anyhow::bail!("unsupported signing algorithm {other:?} (use RS256, ES256 or EdDSA)"),
    }
}

fn alg_name(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::ES256 => "ES256",
        Algorithm::EdDSA => "EdDSA",
        _ => "RS256",
    }
}

/// A new key of the given algorithm, ready to store. The `kid` is the JWK's RFC 7638 thumbprint.
pub fn generate(alg: Algorithm) -> anyhow::Result<signing_key::Model> {
    install_crypto_provider();
    let rng = SystemRandom::new();
    let pkcs8: Vec<u8> = match alg {
        Algorithm::RS256 => {
            let kp = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .map_err(|_| anyhow::anyhow!("RSA key generation failed"))?;
            kp.as_der()
                .map_err(|_| anyhow::anyhow!("RSA key export failed"))?
                .as_ref()
                .to_vec()
        }
        Algorithm::ES256 => signature::EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| anyhow::anyhow!("P-256 key generation failed"))?
            .as_ref()
            .to_vec(),
        Algorithm::EdDSA => signature::Ed25519KeyPair::generate_pkcs8v1(&rng)
            .map_err(|_| anyhow::anyhow!("Ed25519 key generation failed"))?
            .as_ref()
            .to_vec(),
        other => anyhow::bail!("unsupported signing algorithm {other:?}"),
    };
    let private_pem = pem::encode(&pem::Pem::new("PRIVATE KEY", pkcs8));
    let encoding = encoding_key(alg, &private_pem)?;
    let mut jwk = Jwk::from_encoding_key(&encoding, alg)?;
    let kid = jwk.thumbprint(ThumbprintHash::SHA256)?;
    jwk.common.key_id = Some(kid.clone());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    Ok(signing_key::Model {
        kid,
        alg: alg_name(alg).to_owned(),
        private_pem,
        public_jwk: serde_json::to_value(&jwk)?,
        created: Utc::now(),
        retired_at: None,
        not_after: None,
    })
}

fn encoding_key(alg: Algorithm, pem: &str) -> anyhow::Result<EncodingKey> {
    Ok(match alg {
        // PKCS#8 "PRIVATE KEY": from_rsa_pem unwraps it (from_rsa_der wants PKCS#1).
        Algorithm::RS256 => EncodingKey::from_rsa_pem(pem.as_bytes())?,
        Algorithm::ES256 => EncodingKey::from_ec_pem(pem.as_bytes())?,
        Algorithm::EdDSA => EncodingKey::from_ed_pem(pem.as_bytes())?,
        other => anyhow::bail!("unsupported signing algorithm {other:?}"),
    })
}

/// A private key parsed once. `jsonwebtoken::encode` parses the PKCS#8 key (and, for RSA,
/// checks it and sets up blinding) on every call, which was 40% of the cost of a token.
enum KeyPair {
    Rsa(signature::RsaKeyPair),
    Ec(signature::EcdsaKeyPair),
    Ed(signature::Ed25519KeyPair),
}

impl KeyPair {
    fn from_pem(alg: Algorithm, pem: &str) -> anyhow::Result<Self> {
        let der = pem::parse(pem)?.into_contents();
        let bad = |_| anyhow::anyhow!("the stored {alg:?} private key does not parse");
        Ok(match alg {
            Algorithm::RS256 => KeyPair::Rsa(signature::RsaKeyPair::from_pkcs8(&der).map_err(bad)?),
            Algorithm::ES256 => KeyPair::Ec(
                signature::EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &der).map_err(bad)?,
            ),
            Algorithm::EdDSA => KeyPair::Ed(signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der).map_err(bad)?),
            other => anyhow::bail!("unsupported signing algorithm {other:?}"),
        })
    }

    fn sign(&self, message: &[u8]) -> anyhow::Result<Vec<u8>> {
        let failed = |_| anyhow::anyhow!("signing failed");
        let rng = SystemRandom::new();
        Ok(match self {
            KeyPair::Rsa(k) => {
                let mut sig = vec![0; k.public_modulus_len()];
                k.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut sig)
                    .map_err(failed)?;
                sig
            }
            KeyPair::Ec(k) => k.sign(&rng, message).map_err(failed)?.as_ref().to_vec(),
            KeyPair::Ed(k) => k.sign(message).as_ref().to_vec(),
        })
    }
}

/// A key as used in memory.
struct LoadedKey {
    kid: String,
    alg: Algorithm,
    retired: bool,
    pair: KeyPair,
    decoding: DecodingKey,
    jwk: Jwk,
}

impl LoadedKey {
    /// RFC 7515 compact serialization: `b64(header).b64(claims).b64(signature)`.
    fn encode(&self, header: &Header, claims: &impl Serialize) -> anyhow::Result<String> {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        let mut token = URL_SAFE_NO_PAD.encode(serde_json::to_vec(header)?);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(serde_json::to_vec(claims)?, &mut token);
        let signature = self.pair.sign(token.as_bytes())?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        Ok(token)
    }
}

fn load(row: &signing_key::Model, keks: &Keks) -> anyhow::Result<LoadedKey> {
    let alg = parse_alg(&row.alg)?;
    let jwk: Jwk = serde_json::from_value(row.public_jwk.clone())?;
    let pem = keks.open(&row.kid, &row.private_pem)?;
    Ok(LoadedKey {
        kid: row.kid.clone(),
        alg,
        retired: row.retired_at.is_some(),
        pair: KeyPair::from_pem(alg, &pem)?,
        decoding: DecodingKey::from_jwk(&jwk)?,
        jwk,
    })
}

/// Why a JWT was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("malformed token or unsupported header")]
    Malformed,
    #[error("unknown key id")]
    UnknownKey,
    #[error("invalid token: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
}

/// The published keys, newest first; the first unretired one signs.
pub struct KeyRing {
    keys: RwLock<Vec<Arc<LoadedKey>>>,
    loaded_at: Mutex<Instant>,
    /// How often the ring is re-read to pick up another replica's rotation.
    reload_every: Duration,
    /// The key-encryption keys that open the stored private keys.
    keks: Arc<Keks>,
}

impl KeyRing {
    /// Loads the keys, generating one of `alg` first if none can sign. Fails when the stored
    /// keys are sealed under a key-encryption key this process does not have.
    pub async fn ensure(
        store: &Store,
        alg: Algorithm,
        reload_every: Duration,
        keks: Arc<Keks>,
    ) -> anyhow::Result<KeyRing> {
        install_crypto_provider();
        let published = store.signing_keys().published(Utc::now()).await?;
        if !published.iter().any(|k| k.retired_at.is_none()) {
            let key = generate(alg)?;
            store.signing_keys().insert(sealed(key, &keks)).await?;
            tracing::info!(alg = alg_name(alg), "generated the first OIDC signing key");
        }
        let ring = KeyRing {
            keys: RwLock::new(vec![]),
            loaded_at: Mutex::new(Instant::now()),
            reload_every,
            keks,
        };
        ring.reload(store).await?;
        if ring.keks.current.is_some() {
            let plain = store
                .signing_keys()
                .published(Utc::now())
                .await?
                .iter()
                .filter(|r| !super::keywrap::is_sealed(&r.private_pem))
                .count();
            if plain > 0 {
                tracing::warn!(plain, "signing keys are stored unencrypted: run `scimitar keys rewrap`");
            }
        }
        if ring.signer().is_none() {
            let rows = store.signing_keys().published(Utc::now()).await?;
            let missing: Vec<String> = rows
                .iter()
                .filter_map(|r| super::keywrap::sealed_under(&r.private_pem))
                .filter(|id| !ring.keks.all().iter().any(|k| k.id() == *id))
                .map(str::to_owned)
                .collect();
            anyhow::bail!(
                "no signing key can be used{}",
                if missing.is_empty() {
                    String::new()
                } else {
                    format!(
                        ": they are encrypted under key-encryption key {}; set SCIMITAR_KEY_ENCRYPTION_KEY \
                         (or SCIMITAR_PREVIOUS_KEY_ENCRYPTION_KEY) to it",
                        missing.join(", ")
                    )
                }
            );
        }
        Ok(ring)
    }

    /// Re-reads the published keys from the database.
    pub async fn reload(&self, store: &Store) -> Result<(), StoreError> {
        let rows = store.signing_keys().published(Utc::now()).await?;
        let mut keys = Vec::with_capacity(rows.len());
        for row in &rows {
            match load(row, &self.keks) {
                Ok(k) => keys.push(Arc::new(k)),
                Err(e) => tracing::error!(kid = %row.kid, error = %e, "skipping an unusable signing key"),
            }
        }
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = keys;
        *self.loaded_at.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        Ok(())
    }

    fn loaded_since(&self) -> Duration {
        self.loaded_at.lock().unwrap_or_else(|e| e.into_inner()).elapsed()
    }

    /// Reloads when the ring is older than `reload_every` (another replica may have rotated).
    pub async fn refresh_if_stale(&self, store: &Store) {
        if self.loaded_since() >= self.reload_every
            && let Err(e) = self.reload(store).await
        {
            tracing::warn!(error = %e, "could not reload signing keys");
        }
    }

    fn signer(&self) -> Option<Arc<LoadedKey>> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        keys.iter().find(|k| !k.retired).or(keys.first()).cloned()
    }

    fn find(&self, kid: &str) -> Option<Arc<LoadedKey>> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        keys.iter().find(|k| k.kid == kid).cloned()
    }

    /// Algorithms of the published keys (for discovery), RS256 always listed first.
    pub fn algorithms(&self) -> Vec<&'static str> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        let mut out = vec!["RS256"];
        for k in keys.iter() {
            let name = alg_name(k.alg);
            if !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }

    /// Signs `claims` with the current key; `kid` is always in the header.
    /// Returns the token and the algorithm used (for `at_hash`).
    pub fn sign(&self, typ: &str, claims: &impl Serialize) -> anyhow::Result<(String, Algorithm)> {
        let key = self.signer().ok_or_else(|| anyhow::anyhow!("no signing key loaded"))?;
        let mut header = Header::new(key.alg);
        header.typ = Some(typ.to_owned());
        header.kid = Some(key.kid.clone());
        Ok((key.encode(&header, claims)?, key.alg))
    }

    /// Verifies a JWT we issued as `typ` (`at+jwt` or `JWT`, so that an ID token is never taken
    /// for an access token): a known `kid`, the key's own algorithm (never the header's
    /// choice; `none` is rejected), the signature, `iss` and `exp`.
    pub async fn verify<T: DeserializeOwned>(
        &self,
        store: &Store,
        token: &str,
        typ: &str,
        issuer: &str,
    ) -> Result<T, VerifyError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::Malformed)?;
        if !header.typ.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(typ)) {
            return Err(VerifyError::Malformed);
        }
        let kid = header.kid.ok_or(VerifyError::Malformed)?;
        let key = match self.find(&kid) {
            Some(k) => k,
            None if self.loaded_since() > RELOAD_ON_MISS_EVERY => {
                self.reload(store).await.map_err(|_| VerifyError::UnknownKey)?;
                self.find(&kid).ok_or(VerifyError::UnknownKey)?
            }
            None => return Err(VerifyError::UnknownKey),
        };
        if header.alg != key.alg {
            return Err(VerifyError::Malformed);
        }
        let mut validation = Validation::new(key.alg);
        validation.set_issuer(&[issuer]);
        validation.validate_aud = false;
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        Ok(jsonwebtoken::decode::<T>(token, &key.decoding, &validation)?.claims)
    }

    /// The JWKS: every published public key.
    pub fn jwks(&self) -> JwkSet {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        JwkSet {
            keys: keys.iter().map(|k| k.jwk.clone()).collect(),
        }
    }
}

/// A new key's private part as it is stored: sealed under the current KEK, if there is one.
fn sealed(mut key: signing_key::Model, keks: &Keks) -> signing_key::Model {
    key.private_pem = keks.seal(&key.kid, &key.private_pem);
    key
}

/// `scimitar keys rotate`: a new key signs from now on; the previous ones stay published for
/// `keep_for` (the longest lifetime of a token they signed).
pub async fn rotate(
    store: &Store,
    alg: Algorithm,
    keep_for: chrono::Duration,
    keks: &Keks,
    actor: &Actor,
) -> anyhow::Result<String> {
    let key = generate(alg)?;
    let kid = key.kid.clone();
    let not_after: DateTime<Utc> = key.created + keep_for;
    store.signing_keys().rotate(sealed(key, keks), not_after).await?;
    let event = Event::admin("key.rotate", "Key", uuid::Uuid::nil())
        .with_detail(serde_json::json!({"kid": kid, "alg": alg_name(alg)}));
    store.audit().log(actor, vec![event]).await?;
    Ok(kid)
}

/// `scimitar keys rewrap`: every stored private key (plain, or sealed under the current or
/// the previous KEK) is sealed again under the current KEK. Returns how many were re-sealed.
pub async fn rewrap(store: &Store, keks: &Keks, actor: &Actor) -> anyhow::Result<usize> {
    anyhow::ensure!(
        keks.current.is_some(),
        "set SCIMITAR_KEY_ENCRYPTION_KEY (or its file) to the key-encryption key to seal under"
    );
    let mut count = 0;
    for row in store.signing_keys().all().await? {
        let pem = keks
            .open(&row.kid, &row.private_pem)
            .map_err(|e| anyhow::anyhow!("key {}: {e}", row.kid))?;
        store
            .signing_keys()
            .set_private(&row.kid, &keks.seal(&row.kid, &pem))
            .await?;
        count += 1;
    }
    let kek = keks.current.as_ref().map_or("", |k| k.id());
    let event = Event::admin("key.rewrap", "Key", uuid::Uuid::nil())
        .with_detail(serde_json::json!({"keys": count, "kek": kek}));
    store.audit().log(actor, vec![event]).await?;
    Ok(count)
}

/// OIDC Core §3.1.3.6 `at_hash`: base64url of the left half of the access token's hash,
/// with the hash of the ID token's algorithm (SHA-512 for Ed25519).
pub fn at_hash(access_token: &str, alg: Algorithm) -> String {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let algo = match alg {
        Algorithm::EdDSA => &aws_lc_rs::digest::SHA512,
        _ => &aws_lc_rs::digest::SHA256,
    };
    let d = aws_lc_rs::digest::digest(algo, access_token.as_bytes());
    let bytes = d.as_ref();
    URL_SAFE_NO_PAD.encode(&bytes[..bytes.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_signs_and_its_jwk_verifies() {
        for alg in [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA] {
            let row = generate(alg).unwrap();
            let key = load(&row, &Keks::default()).unwrap();
            assert_eq!(key.jwk.common.key_id.as_deref(), Some(row.kid.as_str()));
            let claims = serde_json::json!({"sub": "x", "iss": "i", "exp": 4_000_000_000u64});
            let mut header = Header::new(alg);
            header.kid = Some(row.kid.clone());
            let token = key.encode(&header, &claims).unwrap();
            let mut v = Validation::new(alg);
            v.validate_aud = false;
            let back = jsonwebtoken::decode::<serde_json::Value>(&token, &key.decoding, &v).unwrap();
            assert_eq!(back.claims["sub"], "x");
            assert!(!format!("{row:?}").contains("PRIVATE"), "Debug must not show the key");
        }
    }

    #[test]
    fn at_hash_is_half_the_digest() {
        assert_eq!(at_hash("abc", Algorithm::RS256).len(), 22);
        assert_eq!(at_hash("abc", Algorithm::EdDSA).len(), 43);
    }
}
