//! Authorization of admin routes by permission. A handler names what it needs in its
//! signature — `caller: Allowed<GroupWrite>` — so the check cannot be forgotten apart from
//! the handler, and runs before any other extractor (a 403 before a 404 or a 400). The
//! OpenAPI document lists the same permission on each operation (`security`), and a test
//! holds every route to it.
use std::{future::Ready, marker::PhantomData, ops::Deref};

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload};

use super::problem::Problem;
use crate::{access::Builtin, auth::Principal};

/// A permission a route needs, as a type.
pub trait Needs {
    const PERMISSION: Builtin;
}

macro_rules! needs {
    ($($name:ident),* $(,)?) => {$(
        pub struct $name;
        impl Needs for $name {
            const PERMISSION: Builtin = Builtin::$name;
        }
    )*};
}

needs!(
    UserRead,
    UserWrite,
    GroupRead,
    GroupWrite,
    RoleRead,
    RoleWrite,
    TokenRead,
    TokenWrite,
    ClientRead,
    ClientWrite,
    AuditRead,
    KeyRead,
    KeyRotate,
);

/// The authenticated caller, holding `N`'s permission.
pub struct Allowed<N: Needs>(Principal, PhantomData<N>);

impl<N: Needs> Deref for Allowed<N> {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.0
    }
}

impl<N: Needs> FromRequest for Allowed<N> {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let principal = req.extensions().get::<Principal>().cloned();
        std::future::ready(match principal {
            // The scope's middleware authenticated every request; this is only a safety net.
            None => Err(Problem::unauthorized("a bearer token is required")),
            Some(p) if p.can(N::PERMISSION) => Ok(Allowed(p, PhantomData)),
            Some(_) => Err(Problem::missing_permission(
                N::PERMISSION.as_str(),
                &format!("{} {}", req.method(), req.path()),
            )),
        })
    }
}
