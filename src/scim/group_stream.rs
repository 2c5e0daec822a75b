//! `GET /Groups/{id}` with its whole member list, streamed: the members are read from the
//! database in keyset chunks inside one read transaction (one snapshot: the list is the list
//! at one instant, whatever changes meanwhile) and written to the response as they come, each
//! member serialized straight into the chunk's bytes — never a JSON tree of the whole group.
//! A bounded channel between the reader and the response holds at most [`AHEAD`] chunks, so
//! the memory one request uses does not grow with the group (and a slow client slows the
//! reader, not the server's memory).
//!
//! Once the headers are sent a failure can no longer become a SCIM error: the body is cut
//! short (the client sees an incomplete response, never a complete-looking wrong one).
use actix_web::{HttpResponse, body::SizedStream, http::header, web::Bytes};
use sea_orm::{AccessMode, DatabaseTransaction, DbBackend, IsolationLevel, TransactionTrait};
use serde::Serialize;
use uuid::Uuid;

use super::{
    SCIM_JSON,
    error::ScimError,
    member_cache::{self, ReadAt},
    projection::Projection,
    render,
    resource::Resource,
};
use crate::{AppState, store::members};

/// Members per database round trip and per body chunk (about 170 KB of JSON).
const CHUNK: u64 = 1000;
/// Chunks read ahead of the client.
const AHEAD: usize = 2;

/// One member as SCIM renders it, serialized without building a `Value`.
#[derive(Serialize)]
struct Member<'a> {
    value: Uuid,
    #[serde(rename = "$ref")]
    reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    display: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'a str,
}

/// Whether this request is served by [`respond`]: the whole `members` attribute is returned
/// (no sub-attribute selected or excluded).
pub fn applies(proj: &Projection) -> bool {
    proj.wants_whole("members")
}

/// A read transaction whose statements all see one snapshot.
async fn snapshot(state: &AppState) -> Result<DatabaseTransaction, ScimError> {
    let db = state.store.db();
    let tx = match db.get_database_backend() {
        // PostgreSQL's default (read committed) takes a snapshot per statement.
        DbBackend::Postgres => {
            db.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly))
                .await
        }
        // A SQLite read transaction in WAL mode sees the database as of its first read.
        _ => db.begin().await,
    };
    tx.map_err(|e| ScimError::from(crate::store::StoreError::from(e)))
}

/// `200` with the group (as `proj` selects, members streamed), or the error for its absence;
/// a 304 when `not_modified` says so of the version. A list the cache holds for this version
/// and these names is sent from memory ([`super::member_cache`]). Otherwise the turn (one of
/// `CONCURRENT_MEMBER_LISTS`) and the snapshot are held until the last chunk is sent: they
/// bound how many member lists are read at once, a slow client included. A 404, a 304 or a
/// cached list waits for no turn: one primary-key read and the names epoch decide them first.
pub async fn respond(
    state: &AppState,
    id: Uuid,
    proj: &Projection,
    not_modified: impl Fn(i64) -> bool,
) -> Result<HttpResponse, ScimError> {
    let current = state.store.groups().get(id).await?;
    if not_modified(current.version) {
        return Ok(super::not_modified(current.version));
    }
    let now = state.store.now_us();
    let at = ReadAt {
        version: current.version,
        names: members::names_epoch(state.store.db()).await?,
    };
    if let Some(list) = state.member_cache.get(id, at, now) {
        let head = head(state, proj, &current)?;
        let len = (head.len() + list.len() + TAIL.len()) as u64;
        let parts = [Bytes::from(head), list, Bytes::from_static(TAIL)].map(Ok::<_, std::io::Error>);
        return Ok(HttpResponse::Ok()
            .content_type(SCIM_JSON)
            .insert_header((header::ETAG, render::etag(current.version)))
            .body(SizedStream::new(len, futures_util::stream::iter(parts))));
    }
    let permit = state
        .member_lists
        .clone()
        .acquire_owned()
        .await
        .expect("the semaphore is never closed");
    let tx = snapshot(state).await?;
    let group = state.store.groups().get_in(&tx, id).await?;
    if not_modified(group.version) {
        return Ok(super::not_modified(group.version));
    }
    // What this snapshot's list is good for, kept with it once it is whole.
    let at = ReadAt {
        version: group.version,
        names: members::names_epoch(&tx).await?,
    };
    let until = members::next_boundary(&tx, id, now).await?;
    let head = head(state, proj, &group)?;
    let (send, receive) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(AHEAD);
    let urls = state.clone();
    tokio::spawn(async move {
        let _turn = permit;
        if send.send(Ok(Bytes::from(head))).await.is_err() {
            return;
        }
        // The chunks sent, for the cache, while they stay under its entry limit.
        let mut kept = Some(Vec::new());
        let mut kept_len = 0;
        let mut after = None;
        let mut first = true;
        loop {
            let rows = match members::list_chunk(&tx, id, now, after, CHUNK).await {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::error!(error = %e, group = %id, "streaming a member list failed");
                    let _ = send.send(Err(std::io::Error::other("member list cut short"))).await;
                    return;
                }
            };
            let mut buf = Vec::with_capacity(rows.len() * 180);
            for r in &rows {
                if !first {
                    buf.push(b',');
                }
                first = false;
                let kind = Resource::from_name(&r.member_type).unwrap_or(Resource::User);
                let member = Member {
                    value: r.member_id,
                    reference: urls.scim_url(kind.endpoint(), r.member_id),
                    display: r.display.as_deref(),
                    kind: &r.member_type,
                };
                serde_json::to_writer(&mut buf, &member).expect("writing JSON to memory");
            }
            let chunk = Bytes::from(buf);
            kept_len += chunk.len();
            match &mut kept {
                Some(parts) if kept_len <= member_cache::ENTRY_MAX => parts.push(chunk.clone()),
                _ => kept = None,
            }
            if send.send(Ok(chunk)).await.is_err() {
                return; // the client went away
            }
            match rows.last() {
                Some(last) if rows.len() as u64 == CHUNK => after = Some(last.member_id),
                _ => break,
            }
        }
        if let Some(parts) = kept {
            urls.member_cache.put(id, at, until, parts.concat().into());
        }
        let _ = send.send(Ok(Bytes::from_static(TAIL))).await;
    });
    let body = futures_util::stream::unfold(receive, |mut r| async move { r.recv().await.map(|item| (item, r)) });
    Ok(HttpResponse::Ok()
        .content_type(SCIM_JSON)
        .insert_header((header::ETAG, render::etag(group.version)))
        .streaming(body))
}

/// What follows the last member.
const TAIL: &[u8] = b"]}";

/// The group without its members, as a JSON object missing its closing brace and opening the
/// `members` array: the members follow as its last attribute.
fn head(state: &AppState, proj: &Projection, group: &entity::group::Model) -> Result<Vec<u8>, ScimError> {
    let mut head =
        serde_json::to_vec(&proj.apply(render::group(state, group, None))).map_err(|e| ScimError::internal(&e))?;
    head.pop();
    head.extend_from_slice(br#","members":["#);
    Ok(head)
}
