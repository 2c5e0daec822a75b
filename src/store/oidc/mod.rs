//! Storage for the OpenID Connect provider: signing keys, clients, codes, tokens, sessions.
pub mod clients;
pub mod grants;
pub mod keys;

use super::Store;

impl Store {
    pub fn signing_keys(&self) -> keys::SigningKeys<'_> {
        keys::SigningKeys { store: self }
    }

    pub fn clients(&self) -> clients::Clients<'_> {
        clients::Clients { store: self }
    }

    pub fn grants(&self) -> grants::Grants<'_> {
        grants::Grants { store: self }
    }
}
