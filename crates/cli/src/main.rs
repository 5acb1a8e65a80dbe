//! The `mlpilot` command-line tool.
#![doc = include_str!("../README.md")]

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

/// AutoML that you drive in plain language.
#[derive(Debug, Parser)]
#[command(name = "mlpilot", version, about, long_about = None)]
struct Cli {
    /// Log verbosity (-v info, -vv debug); logs go to stderr.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,

    #[command(subcommand)]
    command: Option<Command>,
}

/// Subcommands; each capability adds its own.
#[derive(Debug, Subcommand)]
enum Command {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => {
            let _ = Cli::command().print_help();
            ExitCode::SUCCESS
        }
    }
}
