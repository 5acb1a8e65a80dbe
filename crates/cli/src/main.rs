//! The `mlpilot` command-line tool.
#![doc = include_str!("../README.md")]

mod profile;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<(), Error> = match cli.command {
        Command::Profile(args) => profile::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            if e.kind().is_user_input() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
