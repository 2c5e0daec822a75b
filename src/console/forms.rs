//! Reading console form bodies: `application/x-www-form-urlencoded`, repeated names kept
//! (check boxes), unknown fields ignored.
use uuid::Uuid;

use super::{Admin, ConsoleError};
use crate::access::Builtin;

/// The fields of a form body, in order.
pub fn fields(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// The first value of `name`, or "".
pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// Users one form may add or remove at once.
const MAX_PICKED: usize = 500;

/// The user ids checked in a form (`user=<id>` repeated), at most [`MAX_PICKED`]; anything
/// else is a 400.
pub fn checked_users(fields: &[(String, String)]) -> Result<Vec<Uuid>, ConsoleError> {
    let ids: Vec<Uuid> = fields
        .iter()
        .filter(|(k, _)| k == "user")
        .map(|(_, v)| Uuid::parse_str(v).map_err(|_| ConsoleError::BadRequest("A selected user is not valid.".into())))
        .collect::<Result<_, _>>()?;
    if ids.len() > MAX_PICKED {
        return Err(ConsoleError::BadRequest(format!(
            "Select at most {MAX_PICKED} users at a time."
        )));
    }
    Ok(ids)
}

impl Admin {
    /// A form post's fields, once its CSRF token and the permission it `needs` are checked
    /// (in that order: a forged post learns nothing about permissions).
    pub fn form(&self, body: &[u8], needs: Builtin) -> Result<Vec<(String, String)>, ConsoleError> {
        let f = fields(body);
        self.check_csrf(field(&f, "csrf"))?;
        self.require(needs)?;
        Ok(f)
    }
}
