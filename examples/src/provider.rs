//! A language-model provider of your own: implement `mlpilot_core::LanguageModel` (a name,
//! what it supports, `chat`) and hand it to `LlmAdvisor`, which checks every answer against the
//! data and falls back to the rules, with the reason, when an answer does not hold.
//!
//! This provider answers from a script instead of calling an API — what a test double, a
//! replay of recorded answers or a cache does; an HTTP provider sends `request.messages` (and
//! `request.schema` for structured output) in `chat` and returns the text it gets back
//! (`docs/adding-an-llm-provider.md`). The tests in `tests/provider.rs` show the advisor using
//! a good answer and refusing bad ones.

use std::sync::Mutex;

use mlpilot_core::{
    ChatRequest, ChatResponse, Error, ErrorKind, LanguageModel, LlmCapabilities, Result,
};

/// Answers every request with the next line of its script (the last one repeats).
#[derive(Debug)]
pub struct ScriptedModel {
    script: Vec<String>,
    next: Mutex<usize>,
}

impl ScriptedModel {
    /// A model that gives these answers in turn.
    pub fn new(script: &[&str]) -> Self {
        ScriptedModel {
            script: script.iter().map(|s| (*s).to_string()).collect(),
            next: Mutex::new(0),
        }
    }

    /// How many requests it has answered.
    pub fn answered(&self) -> usize {
        self.next.lock().map_or(0, |n| *n)
    }
}

#[async_trait::async_trait]
impl LanguageModel for ScriptedModel {
    fn name(&self) -> String {
        "scripted".into()
    }

    fn capabilities(&self) -> LlmCapabilities {
        LlmCapabilities {
            json_schema: false,
            seed: true,
        }
    }

    async fn chat(&self, _request: &ChatRequest) -> Result<ChatResponse> {
        let mut next = self
            .next
            .lock()
            .map_err(|_| Error::new(ErrorKind::Internal, "the script's lock was poisoned"))?;
        let line = self
            .script
            .get(*next)
            .or_else(|| self.script.last())
            .cloned()
            .ok_or_else(|| Error::new(ErrorKind::Unsupported, "the script is empty"))?;
        *next += 1;
        Ok(ChatResponse {
            content: line,
            model: self.name(),
        })
    }
}
