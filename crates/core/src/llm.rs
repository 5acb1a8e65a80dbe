//! The language-model interface: chat with an optional JSON Schema for the answer.
//!
//! Providers (Ollama, OpenAI-compatible servers) implement [`LanguageModel`] in `mlpilot-llm`.
//! Nothing a model writes is executed: callers parse answers into typed values and validate
//! them, which is why [`ChatRequest::schema`] exists — a provider that supports structured
//! output constrains the answer to it, and the caller checks it either way.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::Result;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions.
    System,
    /// The user (or mlpilot on the user's behalf).
    User,
    /// The model.
    Assistant,
}

impl Role {
    /// The lowercase name used by chat APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Who wrote it.
    pub role: Role,
    /// The text.
    pub content: String,
}

impl ChatMessage {
    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        ChatMessage {
            role: Role::System,
            content: content.into(),
        }
    }
    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        ChatMessage {
            role: Role::User,
            content: content.into(),
        }
    }
    /// An assistant message.
    pub fn assistant(content: impl Into<String>) -> Self {
        ChatMessage {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// Sampling and transport options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatOptions {
    /// Sampling temperature (0 for the most deterministic answers).
    pub temperature: f64,
    /// Seed, for providers that honour one.
    pub seed: Option<u64>,
    /// Most tokens to generate.
    pub max_tokens: Option<u32>,
    /// How long to wait for the whole answer.
    pub timeout: Duration,
}

impl Default for ChatOptions {
    fn default() -> Self {
        ChatOptions {
            temperature: 0.0,
            seed: Some(0),
            max_tokens: Some(512),
            timeout: Duration::from_secs(120),
        }
    }
}

/// A chat request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The conversation so far.
    pub messages: Vec<ChatMessage>,
    /// Options.
    pub options: ChatOptions,
    /// A JSON Schema the answer must follow, for structured output.
    pub schema: Option<serde_json::Value>,
}

impl ChatRequest {
    /// A request from messages with default options and no schema.
    pub fn new(messages: Vec<ChatMessage>) -> Self {
        ChatRequest {
            messages,
            options: ChatOptions::default(),
            schema: None,
        }
    }

    /// Asks for an answer following `schema`.
    pub fn with_schema(mut self, schema: serde_json::Value) -> Self {
        self.schema = Some(schema);
        self
    }

    /// Replaces the options.
    pub fn with_options(mut self, options: ChatOptions) -> Self {
        self.options = options;
        self
    }
}

/// A chat answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    /// The text (JSON text when a schema was given).
    pub content: String,
    /// The model that answered.
    pub model: String,
}

/// What a provider supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LlmCapabilities {
    /// Constrains answers to a JSON Schema.
    pub json_schema: bool,
    /// Honours a seed.
    pub seed: bool,
}

/// A chat model behind some API.
#[async_trait::async_trait]
pub trait LanguageModel: Send + Sync + fmt::Debug {
    /// A name for logs and transcripts (`ollama:qwen2.5-coder-0.5b`).
    fn name(&self) -> String;

    /// What the provider supports.
    fn capabilities(&self) -> LlmCapabilities;

    /// Sends a chat request. Transient failures are errors with
    /// [`crate::Error::is_retryable`] set; callers decide whether to retry.
    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse>;
}
