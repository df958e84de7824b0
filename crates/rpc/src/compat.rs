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
use serde_json::{Value, json};
use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

/// What to do with an HTTP request body.
#[derive(Debug, PartialEq)]
pub(crate) enum Body {
    /// Answer with this JSON-RPC response without calling any method.
    Answer(Value),
    /// Pass on to jsonrpsee, rewritten if `Some`.
    Forward(Option<Vec<u8>>),
}

/// A JSON-RPC error response.
fn error_response(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// The error text of a request without a method.
const NO_METHOD: &str = "invalid request: no method";

/// Classifies a request body as the previous server did.
pub(crate) fn check(body: &[u8]) -> Body {
    let parsed: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Body::Answer(error_response(Value::Null, -32700, &format!("parse error: {e}")));
        }
    };
    match parsed {
        Value::Array(reqs) if reqs.is_empty() => {
            Body::Answer(error_response(Value::Null, -32600, "empty batch"))
        }
        Value::Array(mut reqs) => {
            let changed = reqs.iter_mut().fold(false, |changed, r| complete(r) | changed);
            Body::Forward(changed.then(|| Value::Array(reqs).to_string().into_bytes()))
        }
        mut req => {
            if req.get("method").and_then(Value::as_str).is_none() {
                let id = req.get("id").cloned().unwrap_or(Value::Null);
                return Body::Answer(error_response(id, -32600, NO_METHOD));
            }
            Body::Forward(complete(&mut req).then(|| req.to_string().into_bytes()))
        }
    }
}

/// Adds a missing `"jsonrpc": "2.0"` and `"id": null`; true if anything changed.
fn complete(req: &mut Value) -> bool {
    let Some(o) = req.as_object_mut() else { return false };
    let mut changed = false;
    if o.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        o.insert("jsonrpc".into(), json!("2.0"));
        changed = true;
    }
    if !o.contains_key("id") {
        o.insert("id".into(), Value::Null);
        changed = true;
    }
    changed
}

/// Tower layer putting [`HttpService`] in front of jsonrpsee's HTTP handling.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HttpLayer;

impl<S> tower::Layer<S> for HttpLayer {
    type Service = HttpService<S>;
    fn layer(&self, inner: S) -> HttpService<S> {
        HttpService { inner }
    }
}

/// Applies [`check`] to HTTP POST bodies; WebSocket upgrades (GET) pass untouched.
#[derive(Debug, Clone)]
pub(crate) struct HttpService<S> {
    inner: S,
}

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
            let bytes = match check(&bytes) {
                Body::Answer(v) => return Ok(response::ok_response(v.to_string())),
                Body::Forward(None) => bytes,
                Body::Forward(Some(rewritten)) => rewritten.into(),
            };
            // Any content type was accepted before; jsonrpsee wants JSON.
            let headers = &mut parts.headers;
            headers.insert(http::header::CONTENT_TYPE, "application/json".parse()?);
            headers.insert(http::header::CONTENT_LENGTH, bytes.len().into());
            inner.call(HttpRequest::from_parts(parts, HttpBody::new(Full::new(bytes)))).await
        })
    }
}

/// RPC middleware: geth's text for unknown methods, ours for invalid batch entries.
#[derive(Debug, Clone)]
pub(crate) struct Legacy<S> {
    inner: S,
    max_response_size: usize,
}

impl<S> Legacy<S> {
    /// Wraps `inner`; batches answer at most `max_response_size` bytes.
    pub(crate) fn new(inner: S, max_response_size: usize) -> Self {
        Self { inner, max_response_size }
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
        async move {
            let method = req.method_name().to_owned();
            let id = req.id().into_owned();
            let rp = inner.call(req).await;
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

    fn answer(body: &str) -> Value {
        match check(body.as_bytes()) {
            Body::Answer(v) => v,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_requests_are_answered_as_before() {
        let e = answer("{");
        assert_eq!(e["error"]["code"], -32700);
        assert!(e["error"]["message"].as_str().unwrap().starts_with("parse error: "));
        assert_eq!(answer("[]")["error"], json!({"code": -32600, "message": "empty batch"}));
        let e = answer(r#"{"jsonrpc":"2.0","id":7}"#);
        assert_eq!(e["id"], 7);
        assert_eq!(e["error"], json!({"code": -32600, "message": NO_METHOD}));
    }

    #[test]
    fn lenient_requests_are_completed() {
        let ok = r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}"#;
        assert_eq!(check(ok.as_bytes()), Body::Forward(None));
        let Body::Forward(Some(b)) = check(br#"[{"method":"eth_chainId"}]"#) else { panic!() };
        let v: Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(v, json!([{"jsonrpc": "2.0", "id": null, "method": "eth_chainId"}]));
    }
}
