//! `mlpilot run DATA --target COL …`: train, then write the model, the summary and the
//! leaderboard.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use mlpilot::core::{Metric, ProgressEvent, ProgressSink, Task};
use mlpilot::{AutoMl, Error, Result, Summary};

/// Arguments of `mlpilot run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The training data: a CSV/TSV, Parquet, JSON or NDJSON file, a folder of texts, or
    /// sqlite://PATH?table=T.
    pub(crate) data: String,
    /// The column to predict (guessed from names and position when absent).
    #[arg(long)]
    pub(crate) target: Option<String>,
    /// The goal in plain words ("predict who churns"); the assistant turns it into a target,
    /// a task and a metric (flags given explicitly win).
    #[arg(long)]
    pub(crate) goal: Option<String>,
    /// The assistant: offline (rules), ollama:MODEL[@URL] or openai:MODEL[@URL].
    #[arg(long, env = "MLPILOT_LLM", default_value = "offline")]
    pub(crate) llm: String,
    /// binary, multiclass, regression, forecast (or auto: from the target). A forecast also
    /// needs --time-column and --horizon (docs/forecasting.md).
    #[arg(long, default_value = "auto")]
    pub(crate) task: String,
    /// The metric to optimise (roc_auc, f1_macro, r2, rmse, log_loss, accuracy, ...).
    #[arg(long)]
    pub(crate) metric: Option<String>,
    /// Seconds for the whole command — loading, training, the report, writing the files
    /// (default 30 when no trial budget is given).
    #[arg(long)]
    pub(crate) time_budget: Option<f64>,
    /// Most trials (with a fixed seed, the same trials give the same leaderboard).
    #[arg(long)]
    pub(crate) max_trials: Option<usize>,
    /// Seed for every random choice.
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: u64,
    /// Threads for trials and fits (default: every core).
    #[arg(long)]
    pub(crate) threads: Option<usize>,
    /// Estimators, backends or families to search, comma-separated (gbdt,linfa,linear,...; all).
    #[arg(long, value_delimiter = ',')]
    pub(crate) backends: Option<Vec<String>>,
    /// Columns to leave out, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub(crate) exclude: Option<Vec<String>>,
    /// Skip configurations estimated to need more memory, e.g. 4GB or 500MB.
    #[arg(long)]
    pub(crate) memory_limit: Option<String>,
    /// Do not try ensembles.
    #[arg(long)]
    pub(crate) no_ensemble: bool,
    /// Where to write model.mlpilot, summary.json and leaderboard.csv.
    #[arg(long, default_value = "mlpilot-out")]
    pub(crate) out: PathBuf,
    /// Print the summary as JSON.
    #[arg(long)]
    pub(crate) json: bool,
    /// Skip report.html (explanations and charts of the run).
    #[arg(long)]
    pub(crate) no_report: bool,
    /// With --task forecast: the column that holds the times.
    #[arg(long)]
    pub(crate) time_column: Option<String>,
    /// With --task forecast: how many steps to forecast (default 12).
    #[arg(long)]
    pub(crate) horizon: Option<usize>,
    /// With --task forecast: how to combine rows that share a time (mean, sum, first, last or
    /// refuse).
    #[arg(long, default_value = "mean")]
    pub(crate) duplicate_times: String,
    /// With --task forecast: the column naming the series of a table with several (one forecast
    /// per series; models across series are trained on all of them).
    #[arg(long)]
    pub(crate) series_id: Option<String>,
    /// With --task forecast: covariates known in the future (holidays, planned prices),
    /// comma-separated; forecasting then needs their values at the times forecast. Other
    /// numeric columns are used as covariates known only up to the forecast origin.
    #[arg(long, value_delimiter = ',')]
    pub(crate) known_covariates: Vec<String>,
    /// With --task forecast: forecast from the series alone (no covariates).
    #[arg(long)]
    pub(crate) no_covariates: bool,
    /// Merge target labels that differ only in case or spaces (`Yes`, `yes `, `YES`) into their
    /// most frequent spelling.
    #[arg(long)]
    pub(crate) merge_labels: bool,
    /// The decimal mark of numbers written as text (decided from the values when absent).
    #[arg(long, value_enum)]
    pub(crate) decimal: Option<crate::input::Decimal>,
    /// Keep the model exportable (`mlpilot export`): search only families that can be
    /// exported and leave out date and free-text columns, saying so.
    #[arg(long, value_enum)]
    pub(crate) exportable: Option<crate::export::ExportFormat>,
}

fn parse_bytes(s: &str) -> Result<u64> {
    let t = s.trim().to_ascii_uppercase();
    let (num, mult) = if let Some(n) = t.strip_suffix("GB") {
        (n, 1u64 << 30)
    } else if let Some(n) = t.strip_suffix("MB") {
        (n, 1u64 << 20)
    } else if let Some(n) = t.strip_suffix("KB") {
        (n, 1u64 << 10)
    } else {
        (t.as_str(), 1)
    };
    num.trim()
        .parse::<f64>()
        .map(|v| (v * mult as f64) as u64)
        .map_err(|_| {
            Error::invalid_input(format!(
                "memory limit `{s}` is not a size like 4GB or 500MB"
            ))
        })
}

/// A progress bar on stderr (when it is a terminal).
struct Bar(indicatif::ProgressBar);

impl ProgressSink for Bar {
    fn event(&self, e: &ProgressEvent) {
        if let ProgressEvent::Trial {
            done,
            estimator,
            best,
            seconds_left,
            ..
        } = e
        {
            self.0.set_position(*done as u64);
            let left = seconds_left.map_or(String::new(), |s| format!(", {s:.0} s left"));
            let best = best.map_or(String::new(), |b| format!("best {b:.4}"));
            self.0.set_message(format!("{best}{left} — {estimator}"));
        }
    }
}

pub(crate) fn build(args: &RunArgs) -> Result<AutoMl> {
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let mut auto = AutoMl::new().seed(args.seed).threads(threads);
    if let Some(t) = &args.target {
        auto = auto.target(t);
    }
    if args.task != "auto" {
        auto = auto.task(args.task.parse::<Task>()?);
    }
    if let Some(m) = &args.metric {
        auto = auto.metric(m.parse::<Metric>()?);
    }
    match (args.time_budget, args.max_trials) {
        (None, None) => auto = auto.time_budget(Duration::from_secs(30)),
        (b, t) => {
            if let Some(b) = b {
                if !(b.is_finite() && b > 0.0) {
                    return Err(Error::invalid_input(format!(
                        "--time-budget must be a positive number of seconds, got {b}"
                    )));
                }
                auto = auto.time_budget(Duration::from_secs_f64(b));
            }
            if let Some(t) = t {
                auto = auto.max_trials(t);
            }
        }
    }
    if let Some(b) = &args.backends {
        let list: Vec<&str> = b.iter().map(String::as_str).collect();
        auto = auto.estimators(&list);
    }
    if let Some(e) = &args.exclude {
        let list: Vec<&str> = e.iter().map(String::as_str).collect();
        auto = auto.exclude(&list);
    }
    let mut cfg = auto.run_config().clone();
    cfg.ensemble = !args.no_ensemble;
    cfg.memory_limit = args.memory_limit.as_deref().map(parse_bytes).transpose()?;
    cfg.decimal_comma = crate::input::decimal_comma(args.decimal);
    cfg.merge_labels = args.merge_labels;
    cfg.exportable_onnx = args.exportable == Some(crate::export::ExportFormat::Onnx);
    Ok(auto.config(cfg))
}

/// Share of the budget kept for the report's explanations (at least 0.3 s, at most 5 s).
const REPORT_SHARE: f64 = 0.1;

/// Seconds of a budget of `total` kept for the report.
/// Seconds of a budget kept for the language model's narrative: a quarter, between 1 and 30 s
/// (a small local model takes a few seconds per answer, twice when its first is refused).
fn narrative_reserve(total: f64) -> f64 {
    (0.25 * total).clamp(1.0, 30.0)
}

fn report_reserve(total: f64) -> f64 {
    (REPORT_SHARE * total).clamp(0.3_f64.min(0.25 * total), 5.0)
}

pub(crate) fn run(args: &RunArgs) -> Result<()> {
    let started = Instant::now();
    let decimal = crate::input::decimal_comma(args.decimal);
    let (mut frame, reader_notes) =
        crate::input::load_quiet(&args.data, args.target.as_deref(), decimal)?;
    for n in &reader_notes {
        eprintln!("note: {n}");
    }
    check_target(args, &frame)?;
    if matches!(
        args.task.parse::<mlpilot::Task>(),
        Ok(mlpilot::Task::Forecast)
    ) {
        return crate::forecast::run(args, &frame, started);
    }
    refuse_forecast_flags(args)?;
    let spec = mlpilot::llm::LlmSpec::parse(&args.llm)?;
    let advisor = mlpilot::llm::advisor_for(&spec)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("could not start the async runtime: {e}")))?;
    let mut note = mlpilot::AssistantNote {
        advisor: advisor.name(),
        goal: args.goal.clone(),
        task_source: None,
        narrative_source: "offline".into(),
        fallbacks: Vec::new(),
        task_notes: Vec::new(),
    };
    let mut auto = build(args)?;
    let assistant = Assistant {
        spec: &spec,
        advisor: advisor.as_ref(),
        rt: &rt,
        started,
    };
    if let Some(goal) = &args.goal {
        let mut cfg = auto.run_config().clone();
        let again = adopt_goal(args, goal, &frame, &assistant, &mut cfg, &mut note, decimal)?;
        auto = auto.config(cfg);
        if let Some(again) = again {
            frame = again;
        }
    }
    // No target and no goal: the profile guesses one (AutoMl would make the same guess).
    if args.target.is_none() && args.goal.is_none() {
        let profile = mlpilot::data::profile_frame(
            &frame,
            &args.data,
            &mlpilot::data::ProfileOptions::default(),
        )?;
        if let Some(guess) = profile.suggestions.target {
            if let Some(again) =
                crate::input::reread_target(&args.data, &frame, &guess.column, guess.task, decimal)?
            {
                frame = again;
            }
            auto = auto.target(&guess.column);
        }
    }
    let with_model = !matches!(spec, mlpilot::llm::LlmSpec::Offline);
    auto = search_budget(args, auto, started, with_model);
    let mut trained = fit_with_progress(args, auto, &frame)?;
    if with_model {
        write_narrative(args, &assistant, &mut trained, &mut note)?;
    }
    let (summary, json, model_path) = write_outputs(args, &trained, note, reader_notes, started)?;
    if args.json {
        println!("{json}");
        return Ok(());
    }
    print_result(args, &trained, &summary, &model_path);
    Ok(())
}

/// The assistant a run asks, and when the command started (its budget covers the whole command).
struct Assistant<'a> {
    spec: &'a mlpilot::llm::LlmSpec,
    advisor: &'a dyn mlpilot::core::Advisor,
    rt: &'a tokio::runtime::Runtime,
    started: Instant,
}

/// Refuses a `--target` the table does not have, listing the columns.
fn check_target(args: &RunArgs, frame: &mlpilot::core::Frame) -> Result<()> {
    if let Some(t) = &args.target
        && frame.column(t).is_none()
    {
        return Err(Error::invalid_input(format!(
            "no column named `{t}` in `{}`; the columns are: {}; pass one of them to --target",
            args.data,
            frame
                .names()
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with_context("file", &args.data)
        .with_context("column", t));
    }
    Ok(())
}

/// Refuses the forecasting flags without `--task forecast`.
fn refuse_forecast_flags(args: &RunArgs) -> Result<()> {
    let forecast_flags: Vec<&str> = [
        ("--time-column", args.time_column.is_some()),
        ("--horizon", args.horizon.is_some()),
        ("--series-id", args.series_id.is_some()),
        ("--known-covariates", !args.known_covariates.is_empty()),
    ]
    .into_iter()
    .filter_map(|(flag, given)| given.then_some(flag))
    .collect();
    if !forecast_flags.is_empty() {
        return Err(Error::invalid_input(format!(
            "{} only apply to forecasts: add --task forecast to forecast `{}` over time \
             (without it, the table's rows are treated as independent examples)",
            forecast_flags.join(", "),
            args.target.as_deref().unwrap_or("the target")
        )));
    }
    Ok(())
}

/// Turns the goal into the task (with a language model, within a third of the budget; past
/// that, the rules decide) and adopts it unless flags fixed it; the table read again when the
/// goal's target needs it.
fn adopt_goal(
    args: &RunArgs,
    goal: &str,
    frame: &mlpilot::core::Frame,
    assistant: &Assistant<'_>,
    cfg: &mut mlpilot::RunConfig,
    note: &mut mlpilot::AssistantNote,
    decimal: Option<bool>,
) -> Result<Option<mlpilot::core::Frame>> {
    let Assistant {
        spec,
        advisor,
        rt,
        started,
    } = assistant;
    let profile =
        mlpilot::data::profile_frame(frame, &args.data, &mlpilot::data::ProfileOptions::default())?;
    // With a language model, the goal may take at most a third of the budget; past that,
    // the rules decide (they take no time) and the summary says why.
    let advice = match args.time_budget {
        Some(total) if !matches!(spec, mlpilot::llm::LlmSpec::Offline) => {
            let limit = (total / 3.0 - started.elapsed().as_secs_f64()).max(0.0);
            let asked = rt.block_on(async {
                tokio::time::timeout(
                    Duration::from_secs_f64(limit),
                    advisor.define_task(goal, &profile),
                )
                .await
            });
            match asked {
                Ok(a) => a?,
                Err(_) => {
                    let mut a = mlpilot::core::Advice::rules(mlpilot::llm::goal::define_task(
                        goal, &profile,
                    )?);
                    a.fallback_reason = Some(format!(
                        "the language model did not answer within a third of the {total} s budget"
                    ));
                    a
                }
            }
        }
        _ => rt.block_on(advisor.define_task(goal, &profile))?,
    };
    let fixed = mlpilot::FixedByHand {
        target: args.target.is_some(),
        task: args.task != "auto",
        metric: args.metric.is_some(),
    };
    let adopted = cfg.adopt_goal(&advice.value, fixed, None);
    if adopted {
        note.task_source = Some(advice.source.to_string());
        note.fallbacks.extend(advice.fallback_reason.clone());
        note.task_notes = advice.value.notes.clone();
        if let Some(r) = &advice.value.runner_up {
            note.task_notes.push(format!(
                "runner-up `{}` ({}): {}",
                r.target, r.task, r.reason
            ));
        }
    } else {
        let given = args.target.as_deref().unwrap_or_default();
        let why = format!(
            "the goal points at `{}`, but --target `{given}` was given: predicting \
             `{given}`; the goal's task, metric and left-out columns were for the other column",
            advice.value.target
        );
        if !args.json {
            eprintln!("{why}");
        }
        note.task_notes.push(why);
    }
    if adopted && !args.json {
        eprintln!(
            "goal → predict `{}` ({}) [{}]{}",
            advice.value.target,
            advice.value.task,
            advice.source,
            advice
                .fallback_reason
                .as_ref()
                .map_or(String::new(), |r| format!(
                    "; the rules decided because {r}"
                ))
        );
    }
    if adopted
        && !args.json
        && let Some(r) = &advice.value.runner_up
    {
        eprintln!("  runner-up `{}` ({}): {}", r.target, r.task, r.reason);
        if advice.value.undecided && args.target.is_none() {
            eprintln!(
                "  the evidence for `{}` and `{}` is close; going on with `{}` (choose with --target)",
                advice.value.target, r.target, advice.value.target
            );
        }
    }
    if args.target.is_none() {
        return crate::input::reread_target(
            &args.data,
            frame,
            &advice.value.target,
            advice.value.task,
            decimal,
        );
    }
    Ok(None)
}

/// The budget covers the whole command: what loading and the assistant took is spent, and a
/// share is kept for the report and writing the files.
fn search_budget(args: &RunArgs, mut auto: AutoMl, started: Instant, with_model: bool) -> AutoMl {
    if let Some(total) = args.time_budget {
        let reserve = if args.no_report {
            0.0
        } else {
            report_reserve(total)
        };
        let narrative = if with_model {
            narrative_reserve(total)
        } else {
            0.0
        };
        let left = total - started.elapsed().as_secs_f64() - reserve - narrative - 0.02 * total;
        let mut cfg = auto.run_config().clone();
        cfg.time_budget_secs = Some(left.max(0.05 * total).max(0.01));
        auto = auto.config(cfg);
    }
    auto
}

/// Fits, with a progress line on a terminal.
fn fit_with_progress(
    args: &RunArgs,
    mut auto: AutoMl,
    frame: &mlpilot::core::Frame,
) -> Result<mlpilot::Trained> {
    let bar = if std::io::IsTerminal::is_terminal(&std::io::stderr()) && !args.json {
        let pb = indicatif::ProgressBar::new(args.max_trials.unwrap_or(0) as u64);
        pb.set_style(
            indicatif::ProgressStyle::with_template("{spinner} trials {pos} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        pb.enable_steady_tick(Duration::from_millis(200));
        let bar = Arc::new(Bar(pb));
        auto = auto.progress(bar.clone());
        Some(bar)
    } else {
        None
    };
    let trained = auto.fit_frame(frame);
    if let Some(b) = &bar {
        b.0.finish_and_clear();
    }
    trained
}

/// The language model writes the narrative within what the budget left it; past that, the
/// rules' narrative (already the model's) stands, and the summary says why.
fn write_narrative(
    args: &RunArgs,
    assistant: &Assistant<'_>,
    trained: &mut mlpilot::Trained,
    note: &mut mlpilot::AssistantNote,
) -> Result<()> {
    let Assistant {
        advisor,
        rt,
        started,
        ..
    } = assistant;
    // The language model writes within what the budget left it; past that, the rules'
    // narrative (already the model's) stands, and the summary says why.
    let left = args.time_budget.map(|total| {
        let reserve = if args.no_report {
            0.0
        } else {
            report_reserve(total)
        };
        total - started.elapsed().as_secs_f64() - reserve - 0.02 * total
    });
    let written = match left {
        Some(l) if l < 0.5 => None,
        Some(l) => {
            let run = trained.run_context();
            rt.block_on(async {
                tokio::time::timeout(Duration::from_secs_f64(l), advisor.explain_results(&run))
                    .await
            })
            .ok()
        }
        None => Some(rt.block_on(advisor.explain_results(&trained.run_context()))),
    };
    match written {
        Some(advice) => {
            let advice = advice?;
            note.narrative_source = advice.source.to_string();
            note.fallbacks.extend(advice.fallback_reason.clone());
            trained.set_narrative(advice.value);
        }
        None => note.fallbacks.push(
            "the time budget left the language model no time for the narrative; the rules wrote it"
                .into(),
        ),
    }
    Ok(())
}

/// Writes the model, `summary.json`, `leaderboard.csv` and (unless `--no-report`) the report;
/// returns the summary, its JSON and the model's path.
fn write_outputs(
    args: &RunArgs,
    trained: &mlpilot::Trained,
    note: mlpilot::AssistantNote,
    reader_notes: Vec<String>,
    started: Instant,
) -> Result<(Summary, String, PathBuf)> {
    std::fs::create_dir_all(&args.out)
        .map_err(|e| Error::from(e).with_context("file", args.out.display()))?;
    let model_path = args.out.join("model.mlpilot");
    trained.save(&model_path)?;
    let mut summary = Summary::of(trained);
    summary.assistant = Some(note);
    // The engine's notes and warnings about the target (the reader's were printed on load).
    for n in &summary.notes {
        eprintln!("note: {n}");
    }
    summary.notes.splice(0..0, reader_notes);
    let json = serde_json::to_string_pretty(&summary)
        .map_err(|e| Error::internal(format!("summary JSON: {e}")))?;
    write_file(&args.out.join("summary.json"), json.as_bytes())?;
    write_file(
        &args.out.join("leaderboard.csv"),
        mlpilot::search::leaderboard::to_csv(&summary.leaderboard).as_bytes(),
    )?;
    if !args.no_report {
        let seconds = args.time_budget.map(|total| {
            (total - started.elapsed().as_secs_f64() - 0.02 * total)
                .max(0.5 * report_reserve(total))
        });
        let html = mlpilot::explain::report_within(trained, &args.data, seconds)?;
        write_file(&args.out.join("report.html"), html.as_bytes())?;
    }
    Ok((summary, json, model_path))
}

/// What the run found, for people.
fn print_result(
    args: &RunArgs,
    trained: &mlpilot::Trained,
    summary: &Summary,
    model_path: &std::path::Path,
) {
    let r = &trained.result;
    println!("{}", trained.narrative());
    println!();
    println!(
        "target `{}` ({}), {} rows; {}",
        summary.target, summary.task, summary.n_rows, summary.validation
    );
    if summary.dropped_rows > 0 {
        println!(
            "{} without a target {} left out",
            if summary.dropped_rows == 1 {
                "1 row".to_string()
            } else {
                format!("{} rows", summary.dropped_rows)
            },
            if summary.dropped_rows == 1 {
                "was"
            } else {
                "were"
            }
        );
    }
    if let Some(t) = &summary.decision_threshold {
        println!(
            "decision threshold: `{}` when P(`{}`) ≥ {:.4}, chosen by {} — {}",
            summary.classes.get(1).map_or("", String::as_str),
            summary.classes.get(1).map_or("", String::as_str),
            t.threshold,
            t.metric.display_name(),
            t.reason
        );
    }
    print_preprocessing(&summary.preprocessing);
    println!(
        "{} trials in {:.1} s ({}){}",
        summary.trials,
        trained.elapsed_secs,
        summary.stopped,
        if summary.refitted {
            ""
        } else {
            "; no time was left to refit on all rows, so the validation folds' models are averaged"
        }
    );
    println!();
    print!(
        "{}",
        mlpilot::search::leaderboard::render(&r.leaderboard, r.metric, 10)
    );
    println!();
    println!(
        "wrote {}, summary.json, leaderboard.csv{} in {}",
        model_path.display(),
        if args.no_report { "" } else { ", report.html" },
        args.out.display()
    );
}

/// Steps shown before the rest are left to `summary.json`.
const STEPS_SHOWN: usize = 12;

/// What was done to each input column and why, one line per step (the first [`STEPS_SHOWN`]).
fn print_preprocessing(steps: &[mlpilot::core::StepSummary]) {
    if steps.is_empty() {
        return;
    }
    println!("preprocessing, per column, with the reason:");
    for s in steps.iter().take(STEPS_SHOWN) {
        println!("  `{}` {}: {}", s.column, s.step, s.reason);
    }
    if steps.len() > STEPS_SHOWN {
        println!(
            "  … {} more steps in summary.json (`preprocessing`)",
            steps.len() - STEPS_SHOWN
        );
    }
}

/// Writes a file atomically.
pub(crate) fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    mlpilot::artifact::write_bytes(path, bytes)
}
