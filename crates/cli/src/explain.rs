//! `mlpilot explain MODEL DATA [--row N] [--json]`.

use std::path::PathBuf;

use clap::Args;
use mlpilot::Result;
use mlpilot::explain::{PredictorModel, explain};

/// Arguments of `mlpilot explain`.
#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// A model written by `mlpilot run`.
    pub(crate) model: PathBuf,
    /// Rows to explain (same columns as the training data; with the target, importances are
    /// measured on them).
    pub(crate) data: String,
    /// Explain this row (counting from 0); repeat for several. Without it, every row with
    /// --json and the first five without (see --limit).
    #[arg(long)]
    pub(crate) row: Vec<usize>,
    /// Explain at most this many rows (the first ones, or the first --row values).
    #[arg(long)]
    pub(crate) limit: Option<usize>,
    /// Print JSON: {"global": [...], "rows": [...], "sentences": [...]}, one entry per row
    /// explained.
    #[arg(long)]
    pub(crate) json: bool,
    /// Seed for shuffles and background samples.
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: u64,
    /// Who puts each explanation in words: offline (templates), ollama:MODEL[@URL] or
    /// openai:MODEL[@URL]; numbers are checked against the explanation either way.
    #[arg(long, env = "MLPILOT_LLM", default_value = "offline")]
    pub(crate) llm: String,
}

pub(crate) fn run(args: &ExplainArgs) -> Result<()> {
    let artifact = mlpilot::artifact::read(&args.model, &mlpilot::default_registry())?;
    let frame = crate::input::load(
        &args.data,
        Some(&artifact.body.target),
        artifact.body.config.decimal_comma,
    )?;
    let started = std::time::Instant::now();
    let rows = rows_to_explain(args, frame.n_rows());
    let body = &artifact.body;
    let schema: Vec<String> = body.schema.columns.iter().map(|c| c.name.clone()).collect();
    let model = PredictorModel::new(&artifact.predictor, &schema);
    let e = explain(
        &model,
        &body.target,
        body.metrics.metric,
        &frame,
        &rows,
        &body.reference,
        args.seed,
    )?;
    let text_columns: Vec<String> = body
        .schema
        .columns
        .iter()
        .filter(|c| c.kind == mlpilot::ColumnKind::Text)
        .map(|c| c.name.clone())
        .collect();
    let terms = mlpilot::explain::text_terms(&artifact.predictor, &text_columns, 10);
    let spec = mlpilot::llm::LlmSpec::parse(&args.llm)?;
    let advisor = mlpilot::llm::advisor_for(&spec)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| mlpilot::Error::internal(format!("could not start the runtime: {err}")))?;
    let mut words = Vec::with_capacity(e.rows.len());
    for r in &e.rows {
        let advice = rt.block_on(advisor.explain_prediction(&r.context(body.task)))?;
        words.push((r.row, advice));
    }
    if args.json {
        print_json(&e, &advisor.name(), &terms, &words)?;
        eprintln!(
            "explained {} rows in {:.2} s",
            rows.len(),
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    print_words(body.metrics.metric, &e, &terms, &words);
    Ok(())
}

/// The rows asked for (all by default), at most `--limit` of them (5 by default on a terminal
/// without `--row`), with a note when some are left out.
fn rows_to_explain(args: &ExplainArgs, n_rows: usize) -> Vec<usize> {
    let asked: Vec<usize> = if args.row.is_empty() {
        (0..n_rows).collect()
    } else {
        args.row.clone()
    };
    let limit = match (args.limit, args.json, args.row.is_empty()) {
        (Some(n), _, _) => n,
        (None, false, true) => 5,
        (None, _, _) => usize::MAX,
    };
    let rows: Vec<usize> = asked.iter().copied().take(limit).collect();
    if rows.len() < asked.len() {
        eprintln!(
            "note: explaining {} of the {} rows asked for; pass --limit {} (or --json) for all",
            rows.len(),
            asked.len(),
            asked.len()
        );
    }
    rows
}

/// The explanation as JSON on stdout, with the advisor, the text terms and each row's words.
fn print_json(
    e: &mlpilot::explain::Explanation,
    advisor: &str,
    terms: &[mlpilot::explain::ClassTerms],
    words: &[(usize, mlpilot::core::Advice<String>)],
) -> Result<()> {
    {
        let mut v = serde_json::to_value(e)
            .map_err(|err| mlpilot::Error::internal(format!("explanation JSON: {err}")))?;
        if let Some(o) = v.as_object_mut() {
            o.insert("advisor".into(), serde_json::json!(advisor));
            o.insert("terms".into(), serde_json::json!(terms));
            o.insert(
                "sentences".into(),
                serde_json::json!(
                    words
                        .iter()
                        .map(|(row, a)| serde_json::json!({
                            "row": row,
                            "text": a.value,
                            "fallback_reason": a.fallback_reason,
                        }))
                        .collect::<Vec<_>>()
                ),
            );
        }
        let json = serde_json::to_string_pretty(&v)
            .map_err(|err| mlpilot::Error::internal(format!("explanation JSON: {err}")))?;
        println!("{json}");
    }
    Ok(())
}

/// The explanation for people: what the model relies on, the words that push each class, and
/// each row in words.
fn print_words(
    metric: mlpilot::core::Metric,
    e: &mlpilot::explain::Explanation,
    terms: &[mlpilot::explain::ClassTerms],
    words: &[(usize, mlpilot::core::Advice<String>)],
) {
    println!(
        "What the model relies on (loss of {} when a column is shuffled, on {}):",
        metric.display_name(),
        e.global_source
    );
    for g in e.global.iter().take(10) {
        println!("  {:<24} {:>9.4} ± {:.4}", g.feature, g.importance, g.std);
    }
    for t in terms {
        let list: Vec<String> = t
            .terms
            .iter()
            .map(|(w, v)| format!("{w} ({v:+.2})"))
            .collect();
        println!(
            "Words in `{}` that push towards {}: {}",
            t.column,
            t.class,
            list.join(", ")
        );
    }
    println!();
    for (row, a) in words {
        println!("row {row}: {}", a.value);
        if let Some(why) = &a.fallback_reason {
            println!("  (template used: {why})");
        }
    }
}
