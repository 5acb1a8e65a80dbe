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
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
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

/// Whether the request was addressed to this machine by a loopback name (`127.0.0.1`,
/// `localhost`, `[::1]`, any port). Without a token this is required: a web page whose own
/// name an attacker re-points at 127.0.0.1 (DNS rebinding) sends its own name as `Host`.
fn loopback_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    matches!(
        name.to_ascii_lowercase().as_str(),
        "127.0.0.1" | "localhost" | "::1"
    )
}

/// Rejections written by the framework (a body over the limit, JSON that does not parse) as
/// the app's own `{"error": …}`, saying what to do.
async fn as_json_error(r: Response, max_upload: usize) -> Response {
    let status = r.status();
    let is_json = r
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if is_json || !status.is_client_error() {
        return r;
    }
    let text = axum::body::to_bytes(r.into_body(), 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => format!(
            "the file is larger than this app's upload limit of {} MB; start it with a larger \
             --max-upload-mb, or upload a sample of the rows",
            max_upload / (1024 * 1024)
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            "send the request body as JSON with `content-type: application/json`".to_string()
        }
        _ if text.is_empty() => format!("the request was refused ({status})"),
        _ => format!("the request was not understood: {text}"),
    };
    let status = if status == StatusCode::UNPROCESSABLE_ENTITY {
        StatusCode::BAD_REQUEST
    } else {
        status
    };
    json_error(status, &message)
}

/// The middleware.
pub(crate) async fn guard(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let has_token = state
        .options
        .token
        .as_deref()
        .is_some_and(|t| !t.is_empty());
    if !has_token && !loopback_host(req.headers()) {
        return json_error(
            StatusCode::FORBIDDEN,
            "this app answers only requests addressed to 127.0.0.1 or localhost; to reach it \
             under another name, start it with a token (--token-env)",
        );
    }
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
    let api = req.uri().path().starts_with("/api/");
    let mut r = next.run(req).await;
    if api {
        r = as_json_error(r, state.options.max_upload).await;
    }
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
    fn only_loopback_names_are_answered_without_a_token() {
        for ok in [
            "127.0.0.1:7878",
            "localhost:7878",
            "[::1]:7878",
            "LOCALHOST",
        ] {
            assert!(loopback_host(&headers(&[("host", ok)])), "{ok}");
        }
        for bad in [
            "evil.example:7878",
            "10.0.0.2:7878",
            "127.0.0.1.evil.example",
        ] {
            assert!(!loopback_host(&headers(&[("host", bad)])), "{bad}");
        }
        assert!(!loopback_host(&HeaderMap::new()));
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
