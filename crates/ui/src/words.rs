//! What the web app assembles for its pages beyond sentences (those are in
//! `mlpilot_core::narration`): the model families a search may try, the snippets that call a
//! deployed model, the command that trains the model again, and whether a message asks for
//! help.

use std::collections::BTreeMap;

use mlpilot::core::narration::{self, family_reason};
use mlpilot::core::{ColumnKind, DatasetProfile, ModelFamily, Task};

pub use mlpilot::core::narration::chart_label as short;

/// The model families the search may try for `task` (every registered estimator that fits
/// it), each with why it suits this table; strongest on tables first.
pub fn families(p: &DatasetProfile, task: Task) -> Vec<(String, String)> {
    let order = [
        ModelFamily::Boosting,
        ModelFamily::Forest,
        ModelFamily::Linear,
        ModelFamily::NeuralNet,
        ModelFamily::Neighbors,
        ModelFamily::Svm,
        ModelFamily::NaiveBayes,
        ModelFamily::Tree,
    ];
    let present: Vec<ModelFamily> = mlpilot::default_registry()
        .for_task(task)
        .iter()
        .map(|e| e.info().family)
        .collect();
    order
        .iter()
        .filter(|f| present.contains(f))
        .map(|f| (f.as_str().to_string(), family_reason(*f, p)))
        .collect()
}

/// A value of the example row as JSON: numbers as numbers, the rest as text.
fn json_value(kind: ColumnKind, col: &mlpilot::core::Column, row: usize) -> serde_json::Value {
    match kind {
        ColumnKind::Integer | ColumnKind::Float => col
            .f64_at(row)
            .filter(|v| v.is_finite())
            .map_or(serde_json::Value::Null, |v| serde_json::json!(v)),
        _ => col
            .str_at(row)
            .map_or(serde_json::Value::Null, serde_json::Value::String),
    }
}

/// Copy-paste snippets calling `POST {url}/v1/predict` with one example row (the first stored
/// training row, target left out): `curl`, Python `requests` and Rust `reqwest`.
pub fn snippets(url: &str, artifact: &mlpilot::Artifact, token: bool) -> BTreeMap<String, String> {
    let body = &artifact.body;
    let mut row = serde_json::Map::new();
    for c in &body.schema.columns {
        if c.name == body.target {
            continue;
        }
        if let Some(col) = body.reference.column(&c.name) {
            row.insert(c.name.clone(), json_value(c.kind, col, 0));
        }
    }
    let payload = serde_json::json!({ "rows": [row] });
    let compact = payload.to_string();
    let pretty = serde_json::to_string_pretty(&payload).unwrap_or_else(|_| compact.clone());
    let auth_curl = if token {
        " -H \"Authorization: Bearer $MLPILOT_TOKEN\""
    } else {
        ""
    };
    let auth_py = if token {
        ", headers={\"Authorization\": \"Bearer \" + os.environ[\"MLPILOT_TOKEN\"]}"
    } else {
        ""
    };
    let py_import = if token { "import os\n" } else { "" };
    let auth_rs = if token {
        "\n        .bearer_auth(std::env::var(\"MLPILOT_TOKEN\")?)"
    } else {
        ""
    };
    let sq = compact.replace('\'', "'\\''");
    BTreeMap::from([
        (
            "curl".to_string(),
            format!(
                "curl -s{auth_curl} -H 'content-type: application/json' \\\n  -d '{sq}' \\\n  {url}/v1/predict"
            ),
        ),
        (
            "python".to_string(),
            format!(
                "{py_import}import requests\n\nrows = {pretty}[\"rows\"]\nr = requests.post(\"{url}/v1/predict\", json={{\"rows\": rows}}{auth_py})\nprint(r.json()[\"predictions\"])\n",
                pretty = pretty
                    .replace("null", "None")
                    .replace("true", "True")
                    .replace("false", "False")
            ),
        ),
        (
            "rust".to_string(),
            format!(
                "// Cargo.toml: reqwest = {{ version = \"0.12\", features = [\"blocking\", \"json\"] }}, serde_json = \"1\"\nfn main() -> Result<(), Box<dyn std::error::Error>> {{\n    let body: serde_json::Value = serde_json::from_str(r#\"{compact}\"#)?;\n    let reply: serde_json::Value = reqwest::blocking::Client::new()\n        .post(\"{url}/v1/predict\"){auth_rs}\n        .json(&body)\n        .send()?\n        .error_for_status()?\n        .json()?;\n    println!(\"{{}}\", reply[\"predictions\"]);\n    Ok(())\n}}\n"
            ),
        ),
    ])
}

/// The command that trains this model again from the uploaded file: the same seed and the
/// same number of trials give the same models (the budget only caps the time); changes the
/// conversation made that a command line cannot say are named (they are in `session.json`'s
/// `config`, which `mlpilot retrain` uses).
pub fn reproduce(
    file: &str,
    config: &mlpilot::RunConfig,
    trials: usize,
    threshold: Option<f64>,
    advisor: &str,
) -> String {
    let mut cmd = format!("mlpilot run {}", shell_quote(file));
    if let Some(t) = &config.target {
        cmd.push_str(&format!(" --target {}", shell_quote(t)));
    }
    if let Some(t) = config.task {
        cmd.push_str(&format!(" --task {t}"));
    }
    if let Some(m) = config.metric {
        cmd.push_str(&format!(" --metric {}", m.as_str()));
    }
    cmd.push_str(&format!(" --max-trials {trials}"));
    if let Some(b) = config.time_budget_secs {
        cmd.push_str(&format!(" --time-budget {}", short(b.max(1.0) * 2.0)));
    }
    cmd.push_str(&format!(" --seed {}", config.seed));
    if !config.exclude.is_empty() {
        cmd.push_str(&format!(
            " --exclude {}",
            shell_quote(&config.exclude.join(","))
        ));
    }
    if let Some(e) = &config.estimators {
        cmd.push_str(&format!(" --backends {}", shell_quote(&e.join(","))));
    }
    if !config.ensemble {
        cmd.push_str(" --no-ensemble");
    }
    if advisor != "offline" {
        cmd.push_str(" --llm ");
        cmd.push_str(&shell_quote(advisor.trim_start_matches("llm:")));
    }
    let mut extra = Vec::new();
    if config.rebalance {
        extra.push("classes rebalanced".to_string());
    }
    if !config.derived.is_empty() {
        extra.push(format!("{} derived column(s)", config.derived.len()));
    }
    if let Some(t) = threshold {
        extra.push(format!("decision threshold {t}"));
    }
    if !extra.is_empty() {
        cmd.push_str(&format!(
            "\n# plus the conversation's changes ({}): they are in session.json's \"config\"; \
             `mlpilot retrain model.mlpilot DATA` trains with all of them",
            extra.join(", ")
        ));
    }
    cmd
}

/// The model in words: its family, or for an ensemble how many models of which families
/// ("an average of 7 models: 6 gradient boosting, 1 nearest neighbours").
pub fn model_in_words(p: &mlpilot::search::Predictor) -> String {
    let registry = mlpilot::default_registry();
    let families: Vec<&str> = p
        .members
        .iter()
        .map(|m| {
            registry
                .get(&m.estimator)
                .map_or(m.estimator.as_str(), |e| e.info().family.as_str())
        })
        .collect();
    narration::ensemble_in_words(&families)
}

/// Whether a message asks what the assistant can do.
pub fn is_help(text: &str) -> bool {
    let t = text.trim().trim_end_matches(['?', '!', '.']).to_lowercase();
    matches!(
        t.as_str(),
        "help"
            | ""
            | "what can you do"
            | "what can i ask"
            | "what can i say"
            | "commands"
            | "what can i do"
    ) || t.starts_with("help ")
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | ',' | ':' | '@')
        })
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_keep_three_significant_digits() {
        assert_eq!(short(0.123456), "0.123");
        assert_eq!(short(12.0), "12");
        assert_eq!(short(1234.6), "1235");
        assert_eq!(short(-2.5), "-2.5");
    }

    #[test]
    fn shell_quoting_leaves_plain_words_and_quotes_the_rest() {
        assert_eq!(shell_quote("titanic.csv"), "titanic.csv");
        assert_eq!(shell_quote("it's here"), "'it'\\''s here'");
    }
}
