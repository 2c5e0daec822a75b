//! The validation suites real provisioning clients run before they trust a SCIM server
//! (../shared/CLIENTS.md, "Validation suites that real clients run"), one test per step.
mod entra_gallery;
mod entra_validator;
mod okta;
mod postman;
