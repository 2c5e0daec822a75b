pub use super::api_token::Entity as ApiToken;
pub use super::audit_event::Entity as AuditEvent;
pub use super::group::Entity as Group;
pub use super::group_member::Entity as GroupMember;
pub use super::user::Entity as User;
pub use super::user_email::Entity as UserEmail;
