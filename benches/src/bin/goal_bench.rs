//! Goal → task benchmark: for every table of a directory made by
//! `benches/extra/export_goals.py` (CSV files and `goals.json`), asks each advisor to turn the
//! goal into a task and checks the target and the task against the answer.
//!
//! `goal-bench DIR [--llm SPEC]...` (default: `offline`, then the local model through both
//! APIs: `openai:qwen2.5-coder-0.5b@http://127.0.0.1:8091/v1` and
//! `ollama:qwen2.5-coder-0.5b@http://127.0.0.1:11434`). Prints one line per table and advisor and
//! a total per advisor; exits non-zero when a table cannot be read.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::time::Instant;

use mlpilot::core::Task;

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("goal-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: goal-bench DIR [--llm SPEC]...")?);
    let mut specs = Vec::new();
    while let Some(a) = args.next() {
        if a == "--llm" {
            specs.push(args.next().ok_or("--llm needs a spec")?);
        } else {
            return Err(format!("unknown argument `{a}`"));
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
    let mut profiles = Vec::new();
    for g in &goals {
        let path = dir.join(&g.file);
        let path = path.to_string_lossy().to_string();
        let (frame, _) = mlpilot::data::load_frame(&path).map_err(|e| e.to_string())?;
        let profile =
            mlpilot::data::profile_frame(&frame, &path, &mlpilot::data::ProfileOptions::default())
                .map_err(|e| e.to_string())?;
        profiles.push(profile);
    }
    let mut totals = Vec::new();
    for spec in &specs {
        let parsed = mlpilot::llm::LlmSpec::parse(spec).map_err(|e| e.to_string())?;
        let advisor = mlpilot::llm::advisor_for(&parsed).map_err(|e| e.to_string())?;
        let (mut right, mut undecided, mut fallbacks) = (0usize, 0usize, 0usize);
        let start = Instant::now();
        for (g, profile) in goals.iter().zip(&profiles) {
            let want: Task = g
                .task
                .parse()
                .map_err(|e: mlpilot::core::Error| e.to_string())?;
            let t0 = Instant::now();
            let a = rt
                .block_on(advisor.define_task(&g.goal, profile))
                .map_err(|e| format!("{}: {e}", g.file))?;
            let ok = a.value.target == g.target && a.value.task == want;
            right += usize::from(ok);
            undecided += usize::from(a.value.undecided);
            fallbacks += usize::from(a.fallback_reason.is_some());
            println!(
                "{spec}\t{}\t{}\t{} ({}){}\twant {} ({})\t{:.1} s{}{}",
                g.file,
                if ok { "ok" } else { "WRONG" },
                a.value.target,
                a.value.task,
                if a.value.undecided {
                    format!(
                        " [asks: or `{}`?]",
                        a.value.runner_up.as_ref().map_or("", |r| r.target.as_str())
                    )
                } else {
                    String::new()
                },
                g.target,
                g.task,
                t0.elapsed().as_secs_f64(),
                a.fallback_reason
                    .map_or(String::new(), |r| format!("\tfallback: {r}")),
                if ok && std::env::var_os("MLPILOT_GOAL_DEBUG").is_none() {
                    String::new()
                } else {
                    format!("\t{}", a.value.notes.join(" | "))
                }
            );
        }
        totals.push(format!(
            "{spec}: {right}/{} right, {undecided} left to the person, {fallbacks} fallbacks, {:.1} s",
            goals.len(),
            start.elapsed().as_secs_f64()
        ));
    }
    for t in totals {
        println!("{t}");
    }
    Ok(())
}
