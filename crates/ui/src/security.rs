//! What every request passes: the token (when one is set), same-origin checks on requests that
//! change state, and headers that keep the page from being framed or sniffed.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::api::AppState;

const COOKIE: &str = "mlpilot_ui_token";

/// The content security policy of the app's pages: its own scripts and styles only, images
/// from itself or `data:` URLs, no framing by other sites.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data:; connect-src 'self'; frame-src 'self'; \
                   frame-ancestors 'self'; base-uri 'none'; form-action 'self'";

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == COOKIE).then(|| v.to_string())
        })
}

fn query_token(req: &Request) -> Option<String> {
    req.uri().query()?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == "token").then(|| v.to_string())
    })
}

fn json_error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}

/// Whether a request that changes state comes from the app's own page: its `Origin` (sent by
/// browsers on every such request) names the host it was sent to, and the browser does not
/// call it cross-site. Programs that send neither header are let through (they hold the token
/// when one is needed).
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .is_some_and(|o| o.eq_ignore_ascii_case(host))
}

/// The middleware.
pub(crate) async fn guard(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    if let Some(token) = state.options.token.as_deref().filter(|t| !t.is_empty()) {
        let ok = |given: &str| mlpilot_serve::constant_time_eq(given.as_bytes(), token.as_bytes());
        // Opening `/?token=…` once sets the cookie the page's later requests carry.
        if req.uri().path() == "/"
            && let Some(given) = query_token(&req)
        {
            if !ok(&given) {
                return json_error(StatusCode::UNAUTHORIZED, "that token is not this app's");
            }
            let mut r = Redirect::to("/").into_response();
            if let Ok(v) = HeaderValue::from_str(&format!(
                "{COOKIE}={given}; HttpOnly; SameSite=Strict; Path=/"
            )) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            return r;
        }
        let authorised =
            bearer(req.headers()).is_some_and(ok) || cookie(req.headers()).is_some_and(|c| ok(&c));
        if !authorised {
            return json_error(
                StatusCode::UNAUTHORIZED,
                "this app needs its token: open /?token=TOKEN once, or send Authorization: Bearer TOKEN",
            );
        }
    }
    let changes_state = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if changes_state && !same_origin(req.headers()) {
        return json_error(
            StatusCode::FORBIDDEN,
            "requests that change a project must come from the app's own page",
        );
    }
    let report = req.uri().path().ends_with("/report");
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // The report is the run's own HTML: shown in a frame of the app, with its scripts off.
    let csp = if report {
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
    } else {
        CSP
    };
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn same_origin_accepts_the_page_and_programs_and_refuses_other_sites() {
        assert!(same_origin(&headers(&[
            ("host", "127.0.0.1:7878"),
            ("origin", "http://127.0.0.1:7878")
        ])));
        assert!(same_origin(&headers(&[("host", "127.0.0.1:7878")])));
        assert!(!same_origin(&headers(&[
            ("host", "127.0.0.1:7878"),
            ("origin", "http://evil.example")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "127.0.0.1:7878"),
            ("sec-fetch-site", "cross-site")
        ])));
    }

    #[test]
    fn the_token_cookie_is_found_among_others() {
        let h = headers(&[("cookie", "a=1; mlpilot_ui_token=s3cret; b=2")]);
        assert_eq!(cookie(&h).as_deref(), Some("s3cret"));
        assert_eq!(
            bearer(&headers(&[("authorization", "Bearer x")])),
            Some("x")
        );
    }
}
