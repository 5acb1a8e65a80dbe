//! The `mlpilot` command-line tool.
#![doc = include_str!("../README.md")]
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod chat;
mod deploy;
#[cfg(test)]
mod doc_commands;
mod explain;
mod export;
mod forecast;
mod input;
mod predict;
mod profile;
mod run;
mod ui;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mlpilot::Error;

/// AutoML that you drive in plain language.
#[derive(Debug, Parser)]
#[command(name = "mlpilot", version, about, long_about = None)]
struct Cli {
    /// Log verbosity (-v info, -vv debug); logs go to stderr.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Profile a table: column kinds with reasons, missing values, outliers, relations, the
    /// target's balance, leakage suspects and preprocessing suggestions.
    Profile(profile::ProfileArgs),
    /// Train models within a budget; write model.mlpilot, summary.json and leaderboard.csv.
    Run(Box<run::RunArgs>),
    /// Predict rows with a saved model (CSV on standard output or --out).
    Predict(predict::PredictArgs),
    /// Score a saved model on labelled rows.
    Evaluate(predict::EvaluateArgs),
    /// Explain a saved model: what it relies on, and why it predicts what it does for rows.
    Explain(explain::ExplainArgs),
    /// Export a saved model (preprocessing and model) to one ONNX graph.
    Export(export::ExportArgs),
    /// Serve a saved model over HTTP (predict, explain, feedback, model, monitor, metrics) and
    /// the KServe V2 / Open Inference Protocol.
    Serve(deploy::ServeArgs),
    /// Check recent rows against the training reference: drift per column, prediction drift,
    /// accuracy decay.
    Monitor(deploy::MonitorArgs),
    /// Retrain on new rows with the stored configuration; replace the model only when better.
    Retrain(deploy::RetrainArgs),
    /// A conversation: describe the data, set a goal, train, ask why and how to improve.
    Chat(chat::ChatArgs),
    /// The web app: upload a table, say what you want to find out, train, talk about the
    /// model, then predict, deploy and monitor it — in a browser, every step in words.
    Ui(ui::UiArgs),
}

/// Installs a tracing subscriber on stderr: warnings by default, `-v` info, `-vv` debug,
/// `-vvv` trace; `RUST_LOG` overrides.
fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let result: Result<(), Error> = match cli.command {
        Command::Profile(args) => profile::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Predict(args) => predict::predict(&args),
        Command::Evaluate(args) => predict::evaluate(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Serve(args) => deploy::serve(&args),
        Command::Monitor(args) => deploy::monitor(&args),
        Command::Retrain(args) => deploy::retrain(&args),
        Command::Chat(args) => chat::run(&args),
        Command::Ui(args) => ui::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            // A request the data or the budget cannot satisfy is the user's to change.
            if e.kind().is_user_input() || e.kind() == mlpilot::ErrorKind::Budget {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
