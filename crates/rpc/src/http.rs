//! What the JSON-RPC port serves besides JSON-RPC: `GET /metrics` (Prometheus text), an
//! optional static page at `GET /`, the beacon-API blob paths (`GET /eth/v1/beacon/…`, see
//! [`crate::beacon`]), and CORS headers for browser pages of other origins.
//! POST requests and WebSocket upgrades pass through untouched.

use crate::{beacon, telemetry::Metrics};
use http_body_util::Full;
use jsonrpsee::{
    core::BoxError,
    server::{HttpBody, HttpRequest, HttpResponse},
};
use nr_chain::Chain;
use std::{
    future::Future,
    pin::Pin,
    sync::Weak,
    task::{Context, Poll},
};
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

/// Which browser origins may call the server from their pages (geth's
/// `--http.corsdomain`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CorsOrigins {
    /// None: no CORS headers (the default, as geth's).
    #[default]
    None,
    /// Any origin (`*`): the Devnet's choice, so a page served by the L2 node reads the L1.
    Any,
    /// These origins exactly (e.g. `http://127.0.0.1:8546`).
    List(Vec<http::HeaderValue>),
}

impl CorsOrigins {
    /// Parses geth's form: a comma-separated list of origins, `*` for any, empty for none.
    /// An origin that is not a valid header value is named in the error.
    pub fn parse(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
        if parts.is_empty() {
            return Ok(Self::None);
        }
        if parts.contains(&"*") {
            return Ok(Self::Any);
        }
        let origins = parts
            .iter()
            .map(|p| http::HeaderValue::from_str(p).map_err(|_| format!("invalid origin {p:?}")))
            .collect::<Result<_, _>>()?;
        Ok(Self::List(origins))
    }

    /// The tower-http layer answering preflights and adding the headers; none when no
    /// origin is allowed, so requests (OPTIONS included) reach the server as before.
    pub(crate) fn layer(&self) -> Option<CorsLayer> {
        let allow = match self {
            Self::None => return None,
            Self::Any => AllowOrigin::any(),
            Self::List(l) => AllowOrigin::list(l.iter().cloned()),
        };
        Some(
            CorsLayer::new()
                .allow_origin(allow)
                .allow_methods([http::Method::GET, http::Method::POST])
                .allow_headers(Any),
        )
    }
}

/// Tower layer putting [`Pages`] in front of the JSON-RPC handling.
#[derive(Debug, Clone)]
pub(crate) struct PagesLayer {
    pub(crate) metrics: Metrics,
    pub(crate) page: Option<&'static str>,
    /// The chain whose blobs the beacon paths serve (weak: a stopped server holds no
    /// reference to it).
    pub(crate) chain: Weak<Chain>,
}

impl<S> tower::Layer<S> for PagesLayer {
    type Service = Pages<S>;
    fn layer(&self, inner: S) -> Pages<S> {
        Pages { inner, metrics: self.metrics.clone(), page: self.page, chain: self.chain.clone() }
    }
}

/// Answers `GET /metrics`, `GET /` (when a page is set) and the beacon-API blob paths;
/// everything else goes on.
#[derive(Debug, Clone)]
pub(crate) struct Pages<S> {
    inner: S,
    metrics: Metrics,
    page: Option<&'static str>,
    chain: Weak<Chain>,
}

fn json_error(code: u16, message: &str) -> serde_json::Value {
    serde_json::json!({"code": code, "message": message})
}

fn answer(content_type: &'static str, body: String) -> HttpResponse {
    let mut r = HttpResponse::new(HttpBody::new(Full::new(body.into())));
    r.headers_mut()
        .insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(content_type));
    r.headers_mut().insert(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
    r
}

impl<S> tower::Service<HttpRequest> for Pages<S>
where
    S: tower::Service<HttpRequest, Response = HttpResponse, Error = BoxError>,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: HttpRequest) -> Self::Future {
        let upgrade = req.headers().contains_key(http::header::UPGRADE);
        if req.method() == http::Method::GET && !upgrade {
            match (req.uri().path(), self.page) {
                ("/metrics", _) => {
                    let text = self.metrics.render();
                    let r = answer("text/plain; version=0.0.4; charset=utf-8", text);
                    return Box::pin(async move { Ok(r) });
                }
                ("/" | "/index.html", Some(page)) => {
                    let r = answer("text/html; charset=utf-8", page.to_string());
                    return Box::pin(async move { Ok(r) });
                }
                (path, _) if path.starts_with(beacon::PREFIX) => {
                    let chain = self.chain.clone();
                    let path = path.to_string();
                    let query = req.uri().query().map(str::to_string);
                    return Box::pin(async move {
                        // Blob reads and proofs are blocking work.
                        let (status, body) = tokio::task::spawn_blocking(move || {
                            let Some(chain) = chain.upgrade() else {
                                let msg = "node shutting down";
                                return (
                                    http::StatusCode::SERVICE_UNAVAILABLE,
                                    json_error(503, msg),
                                );
                            };
                            beacon::answer(&chain, &path, query.as_deref())
                        })
                        .await
                        .unwrap_or_else(|e| {
                            (
                                http::StatusCode::INTERNAL_SERVER_ERROR,
                                json_error(500, &e.to_string()),
                            )
                        });
                        let mut r = answer("application/json", body.to_string());
                        *r.status_mut() = status;
                        Ok(r)
                    });
                }
                _ => {}
            }
        }
        Box::pin(self.inner.call(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cors_origins_parse_as_geth_flags() {
        assert_eq!(CorsOrigins::parse(""), Ok(CorsOrigins::None));
        assert_eq!(CorsOrigins::parse("*"), Ok(CorsOrigins::Any));
        assert_eq!(CorsOrigins::parse("http://a, *"), Ok(CorsOrigins::Any));
        let CorsOrigins::List(l) = CorsOrigins::parse("http://a:1,http://b").unwrap() else {
            panic!("not a list")
        };
        assert_eq!(l.len(), 2);
        assert!(CorsOrigins::parse("http://a\n").is_ok(), "trimmed");
        assert_eq!(
            CorsOrigins::parse("bad\u{7f}origin"),
            Err("invalid origin \"bad\\u{7f}origin\"".into())
        );
    }
}
