//! Signing keys encrypted at rest (envelope encryption, AES-256-GCM through aws-lc-rs).
//!
//! Each private key is sealed under its own random data key; the data key is sealed under the
//! operator's key-encryption key (KEK, `SCIMITAR_KEY_ENCRYPTION_KEY` or a key file). The row
//! then holds `scimitar-envelope:v1:<kek id>:<sealed data key>:<sealed PEM>`, both sealed
//! parts bound to the key's `kid` (AAD), so a row copied onto another `kid` does not open.
//! A database read or a backup alone no longer forges tokens; rotating the KEK re-seals only
//! the data keys (`scimitar keys rewrap`). Without a KEK, keys are stored as plain PEM (the
//! server warns at every start).
use aws_lc_rs::{
    aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey},
    digest, rand,
};
use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};

const PREFIX: &str = "scimitar-envelope:v1:";

/// A key-encryption key, known by a short id derived from it (never the key itself).
pub struct Kek {
    id: String,
    key: LessSafeKey,
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Kek({})", self.id)
    }
}

impl Kek {
    /// 32 bytes, base64 (standard or URL-safe, padding optional), as made by
    /// `openssl rand -base64 32`.
    pub fn parse(text: &str) -> Result<Kek, String> {
        let t = text.trim();
        let bytes = STANDARD
            .decode(t)
            .or_else(|_| URL_SAFE_NO_PAD.decode(t.trim_end_matches('=')))
            .map_err(|_| "the key-encryption key is not base64".to_owned())?;
        if bytes.len() != 32 {
            return Err(format!(
                "the key-encryption key must be 32 bytes (base64 of 32 random bytes), not {}",
                bytes.len()
            ));
        }
        let id = hex(&digest::digest(&digest::SHA256, &bytes).as_ref()[..6]);
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| "unusable key".to_owned())?);
        Ok(Kek { id, key })
    }

    /// The first line of a key file.
    pub fn from_file(path: &std::path::Path) -> Result<Kek, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Kek::parse(text.lines().next().unwrap_or_default())
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}

/// The KEKs a process knows: the current one seals (and opens), a previous one only opens
/// (during a KEK rotation, until `scimitar keys rewrap` has re-sealed every key).
#[derive(Debug, Default)]
pub struct Keks {
    pub current: Option<Kek>,
    pub previous: Option<Kek>,
}

impl Keks {
    pub fn all(&self) -> Vec<&Kek> {
        self.current.iter().chain(self.previous.iter()).collect()
    }

    /// Seals `pem` under the current KEK; without one it stays plain PEM.
    pub fn seal(&self, kid: &str, pem: &str) -> String {
        match &self.current {
            Some(kek) => seal(kek, kid, pem),
            None => pem.to_owned(),
        }
    }

    pub fn open(&self, kid: &str, stored: &str) -> Result<String, OpenError> {
        open(&self.all(), kid, stored)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn seal_with(key: &LessSafeKey, aad: &str, plain: &[u8]) -> String {
    let mut nonce = [0u8; NONCE_LEN];
    rand::fill(&mut nonce).expect("the system random source failed");
    let mut buf = plain.to_vec();
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad.as_bytes()), &mut buf)
        .expect("AES-GCM sealing of a small buffer cannot fail");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&buf);
    URL_SAFE_NO_PAD.encode(out)
}

fn open_with(key: &LessSafeKey, aad: &str, sealed: &str) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    if bytes.len() < NONCE_LEN {
        return None;
    }
    let (nonce, ct) = bytes.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut buf = ct.to_vec();
    let plain = key.open_in_place(nonce, Aad::from(aad.as_bytes()), &mut buf).ok()?;
    Some(plain.to_vec())
}

/// Is `stored` an envelope (rather than a plain PEM)?
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// The KEK id an envelope was sealed under.
pub fn sealed_under(stored: &str) -> Option<&str> {
    stored.strip_prefix(PREFIX)?.split(':').next()
}

/// Seals `pem` (the private key of `kid`) under `kek`.
pub fn seal(kek: &Kek, kid: &str, pem: &str) -> String {
    let mut data_key = [0u8; 32];
    rand::fill(&mut data_key).expect("the system random source failed");
    let dek = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &data_key).expect("32-byte key"));
    let sealed_pem = seal_with(&dek, kid, pem.as_bytes());
    let sealed_dek = seal_with(&kek.key, kid, &data_key);
    data_key.fill(0);
    format!("{PREFIX}{}:{sealed_dek}:{sealed_pem}", kek.id)
}

/// Why a stored key could not be opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpenError {
    #[error("the key is encrypted under key-encryption key {0}, which is not configured")]
    NoKek(String),
    #[error("the key does not decrypt (damaged, or moved to another kid)")]
    Damaged,
}

/// The PEM of `kid` from its stored form: plain PEM as is, an envelope opened with whichever
/// of `keks` sealed it.
pub fn open(keks: &[&Kek], kid: &str, stored: &str) -> Result<String, OpenError> {
    let Some(rest) = stored.strip_prefix(PREFIX) else {
        return Ok(stored.to_owned());
    };
    let mut parts = rest.splitn(3, ':');
    let (Some(kek_id), Some(sealed_dek), Some(sealed_pem)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(OpenError::Damaged);
    };
    let kek = keks
        .iter()
        .find(|k| k.id == kek_id)
        .ok_or_else(|| OpenError::NoKek(kek_id.to_owned()))?;
    let mut data_key = open_with(&kek.key, kid, sealed_dek).ok_or(OpenError::Damaged)?;
    let dek = UnboundKey::new(&AES_256_GCM, &data_key).map_err(|_| OpenError::Damaged)?;
    data_key.fill(0);
    let pem = open_with(&LessSafeKey::new(dek), kid, sealed_pem).ok_or(OpenError::Damaged)?;
    String::from_utf8(pem).map_err(|_| OpenError::Damaged)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n";

    fn kek(byte: u8) -> Kek {
        Kek::parse(&STANDARD.encode([byte; 32])).unwrap()
    }

    #[test]
    fn a_sealed_key_opens_only_with_its_kek_and_kid() {
        let (a, b) = (kek(1), kek(2));
        let sealed = seal(&a, "kid-1", PEM);
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("PRIVATE KEY"));
        assert_eq!(sealed_under(&sealed), Some(a.id()));
        assert_eq!(open(&[&a], "kid-1", &sealed).unwrap(), PEM);
        assert_eq!(open(&[&b, &a], "kid-1", &sealed).unwrap(), PEM);
        assert_eq!(open(&[&b], "kid-1", &sealed), Err(OpenError::NoKek(a.id().to_owned())));
        assert_eq!(open(&[], "kid-1", &sealed), Err(OpenError::NoKek(a.id().to_owned())));
        // Bound to its kid.
        assert_eq!(open(&[&a], "kid-2", &sealed), Err(OpenError::Damaged));
        // Two seals of one key differ (fresh data key and nonces).
        assert_ne!(seal(&a, "kid-1", PEM), sealed);
    }

    #[test]
    fn damaged_envelopes_are_errors_not_panics() {
        let a = kek(1);
        let sealed = seal(&a, "k", PEM);
        let mut flipped = sealed.clone().into_bytes();
        let last = flipped.len() - 2;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        for bad in [
            flipped.as_str(),
            "scimitar-envelope:v1:",
            "scimitar-envelope:v1:x",
            &format!("scimitar-envelope:v1:{}:", a.id()),
            &format!("scimitar-envelope:v1:{}:!!:??", a.id()),
            &format!("scimitar-envelope:v1:{}:AA:AA", a.id()),
        ] {
            assert!(open(&[&a], "k", bad).is_err(), "{bad}");
        }
        // Plain PEM passes through (keys stored before a KEK was configured).
        assert_eq!(open(&[&a], "k", PEM).unwrap(), PEM);
    }

    #[test]
    fn keks_must_be_32_bytes_of_base64() {
        assert!(Kek::parse(&STANDARD.encode([7u8; 32])).is_ok());
        assert!(Kek::parse(&URL_SAFE_NO_PAD.encode([7u8; 32])).is_ok());
        assert!(Kek::parse(&format!("  {}\n", STANDARD.encode([7u8; 32]))).is_ok());
        for bad in [
            "",
            "not base64!",
            &STANDARD.encode([1u8; 16]),
            &STANDARD.encode([1u8; 33]),
        ] {
            assert!(Kek::parse(bad).is_err(), "{bad}");
        }
        // The id tells keys apart without revealing them.
        assert_ne!(kek(1).id(), kek(2).id());
        assert_eq!(kek(1).id().len(), 12);
    }
}
