//! What SCIM does to resources, apart from HTTP: create / replace / patch / delete and the
//! reads that answer them, per resource type. The `/Users` and `/Groups` handlers, `/Me` and
//! `/Bulk` all call these; none of them calls another handler module.
pub mod groups;
pub mod list;
pub mod users;
