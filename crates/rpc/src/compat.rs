//! Keeps the answers of the server this crate had before jsonrpsee for requests that are
//! not well-formed JSON-RPC 2.0, and geth's wording for unknown methods.
//!
//! [`HttpLayer`] reads each HTTP POST body itself: it answers unparseable JSON ("parse
//! error: ..."), an empty batch and a request without a method, and adds a missing
//! `"jsonrpc": "2.0"` and `"id": null` before jsonrpsee sees the request. [`Legacy`]
//! (RPC middleware, both transports) rewords jsonrpsee's "Method not found" and, in
//! batches, its "Invalid request".

use crate::{RpcError, server::MAX_REQUEST_BODY_SIZE};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use jsonrpsee::{
    core::{
        BoxError,
        middleware::{Batch, BatchEntry, Notification, RpcServiceT},
        server::{BatchResponseBuilder, MethodResponse},
    },
    server::{HttpBody, HttpRequest, HttpResponse, http::response},
    types::{ErrorCode, ErrorObjectOwned, Request},
};
use serde::{Deserialize, Deserializer, de};
use serde_json::value::RawValue;
use std::{
    fmt,
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
};
use tokio::sync::Semaphore;

/// What to do with an HTTP request body.
#[derive(Debug, PartialEq)]
pub(crate) enum Body {
    /// Answer with this JSON-RPC response text without calling any method.
    Answer(String),
    /// Pass on to jsonrpsee.
    Forward(Forward),
}

/// A request body passed on to jsonrpsee.
#[derive(Debug, PartialEq, Default)]
pub(crate) struct Forward {
    /// The rewritten body, or `None` to pass the original bytes.
    pub(crate) body: Option<Vec<u8>>,
    /// Ids jsonrpsee cannot hold (negative, fractional or huge numbers, booleans,
    /// objects): each was replaced by a placeholder string (first) and goes back into the
    /// response in place of it (second, the original JSON text).
    pub(crate) ids: Vec<(String, String)>,
}

/// A JSON-RPC error response with the raw JSON `id`.
fn error_response(id: &str, code: i64, message: &str) -> String {
    let message = serde_json::to_string(message).unwrap_or_else(|_| "\"\"".into());
    format!(r#"{{"jsonrpc":"2.0","id":{id},"error":{{"code":{code},"message":{message}}}}}"#)
}

/// EIP-1474's "limit exceeded".
const LIMIT_EXCEEDED: i32 = -32005;

/// The error text of a request without a method.
const NO_METHOD: &str = "invalid request: no method";

/// A member of a request object: absent, or present with its raw JSON text (`null`
/// included, which `Option` would fold into absent).
#[derive(Debug, Default, Clone, Copy)]
enum Member<'a> {
    #[default]
    Absent,
    Present(&'a RawValue),
}

impl<'de: 'a, 'a> Deserialize<'de> for Member<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'a RawValue>::deserialize(d).map(Member::Present)
    }
}

/// The members of a request object this layer looks at; the others (`params`) are
/// skipped by the parser without being built.
#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(borrow, default)]
    jsonrpc: Member<'a>,
    #[serde(borrow, default)]
    id: Member<'a>,
    #[serde(borrow, default)]
    method: Member<'a>,
}

/// The entries of a batch, as raw JSON.
struct Entries<'a>(Vec<&'a RawValue>);

/// Parses a batch into [`Entries`]: more than `limit` entries stops the parse. Notes the
/// raw id of the first call (an entry with a method and an id) in `first_call`.
struct EntriesUpTo<'s, 'de> {
    limit: usize,
    first_call: &'s mut Option<&'de str>,
}

/// Marks the parse error of a batch over the limit.
const TOO_MANY: &str = "nr: batch over the limit";

impl<'de> de::DeserializeSeed<'de> for EntriesUpTo<'_, 'de> {
    type Value = Entries<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Entries<'de>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> de::Visitor<'de> for EntriesUpTo<'_, 'de> {
    type Value = Entries<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a batch of requests")
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Entries<'de>, A::Error> {
        let mut out = Vec::new();
        while let Some(e) = seq.next_element::<&'de RawValue>()? {
            if out.len() == self.limit {
                return Err(de::Error::custom(TOO_MANY));
            }
            if self.first_call.is_none() {
                *self.first_call = call_id(e);
            }
            out.push(e);
        }
        Ok(Entries(out))
    }
}

/// The raw id of `entry` if it is a call (has a string method and an id).
fn call_id(entry: &RawValue) -> Option<&str> {
    match serde_json::from_str::<Probe>(entry.get()).ok()? {
        Probe { method: Member::Present(m), id: Member::Present(id), .. }
            if m.get().starts_with('"') =>
        {
            Some(id.get())
        }
        _ => None,
    }
}

/// geth's answer to a batch over its limit: a batch holding one error, -32600 "batch too
/// large", with the id of the first call (`null` if none was seen).
fn batch_too_large(first_call: Option<&str>) -> String {
    format!("[{}]", error_response(first_call.unwrap_or("null"), -32600, "batch too large"))
}

/// One splice of the body: replace `len` bytes at `at` with `text`.
struct Edit {
    at: usize,
    len: usize,
    text: String,
}

/// Placeholder ids are unique per process, so that no id a client sends can match one.
static PLACEHOLDERS: AtomicU64 = AtomicU64::new(0);

/// Byte offset of `part` (a slice borrowed from `whole`) in `whole`.
fn offset(whole: &[u8], part: &RawValue) -> usize {
    part.get().as_ptr() as usize - whole.as_ptr() as usize
}

/// True for the ids jsonrpsee holds: `null`, a string, or an integer in `u64`.
fn id_supported(raw: &str) -> bool {
    raw == "null" || raw.starts_with('"') || raw.parse::<u64>().is_ok()
}

/// Classifies a request body as the previous server did, without building it as a JSON
/// value: the body is parsed once into raw slices (cheap: nothing is copied), each
/// request object is probed for `jsonrpc`, `id` and `method`, and what must change is
/// spliced into a copy. A batch over `batch_limit` entries is refused as soon as entry
/// `batch_limit + 1` is seen, with geth's error ([`batch_too_large`]).
pub(crate) fn check(body: &[u8], batch_limit: usize) -> Body {
    let batch = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    let entries: Vec<&RawValue> = if batch {
        let mut first_call = None;
        let parsed = {
            use de::DeserializeSeed;
            let mut d = serde_json::Deserializer::from_slice(body);
            let seed = EntriesUpTo { limit: batch_limit, first_call: &mut first_call };
            seed.deserialize(&mut d).and_then(|Entries(e)| d.end().map(|()| e))
        };
        match parsed {
            Ok(e) if e.is_empty() => {
                return Body::Answer(error_response("null", -32600, "empty batch"));
            }
            Ok(e) => e,
            Err(e) if e.to_string().starts_with(TOO_MANY) => {
                // Refused here, before anything reads the rest.
                return Body::Answer(batch_too_large(first_call));
            }
            Err(e) => {
                return Body::Answer(error_response("null", -32700, &format!("parse error: {e}")));
            }
        }
    } else {
        match serde_json::from_slice::<&RawValue>(body) {
            Ok(r) => vec![r],
            Err(e) => {
                return Body::Answer(error_response("null", -32700, &format!("parse error: {e}")));
            }
        }
    };
    let mut edits = Vec::new();
    let mut ids = Vec::new();
    for raw in entries {
        // Not an object, or an object jsonrpsee will refuse anyway (duplicate members):
        // passed on as it is (a batch entry is then answered "no method" by `Legacy`).
        let probe = serde_json::from_str::<Probe>(raw.get()).ok();
        if !batch {
            let has_method = matches!(probe, Some(Probe { method: Member::Present(m), .. })
                if m.get().starts_with('"'));
            if !has_method {
                let id = match probe {
                    Some(Probe { id: Member::Present(id), .. }) => id.get(),
                    _ => "null",
                };
                return Body::Answer(error_response(id, -32600, NO_METHOD));
            }
        }
        let Some(p) = probe else { continue };
        let mut insert = String::new();
        match p.jsonrpc {
            Member::Present(v) if v.get() == r#""2.0""# => {}
            Member::Present(v) => edits.push(Edit {
                at: offset(body, v),
                len: v.get().len(),
                text: r#""2.0""#.into(),
            }),
            Member::Absent => insert.push_str(r#""jsonrpc":"2.0""#),
        }
        match p.id {
            Member::Present(v) if !id_supported(v.get()) => {
                let n = PLACEHOLDERS.fetch_add(1, Ordering::Relaxed);
                let placeholder = format!(r#""\u0000nr-id:{n}""#);
                edits.push(Edit {
                    at: offset(body, v),
                    len: v.get().len(),
                    text: placeholder.clone(),
                });
                ids.push((placeholder, v.get().to_string()));
            }
            Member::Present(_) => {}
            Member::Absent => {
                if !insert.is_empty() {
                    insert.push(',');
                }
                insert.push_str(r#""id":null"#);
            }
        }
        if !insert.is_empty() {
            // After the opening brace; a comma unless the object is empty.
            let open = offset(body, raw);
            let empty = raw.get()[1..].trim_start().starts_with('}');
            if !empty {
                insert.push(',');
            }
            edits.push(Edit { at: open + 1, len: 0, text: insert });
        }
    }
    if edits.is_empty() {
        return Body::Forward(Forward::default());
    }
    edits.sort_by_key(|e| e.at);
    let mut out =
        Vec::with_capacity(body.len() + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut pos = 0;
    for e in edits {
        out.extend_from_slice(&body[pos..e.at]);
        out.extend_from_slice(e.text.as_bytes());
        pos = e.at + e.len;
    }
    out.extend_from_slice(&body[pos..]);
    Body::Forward(Forward { body: Some(out), ids })
}

/// Puts the original ids back into a response in place of their placeholders (each
/// stands in the response as the value of an `"id"` member, as jsonrpsee writes it). One
/// pass over the response, whatever the number of ids: a batch answer can be large.
fn restore_ids(response: &[u8], ids: &[(String, String)]) -> Vec<u8> {
    const MEMBER: &[u8] = br#""id":"#;
    const PREFIX: &[u8] = br#""id":"\u0000nr-id:"#;
    let mut pending: std::collections::HashMap<&[u8], &str> =
        ids.iter().map(|(p, o)| (p.as_bytes(), o.as_str())).collect();
    let mut out = Vec::with_capacity(response.len());
    let mut pos = 0;
    for at in memchr::memmem::find_iter(response, PREFIX) {
        if at < pos || pending.is_empty() {
            continue;
        }
        let start = at + MEMBER.len();
        // The placeholder runs to the next quote: `"\u0000nr-id:N"`.
        let Some(len) = response[start + 1..].iter().position(|&b| b == b'"') else { break };
        let placeholder = &response[start..start + len + 2];
        if let Some(original) = pending.remove(placeholder) {
            out.extend_from_slice(&response[pos..start]);
            out.extend_from_slice(original.as_bytes());
            pos = start + placeholder.len();
        }
    }
    out.extend_from_slice(&response[pos..]);
    out
}

/// Tower layer putting [`HttpService`] in front of jsonrpsee's HTTP handling; batches
/// of more than `batch_limit` requests are refused.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HttpLayer {
    pub(crate) batch_limit: usize,
}

impl<S> tower::Layer<S> for HttpLayer {
    type Service = HttpService<S>;
    fn layer(&self, inner: S) -> HttpService<S> {
        HttpService { inner, batch_limit: self.batch_limit }
    }
}

/// Applies [`check`] to HTTP POST bodies; WebSocket upgrades (GET) pass untouched.
#[derive(Debug, Clone)]
pub(crate) struct HttpService<S> {
    inner: S,
    batch_limit: usize,
}

/// Bodies up to this size are checked on the async executor; larger ones on the
/// blocking pool (a 32 MiB body takes tens of milliseconds to scan).
const INLINE_CHECK: usize = 256 * 1024;

impl<S> tower::Service<HttpRequest> for HttpService<S>
where
    S: tower::Service<HttpRequest, Response = HttpResponse, Error = BoxError>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
{
    type Response = HttpResponse;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: HttpRequest) -> Self::Future {
        if req.method() != http::Method::POST {
            return Box::pin(self.inner.call(req));
        }
        // The clone is the one that was not polled ready: swap so `inner` is the ready one.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let declared = req.headers().get(http::header::CONTENT_LENGTH);
        let declared = declared.and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        let batch_limit = self.batch_limit;
        Box::pin(async move {
            // Refused before reading when the declared length is already too much.
            if declared.is_some_and(|n| n > u64::from(MAX_REQUEST_BODY_SIZE)) {
                return Ok(response::too_large(MAX_REQUEST_BODY_SIZE));
            }
            let (mut parts, body) = req.into_parts();
            let bytes = match Limited::new(body, MAX_REQUEST_BODY_SIZE as usize).collect().await {
                Ok(b) => b.to_bytes(),
                Err(e) if e.is::<LengthLimitError>() => {
                    return Ok(response::too_large(MAX_REQUEST_BODY_SIZE));
                }
                Err(e) => return Err(e),
            };
            let checked = if bytes.len() <= INLINE_CHECK {
                check(&bytes, batch_limit)
            } else {
                let b = bytes.clone();
                tokio::task::spawn_blocking(move || check(&b, batch_limit)).await?
            };
            let (bytes, ids) = match checked {
                Body::Answer(text) => return Ok(response::ok_response(text)),
                Body::Forward(Forward { body: None, ids }) => (bytes, ids),
                Body::Forward(Forward { body: Some(rewritten), ids }) => (rewritten.into(), ids),
            };
            // Any content type was accepted before; jsonrpsee wants JSON.
            let headers = &mut parts.headers;
            headers.insert(http::header::CONTENT_TYPE, "application/json".parse()?);
            headers.insert(http::header::CONTENT_LENGTH, bytes.len().into());
            let resp =
                inner.call(HttpRequest::from_parts(parts, HttpBody::new(Full::new(bytes)))).await?;
            if ids.is_empty() {
                return Ok(resp);
            }
            let (mut parts, body) = resp.into_parts();
            let restored = restore_ids(&body.collect().await?.to_bytes(), &ids);
            parts.headers.insert(http::header::CONTENT_LENGTH, restored.len().into());
            Ok(HttpResponse::from_parts(parts, HttpBody::new(Full::new(restored.into()))))
        })
    }
}

/// RPC middleware: geth's text for unknown methods, ours for invalid batch entries, and
/// bounds on the calls of one connection: how many run at once, and how many parameter
/// bytes wait (jsonrpsee reads WebSocket messages without waiting for earlier calls).
#[derive(Debug, Clone)]
pub(crate) struct Legacy<S> {
    inner: S,
    max_response_size: usize,
    /// Permits for the calls of this connection (jsonrpsee builds the middleware once per
    /// WebSocket connection and once per HTTP request).
    running: Arc<Semaphore>,
    /// [`QUEUE_UNIT`]s of parameters this connection's admitted calls may hold.
    queued: Arc<Semaphore>,
}

/// The parameter bytes one connection's admitted calls (running or waiting) may hold:
/// twice the largest request, so one call of any allowed size always fits.
pub const MAX_QUEUED_CALL_BYTES: usize = 2 * MAX_REQUEST_BODY_SIZE as usize;
/// Granularity of [`MAX_QUEUED_CALL_BYTES`]: every call counts at least this much.
const QUEUE_UNIT: usize = 4096;

/// The error of a call refused because its connection holds too many waiting calls.
const QUEUE_FULL: &str = "too many calls waiting on this connection";

impl<S> Legacy<S> {
    /// Wraps `inner`; batches answer at most `max_response_size` bytes; at most
    /// `concurrent` calls run at once, the others wait for a permit.
    pub(crate) fn new(inner: S, max_response_size: usize, concurrent: usize) -> Self {
        Self {
            inner,
            max_response_size,
            running: Arc::new(Semaphore::new(concurrent.max(1))),
            queued: Arc::new(Semaphore::new(MAX_QUEUED_CALL_BYTES / QUEUE_UNIT)),
        }
    }
}

impl<S> RpcServiceT for Legacy<S>
where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            BatchResponse = MethodResponse,
            NotificationResponse = MethodResponse,
        > + Clone
        + Send
        + Sync
        + 'static,
{
    type MethodResponse = MethodResponse;
    type BatchResponse = MethodResponse;
    type NotificationResponse = MethodResponse;

    fn call<'a>(&self, req: Request<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        let inner = self.inner.clone();
        let running = self.running.clone();
        let queued = self.queued.clone();
        async move {
            let method = req.method_name().to_owned();
            let id = req.id().into_owned();
            let size = req.params.as_ref().map_or(0, |p| p.get().len());
            let units = u32::try_from(size / QUEUE_UNIT + 1).unwrap_or(u32::MAX);
            let Ok(_admitted) = queued.try_acquire_many_owned(units) else {
                return MethodResponse::error(
                    id,
                    ErrorObjectOwned::owned(LIMIT_EXCEEDED, QUEUE_FULL, None::<()>),
                );
            };
            // The semaphore is never closed: an error cannot happen, and would only mean
            // the call runs without a permit.
            let _permit = running.acquire_owned().await.ok();
            let rp = inner.call(req).await;
            // jsonrpsee answers a subscription over HTTP with a bare internal error.
            if matches!(method.as_str(), "eth_subscribe" | "eth_unsubscribe")
                && rp.as_error_code() == Some(ErrorCode::InternalError.code())
            {
                return MethodResponse::error(id, RpcError::notifications_unsupported());
            }
            if rp.as_error_code() == Some(ErrorCode::MethodNotFound.code()) {
                return MethodResponse::error(id, RpcError::method_not_found(&method));
            }
            rp
        }
    }

    /// As jsonrpsee's own batch handling, with [`Legacy::call`] for each entry.
    fn batch<'a>(&self, batch: Batch<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        let this = self.clone();
        async move {
            let mut out = BatchResponseBuilder::new_with_limit(this.max_response_size);
            let mut got_notification = false;
            for entry in batch {
                let rp = match entry {
                    Ok(BatchEntry::Call(req)) => this.call(req).await,
                    Ok(BatchEntry::Notification(n)) => {
                        got_notification = true;
                        this.inner.notification(n).await;
                        continue;
                    }
                    Err(e) => {
                        let (_, id) = e.into_parts();
                        MethodResponse::error(
                            id,
                            ErrorObjectOwned::owned(-32600, NO_METHOD, None::<()>),
                        )
                    }
                };
                if let Err(too_big) = out.append(rp) {
                    return too_big;
                }
            }
            if out.is_empty() && got_notification {
                MethodResponse::notification()
            } else {
                MethodResponse::from_batch(out.finish())
            }
        }
    }

    fn notification<'a>(
        &self,
        n: Notification<'a>,
    ) -> impl Future<Output = MethodResponse> + Send + 'a {
        self.inner.notification(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn answer(body: &str) -> Value {
        answer_with(body, 1000)
    }

    fn answer_with(body: &str, batch_limit: usize) -> Value {
        match check(body.as_bytes(), batch_limit) {
            Body::Answer(v) => serde_json::from_str(&v).unwrap(),
            other => panic!("{other:?}"),
        }
    }

    fn forwarded(body: &str) -> Value {
        match check(body.as_bytes(), 1000) {
            Body::Forward(Forward { body: Some(b), .. }) => serde_json::from_slice(&b).unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_requests_are_answered_as_before() {
        let e = answer("{");
        assert_eq!(e["error"]["code"], -32700);
        assert!(e["error"]["message"].as_str().unwrap().starts_with("parse error: "));
        assert_eq!(answer("[]")["error"], json!({"code": -32600, "message": "empty batch"}));
        assert_eq!(answer(" [ ] ")["error"]["message"], "empty batch");
        let e = answer(r#"{"jsonrpc":"2.0","id":7}"#);
        assert_eq!(e["id"], 7);
        assert_eq!(e["error"], json!({"code": -32600, "message": NO_METHOD}));
        assert_eq!(answer(r#"{"id":{"a":[1]},"method":5}"#)["id"], json!({"a": [1]}));
        assert_eq!(answer("5")["error"]["message"], NO_METHOD);
        assert_eq!(answer("[1,")["error"]["code"], -32700);
    }

    #[test]
    fn lenient_requests_are_completed() {
        let ok = r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}"#;
        assert_eq!(check(ok.as_bytes(), 1000), Body::Forward(Forward::default()));
        let v = forwarded(r#"[{"method":"eth_chainId"}, {}, 3, { } ]"#);
        assert_eq!(v[0], json!({"jsonrpc": "2.0", "id": null, "method": "eth_chainId"}));
        assert_eq!(v[1], json!({"jsonrpc": "2.0", "id": null}));
        assert_eq!((v[2].clone(), v[3].clone()), (json!(3), json!({"jsonrpc": "2.0", "id": null})));
        let v = forwarded(r#"{"jsonrpc":"1.0","id":null,"method":"m","params":[{"jsonrpc":1}]}"#);
        assert_eq!(
            v,
            json!({"jsonrpc": "2.0", "id": null, "method": "m", "params": [{"jsonrpc": 1}]})
        );
    }

    #[test]
    fn unsupported_ids_are_swapped_and_restored() {
        let Body::Forward(Forward { body: Some(b), ids }) = check(
            br#"[{"jsonrpc":"2.0","id":-1,"method":"a"},{"jsonrpc":"2.0","id":2.5,"method":"b"}]"#,
            1000,
        ) else {
            panic!()
        };
        let v: Value = serde_json::from_slice(&b).unwrap();
        assert!(v[0]["id"].as_str().unwrap().starts_with("\u{0}nr-id:"));
        assert_eq!(ids.len(), 2);
        let response = format!(
            r#"[{{"jsonrpc":"2.0","id":{},"result":1}},{{"jsonrpc":"2.0","id":{},"result":2}}]"#,
            ids[0].0, ids[1].0
        );
        let restored: Value =
            serde_json::from_slice(&restore_ids(response.as_bytes(), &ids)).unwrap();
        assert_eq!(
            restored,
            json!([{"jsonrpc": "2.0", "id": -1, "result": 1}, {"jsonrpc": "2.0", "id": 2.5, "result": 2}])
        );
    }

    #[test]
    fn batches_over_the_limit_are_refused_at_the_first_entry_too_many() {
        // Whatever follows the entry over the limit is not read. The answer is geth's:
        // a batch of one error with the id of the first call (the first entries are not).
        let body = format!(
            r#"[{{}}, 3, {{"id":8}}, {{"id":[9],"method":"m"}}{}, this is not JSON"#,
            ",{}".repeat(997)
        );
        let e = answer_with(&body, 1000);
        assert_eq!(
            e,
            json!([{"jsonrpc": "2.0", "id": [9], "error": {"code": -32600, "message": "batch too large"}}])
        );
        let e = answer_with("[{},{},{}]", 2);
        assert_eq!(e[0]["id"], Value::Null);
        assert_eq!(e[0]["error"]["message"], "batch too large");
    }
}
