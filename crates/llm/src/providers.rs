//! Language-model providers: any OpenAI-compatible server, Ollama, and the decorators every
//! provider gets (retries for transient errors, a response cache).

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use mlpilot_core::{
    ChatRequest, ChatResponse, Error, ErrorKind, LanguageModel, LlmCapabilities, Result,
};
use serde_json::json;
use sha2::{Digest, Sha256};

/// A secret (an API key) that never appears in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Which provider a spec string names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LlmSpec {
    /// No language model: the rule-based assistant.
    Offline,
    /// An Ollama server.
    Ollama {
        /// Model name (`qwen2.5-coder-0.5b`).
        model: String,
        /// Base URL (default `http://127.0.0.1:11434`).
        url: String,
    },
    /// An OpenAI-compatible server (OpenAI, vLLM, llama.cpp's server, LM Studio).
    OpenAi {
        /// Model name.
        model: String,
        /// Base URL ending in `/v1` (default `https://api.openai.com/v1`).
        url: String,
    },
}

impl LlmSpec {
    /// Parses `offline`, `ollama:MODEL[@URL]` or `openai:MODEL[@URL]`.
    ///
    /// # Errors
    /// An invalid-input error when the spec is none of these (no `:`, an unknown provider, or an
    /// empty model name); the URL is checked only by [`LlmSpec::build`].
    ///
    /// ```
    /// use mlpilot_llm::providers::LlmSpec;
    /// assert_eq!(LlmSpec::parse("offline").unwrap(), LlmSpec::Offline);
    /// let s = LlmSpec::parse("openai:qwen@http://127.0.0.1:8091/v1").unwrap();
    /// assert_eq!(s, LlmSpec::OpenAi { model: "qwen".into(), url: "http://127.0.0.1:8091/v1".into() });
    /// assert!(LlmSpec::parse("gpt").is_err());
    /// ```
    pub fn parse(spec: &str) -> Result<LlmSpec> {
        let s = spec.trim();
        if s.is_empty() || s.eq_ignore_ascii_case("offline") || s.eq_ignore_ascii_case("none") {
            return Ok(LlmSpec::Offline);
        }
        let bad = || {
            Error::invalid_input(format!(
                "language model `{spec}`: use offline, ollama:MODEL[@URL] or openai:MODEL[@URL]"
            ))
        };
        let (kind, rest) = s.split_once(':').ok_or_else(bad)?;
        let (model, url) = match rest.split_once('@') {
            Some((m, u)) => (m.trim(), Some(u.trim().trim_end_matches('/'))),
            None => (rest.trim(), None),
        };
        if model.is_empty() {
            return Err(bad());
        }
        match kind.to_ascii_lowercase().as_str() {
            "ollama" => Ok(LlmSpec::Ollama {
                model: model.into(),
                url: url.unwrap_or("http://127.0.0.1:11434").into(),
            }),
            "openai" => Ok(LlmSpec::OpenAi {
                model: model.into(),
                url: url.unwrap_or("https://api.openai.com/v1").into(),
            }),
            _ => Err(bad()),
        }
    }

    /// The spec from `MLPILOT_LLM` (offline when unset).
    ///
    /// # Errors
    /// As [`LlmSpec::parse`], when `MLPILOT_LLM` is set (a value that is not valid Unicode counts
    /// as unset).
    pub fn from_env() -> Result<LlmSpec> {
        match std::env::var("MLPILOT_LLM") {
            Ok(v) => LlmSpec::parse(&v),
            Err(_) => Ok(LlmSpec::Offline),
        }
    }

    /// Builds the provider, wrapped in retries and a cache (`MLPILOT_LLM_CACHE` names a folder
    /// for the cache to persist in, so that a run can be replayed). `None` for offline.
    ///
    /// # Errors
    /// An invalid-input error when the URL is not an http(s) URL; a language-model error when
    /// the HTTP client cannot be created.
    pub fn build(&self) -> Result<Option<Arc<dyn LanguageModel>>> {
        let base: Arc<dyn LanguageModel> = match self {
            LlmSpec::Offline => return Ok(None),
            LlmSpec::OpenAi { model, url } => {
                let key = std::env::var("OPENAI_API_KEY")
                    .ok()
                    .filter(|k| !k.is_empty())
                    .map(Secret::new);
                Arc::new(OpenAiCompatible::new(url, model, key)?)
            }
            LlmSpec::Ollama { model, url } => Arc::new(OllamaModel::new(url, model)?),
        };
        let retried: Arc<dyn LanguageModel> =
            Arc::new(Retrying::new(base, 3, Duration::from_millis(500)));
        let dir = std::env::var_os("MLPILOT_LLM_CACHE").map(PathBuf::from);
        Ok(Some(Arc::new(Cached::new(retried, dir))))
    }
}

fn http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder().build().map_err(|e| {
        Error::new(
            ErrorKind::Llm,
            format!("could not create an HTTP client: {e}"),
        )
    })
}

fn map_reqwest(provider: &str, e: &reqwest::Error) -> Error {
    if e.is_timeout() {
        return Error::new(
            ErrorKind::Timeout,
            format!("{provider}: the request timed out"),
        )
        .set_temporary(true);
    }
    if e.is_connect() {
        return Error::new(
            ErrorKind::Network,
            format!("{provider}: cannot connect ({e}); is the server running?"),
        )
        .set_temporary(true);
    }
    Error::new(ErrorKind::Llm, format!("{provider}: {e}")).set_temporary(e.is_request())
}

fn status_error(provider: &str, status: u16, body: &str) -> Error {
    let short: String = body.chars().take(300).collect();
    let temporary = status == 429 || status >= 500;
    Error::new(
        ErrorKind::Llm,
        format!("{provider}: HTTP {status}: {short}"),
    )
    .set_temporary(temporary)
}

/// Any server speaking OpenAI's `/v1/chat/completions`, with structured output through
/// `response_format: json_schema`.
pub struct OpenAiCompatible {
    base: String,
    model: String,
    key: Option<Secret>,
    /// One client (and its connection pool) for every request; each request sets its timeout.
    client: reqwest::Client,
}

impl fmt::Debug for OpenAiCompatible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiCompatible")
            .field("base", &self.base)
            .field("model", &self.model)
            .field("key", &self.key)
            .finish()
    }
}

impl OpenAiCompatible {
    /// A client for `base` (ending in `/v1`) and `model`, with an optional API key.
    ///
    /// # Errors
    /// An invalid-input error when `base` does not start with `http://` or `https://`; a
    /// language-model error when the HTTP client cannot be created.
    pub fn new(base: &str, model: &str, key: Option<Secret>) -> Result<Self> {
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::invalid_input(format!(
                "`{base}` is not an http(s) URL"
            )));
        }
        Ok(OpenAiCompatible {
            base: base.trim_end_matches('/').to_string(),
            model: model.to_string(),
            key,
            client: http_client()?,
        })
    }

    /// The request body (public for tests and recordings).
    pub fn body(&self, req: &ChatRequest) -> serde_json::Value {
        let messages: Vec<serde_json::Value> = req
            .messages
            .iter()
            .map(|m| json!({ "role": m.role.as_str(), "content": m.content }))
            .collect();
        let mut body = serde_json::Map::new();
        body.insert("model".into(), json!(self.model));
        body.insert("messages".into(), json!(messages));
        body.insert("temperature".into(), json!(req.options.temperature));
        body.insert("stream".into(), json!(false));
        if let Some(seed) = req.options.seed {
            body.insert("seed".into(), json!(seed));
        }
        if let Some(m) = req.options.max_tokens {
            body.insert("max_tokens".into(), json!(m));
        }
        if let Some(schema) = &req.schema {
            body.insert(
                "response_format".into(),
                json!({
                    "type": "json_schema",
                    "json_schema": { "name": "answer", "strict": true, "schema": schema }
                }),
            );
        }
        serde_json::Value::Object(body)
    }
}

#[async_trait]
impl LanguageModel for OpenAiCompatible {
    fn name(&self) -> String {
        format!("openai:{}", self.model)
    }

    fn capabilities(&self) -> LlmCapabilities {
        LlmCapabilities {
            json_schema: true,
            seed: true,
        }
    }

    async fn chat(&self, req: &ChatRequest) -> Result<ChatResponse> {
        let provider = self.name();
        let mut http = self
            .client
            .post(format!("{}/chat/completions", self.base))
            .timeout(req.options.timeout)
            .json(&self.body(req));
        if let Some(k) = &self.key {
            http = http.bearer_auth(k.expose());
        }
        let resp = http.send().await.map_err(|e| map_reqwest(&provider, &e))?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(|e| map_reqwest(&provider, &e))?;
        if status >= 400 {
            return Err(status_error(&provider, status, &text));
        }
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            Error::new(
                ErrorKind::Llm,
                format!("{provider}: the response is not JSON: {e}"),
            )
        })?;
        let content = v
            .pointer("/choices/0/message/content")
            .and_then(|c| c.as_str())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Llm,
                    format!("{provider}: the response has no message content"),
                )
            })?;
        let model = v
            .get("model")
            .and_then(|m| m.as_str())
            .unwrap_or(&self.model)
            .to_string();
        Ok(ChatResponse {
            content: content.to_string(),
            model,
        })
    }
}

/// An Ollama server through `ollama-rs` (`/api/chat`, `format` = the JSON Schema).
pub struct OllamaModel {
    client: ollama_rs::Ollama,
    url: String,
    model: String,
}

impl fmt::Debug for OllamaModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OllamaModel")
            .field("url", &self.url)
            .field("model", &self.model)
            .finish()
    }
}

impl OllamaModel {
    /// A client for the server at `url` (`http://host:port`) and `model`.
    ///
    /// # Errors
    /// An invalid-input error when `url` does not parse as a URL or is not http(s).
    pub fn new(url: &str, model: &str) -> Result<Self> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| Error::invalid_input(format!("`{url}` is not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::invalid_input(format!(
                "`{url}` is not an http(s) URL"
            )));
        }
        let client = ollama_rs::Ollama::from_url(parsed);
        Ok(OllamaModel {
            client,
            url: url.to_string(),
            model: model.to_string(),
        })
    }
}

#[async_trait]
impl LanguageModel for OllamaModel {
    fn name(&self) -> String {
        format!("ollama:{}", self.model)
    }

    fn capabilities(&self) -> LlmCapabilities {
        LlmCapabilities {
            json_schema: true,
            seed: true,
        }
    }

    async fn chat(&self, req: &ChatRequest) -> Result<ChatResponse> {
        use ollama_rs::generation::chat::ChatMessage as OMessage;
        use ollama_rs::generation::chat::request::ChatMessageRequest;
        use ollama_rs::generation::parameters::{FormatType, JsonStructure};
        use ollama_rs::models::ModelOptions;
        let provider = self.name();
        let messages: Vec<OMessage> = req
            .messages
            .iter()
            .map(|m| match m.role {
                mlpilot_core::Role::System => OMessage::system(m.content.clone()),
                mlpilot_core::Role::User => OMessage::user(m.content.clone()),
                mlpilot_core::Role::Assistant => OMessage::assistant(m.content.clone()),
            })
            .collect();
        let mut options = ModelOptions::default().temperature(req.options.temperature as f32);
        if let Some(seed) = req.options.seed {
            options = options.seed((seed % i32::MAX as u64) as i32);
        }
        if let Some(m) = req.options.max_tokens {
            options = options.num_predict(m as i32);
        }
        let mut request = ChatMessageRequest::new(self.model.clone(), messages).options(options);
        if let Some(schema) = &req.schema {
            let schema = schemars::Schema::try_from(schema.clone())
                .map_err(|e| Error::internal(format!("invalid JSON Schema for the answer: {e}")))?;
            request = request.format(FormatType::StructuredJson(Box::new(
                JsonStructure::new_for_schema(schema),
            )));
        }
        let fut = self.client.send_chat_messages(request);
        let resp = tokio::time::timeout(req.options.timeout, fut)
            .await
            .map_err(|_| {
                Error::new(
                    ErrorKind::Timeout,
                    format!("{provider}: the request timed out"),
                )
                .set_temporary(true)
            })?
            .map_err(|e| {
                let msg = e.to_string();
                let lower = msg.to_ascii_lowercase();
                let temporary = lower.contains("connect")
                    || lower.contains("timed out")
                    || lower.contains("500")
                    || lower.contains("503");
                Error::new(
                    if lower.contains("connect") {
                        ErrorKind::Network
                    } else {
                        ErrorKind::Llm
                    },
                    format!("{provider}: {msg}"),
                )
                .set_temporary(temporary)
            })?;
        Ok(ChatResponse {
            content: resp.message.content,
            model: resp.model,
        })
    }
}

/// Retries transient failures (timeouts, connection errors, HTTP 429 and 5xx) with exponential
/// backoff; permanent ones fail at once.
#[derive(Debug)]
pub struct Retrying {
    inner: Arc<dyn LanguageModel>,
    attempts: usize,
    backoff: Duration,
}

impl Retrying {
    /// Wraps `inner` with at most `attempts` tries, waiting `backoff`, then twice that, ...
    pub fn new(inner: Arc<dyn LanguageModel>, attempts: usize, backoff: Duration) -> Self {
        Retrying {
            inner,
            attempts: attempts.max(1),
            backoff,
        }
    }
}

#[async_trait]
impl LanguageModel for Retrying {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn capabilities(&self) -> LlmCapabilities {
        self.inner.capabilities()
    }

    async fn chat(&self, req: &ChatRequest) -> Result<ChatResponse> {
        let mut wait = self.backoff;
        let mut last = None;
        for attempt in 0..self.attempts {
            match self.inner.chat(req).await {
                Ok(r) => return Ok(r),
                Err(e) if e.is_retryable() && attempt + 1 < self.attempts => {
                    tracing::warn!(provider = %self.inner.name(), attempt = attempt + 1, error = %e, "retrying");
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                    last = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::new(ErrorKind::Llm, "no attempt was made")))
    }
}

/// Caches answers by the full request (provider, messages, options, schema): the same request
/// gets the same answer, in memory and, with a folder, across runs (so that a run can be
/// replayed exactly).
#[derive(Debug)]
pub struct Cached {
    inner: Arc<dyn LanguageModel>,
    dir: Option<PathBuf>,
    memory: Mutex<HashMap<String, ChatResponse>>,
}

impl Cached {
    /// Wraps `inner`; `dir` persists the cache.
    pub fn new(inner: Arc<dyn LanguageModel>, dir: Option<PathBuf>) -> Self {
        Cached {
            inner,
            dir,
            memory: Mutex::new(HashMap::new()),
        }
    }

    /// The cache key of a request.
    pub fn key(&self, req: &ChatRequest) -> String {
        let mut h = Sha256::new();
        h.update(self.inner.name().as_bytes());
        h.update(
            serde_json::to_string(&req.messages)
                .unwrap_or_default()
                .as_bytes(),
        );
        h.update(
            format!(
                "{:?}|{:?}|{:?}",
                req.options.temperature, req.options.seed, req.options.max_tokens
            )
            .as_bytes(),
        );
        h.update(
            req.schema
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default()
                .as_bytes(),
        );
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[async_trait]
impl LanguageModel for Cached {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn capabilities(&self) -> LlmCapabilities {
        self.inner.capabilities()
    }

    async fn chat(&self, req: &ChatRequest) -> Result<ChatResponse> {
        let key = self.key(req);
        if let Some(r) = self.memory.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(r);
        }
        if let Some(dir) = &self.dir
            && let Ok(text) = std::fs::read_to_string(dir.join(format!("{key}.json")))
            && let Ok(r) = serde_json::from_str::<ChatResponse>(&text)
        {
            if let Ok(mut m) = self.memory.lock() {
                m.insert(key, r.clone());
            }
            return Ok(r);
        }
        let r = self.inner.chat(req).await?;
        if let Ok(mut m) = self.memory.lock() {
            m.insert(key.clone(), r.clone());
        }
        if let Some(dir) = &self.dir {
            let _ = std::fs::create_dir_all(dir);
            if let Ok(text) = serde_json::to_string(&r) {
                let _ = std::fs::write(dir.join(format!("{key}.json")), text);
            }
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_redacted() {
        let c =
            OpenAiCompatible::new("http://x/v1", "m", Some(Secret::new("sk-very-secret"))).unwrap();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("sk-very-secret"), "{dbg}");
        assert!(dbg.contains("***"));
    }

    #[test]
    fn specs() {
        assert_eq!(
            LlmSpec::parse("ollama:qwen2.5-coder-0.5b").unwrap(),
            LlmSpec::Ollama {
                model: "qwen2.5-coder-0.5b".into(),
                url: "http://127.0.0.1:11434".into()
            }
        );
        assert!(LlmSpec::parse("openai:").is_err());
        assert!(LlmSpec::parse("claude:x").is_err());
    }

    #[test]
    fn both_providers_take_only_http_urls() {
        for url in ["ftp://127.0.0.1:11434", "file:///tmp/x"] {
            let e = OllamaModel::new(url, "m").unwrap_err();
            assert!(e.to_string().contains("not an http(s) URL"), "{e}");
            assert!(OpenAiCompatible::new(url, "m", None).is_err());
        }
        assert!(OllamaModel::new("http://127.0.0.1:11434", "m").is_ok());
    }

    #[test]
    fn request_body_carries_schema_and_options() {
        let c = OpenAiCompatible::new("http://x/v1", "m", None).unwrap();
        let req = ChatRequest::new(vec![mlpilot_core::ChatMessage::user("hi")])
            .with_schema(json!({"type": "object"}));
        let b = c.body(&req);
        assert_eq!(b["response_format"]["type"], "json_schema");
        assert_eq!(b["seed"], 0);
        assert_eq!(b["messages"][0]["role"], "user");
    }
}
