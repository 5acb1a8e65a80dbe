//! Grounding benchmark: trains a quick model on each table of a directory made by
//! `benches/extra/export_goals.py`, has each advisor explain the result and answer three
//! questions, and counts the numbers in every generated text that are among the `facts` of the
//! run's `summary.json`, the claims checked against the run, and how often the language
//! model's text was used rather than the template.
//!
//! `narrative-bench DIR [--tables N] [--llm SPEC]...` (defaults: 6 tables; `offline` and the
//! local model through both APIs, as in `goal-bench`).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;

use mlpilot::core::{AdviceSource, Task};
use mlpilot_llm::grounding::{Claims, Facts, false_claims, numbers_in};

const QUESTIONS: [&str; 3] = [
    "why is the model not better?",
    "which inputs matter most?",
    "how does it compare with guessing?",
];

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("narrative-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or("usage: narrative-bench DIR [--tables N] [--llm SPEC]...")?,
    );
    let mut specs = Vec::new();
    let mut tables = 6usize;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--llm" => specs.push(args.next().ok_or("--llm needs a spec")?),
            "--tables" => {
                tables = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--tables needs a number")?;
            }
            _ => return Err(format!("unknown argument `{a}`")),
        }
    }
    if specs.is_empty() {
        specs = mlpilot_benches::DEFAULT_ADVISORS.map(String::from).to_vec();
    }
    let goals = mlpilot_benches::read_goal_cases(&dir)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    // Train once per table; every advisor speaks about the same run.
    let mut runs = Vec::new();
    for g in goals.iter().take(tables) {
        let path = dir.join(&g.file).to_string_lossy().to_string();
        let (frame, _) = mlpilot::data::load_frame(&path).map_err(|e| e.to_string())?;
        let task: Task = g
            .task
            .parse()
            .map_err(|e: mlpilot::core::Error| e.to_string())?;
        let trained = mlpilot::AutoMl::new()
            .target(&g.target)
            .task(task)
            .max_trials(6)
            .estimators(&[
                "gbdt.hist_gbm",
                "linfa.logistic_regression",
                "linfa.linear_regression",
            ])
            .fit_frame(&frame)
            .map_err(|e| format!("{}: {e}", g.file))?;
        let summary =
            serde_json::to_value(mlpilot::Summary::of(&trained)).map_err(|e| e.to_string())?;
        let facts: Vec<f64> = summary
            .get("facts")
            .and_then(serde_json::Value::as_array)
            .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
            .unwrap_or_default();
        runs.push((g.file.clone(), trained.run_context(), facts));
    }
    let mut totals = Vec::new();
    for spec in &specs {
        let parsed = mlpilot::llm::LlmSpec::parse(spec).map_err(|e| e.to_string())?;
        let advisor = mlpilot::llm::advisor_for(&parsed).map_err(|e| e.to_string())?;
        let (mut numbers, mut found, mut texts, mut from_llm, mut claims_wrong) = (0, 0, 0, 0, 0);
        for (file, run, facts) in &runs {
            let facts = Facts::from_values(facts);
            let claims = Claims::from_run(run);
            let mut answers = vec![
                rt.block_on(advisor.explain_results(run))
                    .map_err(|e| e.to_string())?,
            ];
            for q in QUESTIONS {
                answers.push(
                    rt.block_on(advisor.answer(q, run))
                        .map_err(|e| e.to_string())?,
                );
            }
            for a in answers {
                texts += 1;
                from_llm += usize::from(matches!(a.source, AdviceSource::Llm { .. }));
                let stated = numbers_in(&a.value);
                numbers += stated.len();
                let ok = stated.iter().filter(|s| facts.grounds(s)).count();
                found += ok;
                let wrong = if matches!(a.source, AdviceSource::Llm { .. }) {
                    false_claims(&a.value, &claims).len()
                } else {
                    0
                };
                claims_wrong += wrong;
                if ok < stated.len() || wrong > 0 {
                    println!("{spec}\t{file}\tUNGROUNDED\t{}", a.value);
                }
            }
        }
        totals.push(format!(
            "{spec}: {found}/{numbers} numbers found in summary.json facts; {from_llm}/{texts} texts written by the model (the others by the template: offline, or after a failed check); {claims_wrong} claims contradicted by the run in accepted text"
        ));
    }
    for t in totals {
        println!("{t}");
    }
    Ok(())
}
