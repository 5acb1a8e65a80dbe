//! The command lines the documentation shows are checked against the real argument parser, so a
//! renamed flag or subcommand cannot leave a false example behind:
//!
//! - every `mlpilot …` line in a fenced shell block of `README.md`, `docs/*.md` and
//!   `crates/*/README.md` (backslash continuations joined, `$ ` prompts, comments, pipes and
//!   redirections removed, `[optional]` parts included, `cargo run … --` read as `mlpilot`) must
//!   parse as it is written;
//! - every inline `` `mlpilot SUBCOMMAND …` `` span must name a subcommand that exists, and each
//!   `--flag` in it must be one of that subcommand's flags.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use clap::{CommandFactory, Parser};

use crate::Cli;

/// A command found in a document, with where it was found.
struct Found {
    file: String,
    line: usize,
    text: String,
}

fn documents() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = vec![root.join("README.md")];
    for dir in ["docs", "crates"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "md") {
                out.push(p);
            } else if p.join("README.md").is_file() {
                out.push(p.join("README.md"));
            }
        }
    }
    out.sort();
    out
}

/// The commands in fenced shell blocks (`sh`, `bash`, `console`, `shell` or no language).
fn fenced_commands(file: &str, text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let mut shell = None::<bool>;
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(lang) = line.strip_prefix("```") {
            shell = match shell {
                Some(_) => None,
                None => Some(matches!(
                    lang.trim(),
                    "" | "sh" | "bash" | "console" | "shell"
                )),
            };
            pending = None;
            continue;
        }
        if shell != Some(true) {
            continue;
        }
        let (start, mut joined) = pending.take().unwrap_or((i + 1, String::new()));
        joined.push_str(line.strip_prefix("$ ").unwrap_or(line));
        if let Some(head) = joined.strip_suffix('\\') {
            pending = Some((start, format!("{} ", head.trim_end())));
            continue;
        }
        for segment in joined
            .split("&&")
            .flat_map(|s| s.split(" | "))
            .flat_map(|s| s.split(';'))
        {
            let segment = match segment.find(" #") {
                Some(at) => &segment[..at],
                None => segment,
            }
            .trim();
            let command = match segment.find(" -- ") {
                Some(at) if segment.starts_with("cargo run") => {
                    format!("mlpilot {}", &segment[at + 4..])
                }
                _ => segment.to_string(),
            };
            if command.starts_with("mlpilot ") && !command.contains('…') {
                out.push(Found {
                    file: file.to_string(),
                    line: start,
                    text: command,
                });
            }
        }
    }
    out
}

/// The inline `` `mlpilot …` `` spans outside fenced blocks.
fn inline_commands(file: &str, text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let mut fenced = false;
    for (i, line) in text.lines().enumerate() {
        if line.trim().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        for (k, span) in line.split('`').enumerate() {
            if k % 2 == 1 && span.starts_with("mlpilot ") {
                out.push(Found {
                    file: file.to_string(),
                    line: i + 1,
                    text: span.to_string(),
                });
            }
        }
    }
    out
}

/// Words of a shell command line: quotes resolved, `[optional]` brackets and redirections
/// removed.
fn words(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip_next = false;
    for w in shlex::split(command).unwrap_or_else(|| panic!("unbalanced quotes in `{command}`")) {
        if skip_next {
            skip_next = false;
            continue;
        }
        if w == "<" || w == ">" || w == "2>" {
            skip_next = true;
            continue;
        }
        if w.starts_with('<') || w.starts_with('>') || w.starts_with("2>") {
            continue;
        }
        let w = w.trim_start_matches('[').trim_end_matches(']').to_string();
        if !w.is_empty() {
            out.push(w);
        }
    }
    out
}

/// Whether a parse error is only a documented placeholder standing where a value goes
/// (`--time-budget SECONDS`, `--duplicate-times mean|sum|first`).
fn placeholder(e: &clap::Error) -> bool {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if !matches!(
        e.kind(),
        ErrorKind::ValueValidation | ErrorKind::InvalidValue
    ) {
        return false;
    }
    match e.get(ContextKind::InvalidValue) {
        Some(ContextValue::String(v)) => {
            v.contains('|')
                || (v.len() > 1
                    && v.chars()
                        .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit()))
        }
        _ => false,
    }
}

#[test]
fn every_documented_command_line_parses() {
    let mut checked = 0;
    let mut wrong = Vec::new();
    for path in documents() {
        let text = std::fs::read_to_string(&path).unwrap();
        let file = path.display().to_string();
        for f in fenced_commands(&file, &text) {
            checked += 1;
            if let Err(e) = Cli::try_parse_from(words(&f.text))
                && !placeholder(&e)
            {
                let first = e.to_string().lines().next().unwrap_or_default().to_string();
                wrong.push(format!("{}:{}: `{}`: {first}", f.file, f.line, f.text));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The README's main job, the deployment and forecasting pages at least.
    assert!(checked >= 10, "only {checked} commands found");
}

#[test]
fn every_inline_command_names_real_subcommands_and_flags() {
    let cli = Cli::command();
    let mut checked = 0;
    let mut wrong = Vec::new();
    for path in documents() {
        let text = std::fs::read_to_string(&path).unwrap();
        let file = path.display().to_string();
        for f in inline_commands(&file, &text) {
            let words = words(&f.text.replace("\\|", " "));
            // `mlpilot = { … }` is a dependency line, not a command.
            let Some(name) = words
                .get(1)
                .filter(|n| n.chars().all(|c| c.is_ascii_lowercase()))
            else {
                continue;
            };
            let Some(sub) = cli.find_subcommand(name) else {
                wrong.push(format!(
                    "{}:{}: `{}`: no subcommand `{name}`",
                    f.file, f.line, f.text
                ));
                continue;
            };
            checked += 1;
            let known: Vec<&str> = sub
                .get_arguments()
                .filter_map(|a| a.get_long())
                .chain(cli.get_arguments().filter_map(|a| a.get_long()))
                .chain(["help", "version"])
                .collect();
            for w in &words[2..] {
                if let Some(flag) = w.strip_prefix("--") {
                    let flag = flag.split('=').next().unwrap_or(flag);
                    if !known.contains(&flag) {
                        wrong.push(format!(
                            "{}:{}: `{}`: `mlpilot {name}` has no --{flag}",
                            f.file, f.line, f.text
                        ));
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(checked >= 10, "only {checked} inline commands found");
}

#[test]
fn the_extraction_reads_continuations_comments_and_cargo_run() {
    let text = "```sh\n$ mlpilot serve m.mlpilot --addr 1.2.3.4:80 \\\n    --max-rows 5  # a comment\ncargo run --release -p mlpilot-cli -- run d.csv --target t\necho x | mlpilot chat d.csv < s.txt\n```\n";
    let found: Vec<String> = fenced_commands("x.md", text)
        .into_iter()
        .map(|f| f.text)
        .collect();
    assert_eq!(
        found,
        [
            "mlpilot serve m.mlpilot --addr 1.2.3.4:80 --max-rows 5",
            "mlpilot run d.csv --target t",
            "mlpilot chat d.csv < s.txt"
        ]
    );
    assert_eq!(
        words("mlpilot chat d.csv < s.txt"),
        ["mlpilot", "chat", "d.csv"]
    );
    assert_eq!(
        words("mlpilot retrain m new.csv [--time-budget 60]"),
        ["mlpilot", "retrain", "m", "new.csv", "--time-budget", "60"]
    );
    // A wrong flag is caught by the parser; a placeholder for a value is not an error.
    assert!(Cli::try_parse_from(words("mlpilot run d.csv --budget 10")).is_err());
    let e = Cli::try_parse_from(words("mlpilot run d.csv --time-budget SECONDS")).unwrap_err();
    assert!(placeholder(&e));
    let e = Cli::try_parse_from(words("mlpilot run d.csv --time-budget ten")).unwrap_err();
    assert!(!placeholder(&e));
}
