//! `mlpilot chat DATA [--llm SPEC]`: the conversation, line by line.
//!
//! With a terminal, lines are edited with rustyline; otherwise they are read plainly from
//! standard input (so a script can be piped in). Commands: anything first is the goal; then
//! `plan`, `run`, requests in plain words ("leave out sibsp", "optimise recall", "only trees",
//! "spend two minutes", "threshold 0.3", "what if age were 40": each change re-runs the search
//! and is kept only when validation improves beyond its noise), questions, `improve …` (try
//! the assistant's proposals), `save`, `quit`. The transcript is written to `DIR/session.json`.

use std::io::BufRead;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use mlpilot::{Error, Result, Session};

/// Arguments of `mlpilot chat`.
#[derive(Debug, Args)]
pub(crate) struct ChatArgs {
    /// The data to talk about.
    pub(crate) data: String,
    /// The assistant: offline (rules), ollama:MODEL[@URL] or openai:MODEL[@URL].
    #[arg(long, env = "MLPILOT_LLM", default_value = "offline")]
    pub(crate) llm: String,
    /// Seconds each run may take.
    #[arg(long, default_value_t = 30.0)]
    pub(crate) time_budget: f64,
    /// Where `save` writes the model, the summary and session.json.
    #[arg(long, default_value = "mlpilot-out")]
    pub(crate) out: PathBuf,
}

enum Input {
    Editor(Box<rustyline::DefaultEditor>),
    Lines(std::io::Lines<std::io::StdinLock<'static>>),
}

impl Input {
    fn next(&mut self, prompt: &str) -> Option<String> {
        match self {
            Input::Editor(ed) => match ed.readline(prompt) {
                Ok(l) => {
                    let _ = ed.add_history_entry(l.as_str());
                    Some(l)
                }
                Err(_) => None,
            },
            Input::Lines(lines) => {
                let l = lines.next()?.ok()?;
                println!("{prompt}{l}");
                Some(l)
            }
        }
    }
}

fn say(source: &mlpilot::core::AdviceSource, fallback: &Option<String>, text: &str) {
    println!("assistant [{}]: {text}", source);
    if let Some(r) = fallback {
        println!("  (the rules answered: {r})");
    }
}

pub(crate) fn run(args: &ChatArgs) -> Result<()> {
    let (frame, _) = mlpilot::data::load_frame(&args.data)?;
    let spec = mlpilot::llm::LlmSpec::parse(&args.llm)?;
    let advisor = mlpilot::llm::advisor_for(&spec)?;
    if !(args.time_budget.is_finite() && args.time_budget > 0.0) {
        return Err(Error::invalid_input("--time-budget must be positive"));
    }
    // The binary owns the runtime: the session's futures ask the language model and train on
    // its blocking pool; the loop itself reads lines one by one.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("could not start the async runtime: {e}")))?;
    let mut session = Session::new(
        frame,
        &args.data,
        advisor,
        Duration::from_secs_f64(args.time_budget),
    )?;
    let mut input = if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        match rustyline::DefaultEditor::new() {
            Ok(ed) => Input::Editor(Box::new(ed)),
            Err(_) => Input::Lines(std::io::stdin().lock().lines()),
        }
    } else {
        Input::Lines(std::io::stdin().lock().lines())
    };
    let a = rt.block_on(session.describe())?;
    say(&a.source, &a.fallback_reason, &a.value);
    println!("assistant: What would you like to predict? (a goal in plain words)");
    if !agree_on_goal(&rt, &mut session, &mut input)? {
        return finish(&mut session, args);
    }
    let a = rt.block_on(session.explain_plan())?;
    say(&a.source, &a.fallback_reason, &a.value);
    println!("engine: training for {:.0} s…", args.time_budget);
    let a = rt.block_on(session.run())?;
    say(&a.source, &a.fallback_reason, &a.value);
    println!(
        "assistant: Ask me anything about the model, `improve` to try refinements, `save`, or `quit`."
    );
    while let Some(line) = input.next("you> ") {
        if answer(&rt, &mut session, args, line.trim())? == Flow::Stop {
            break;
        }
    }
    finish(&mut session, args)
}

/// Whether the conversation goes on after a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Next,
    Stop,
}

/// Asks for a goal until the session has a task; `false` when the person leaves first.
fn agree_on_goal(
    rt: &tokio::runtime::Runtime,
    session: &mut Session,
    input: &mut Input,
) -> Result<bool> {
    while session.spec.is_none() {
        let Some(line) = input.next("you> ") else {
            return Ok(false);
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if matches!(line, "quit" | "exit") {
            return Ok(false);
        }
        match rt.block_on(session.set_goal(line)) {
            Ok(a) => {
                let s = &a.value;
                say(
                    &a.source,
                    &a.fallback_reason,
                    &format!(
                        "I will predict `{}` ({}), optimising {}.",
                        s.target,
                        s.task,
                        s.metric.display_name()
                    ),
                );
                if let (true, Some(r)) = (s.undecided, &s.runner_up) {
                    println!(
                        "assistant: Or did you mean `{}` ({})? The evidence for the two is close. Answer 1 for `{}`, 2 for `{}`.",
                        r.target, r.task, s.target, r.target
                    );
                    if !choose_target(rt, session, input)? {
                        return Ok(false);
                    }
                }
            }
            Err(e) => println!("engine: {e}"),
        }
    }
    Ok(true)
}

/// Reads answers until one picks a target; `false` when the person leaves first.
fn choose_target(
    rt: &tokio::runtime::Runtime,
    session: &mut Session,
    input: &mut Input,
) -> Result<bool> {
    loop {
        let Some(answer) = input.next("you> ") else {
            return Ok(false);
        };
        if matches!(answer.trim(), "quit" | "exit") {
            return Ok(false);
        }
        match rt.block_on(session.choose_target(&answer)) {
            Ok(spec) => {
                println!(
                    "engine: predicting `{}` ({}), optimising {}.",
                    spec.target,
                    spec.task,
                    spec.metric.display_name()
                );
                return Ok(true);
            }
            Err(e) => println!("engine: {e}"),
        }
    }
}

/// Answers one line after training: a command (`save`, `plan`, `run`, `improve`, `quit`), a
/// request the engine carries out, or a question.
fn answer(
    rt: &tokio::runtime::Runtime,
    session: &mut Session,
    args: &ChatArgs,
    line: &str,
) -> Result<Flow> {
    let lower = line.to_ascii_lowercase();
    if line.is_empty() {
        return Ok(Flow::Next);
    }
    if matches!(lower.as_str(), "quit" | "exit" | "bye") {
        return Ok(Flow::Stop);
    }
    if lower == "save" {
        session.save(&args.out)?;
        println!(
            "engine: saved model.mlpilot, summary.json and session.json in {}",
            args.out.display()
        );
        return Ok(Flow::Next);
    }
    if lower == "plan" {
        let a = rt.block_on(session.explain_plan())?;
        say(&a.source, &a.fallback_reason, &a.value);
        return Ok(Flow::Next);
    }
    if lower == "run" {
        let a = rt.block_on(session.run())?;
        say(&a.source, &a.fallback_reason, &a.value);
        return Ok(Flow::Next);
    }
    if lower.starts_with("improve") || lower.contains("how can") && lower.contains("improve") {
        println!("engine: trying the assistant's proposals (each re-runs the search)…");
        match rt.block_on(session.improve(line, 2)) {
            Ok(trials) => {
                for t in trials {
                    println!("engine: {}", mlpilot::describe_trial(&t));
                }
            }
            Err(e) => println!("engine: {e}"),
        }
        return Ok(Flow::Next);
    }
    // A request in the person's words becomes a typed change; anything else is a question.
    match rt.block_on(session.request(line)) {
        Ok(Some(mlpilot::Outcome::Trial { trial })) => {
            println!("engine: {}", mlpilot::describe_trial(&trial));
            return Ok(Flow::Next);
        }
        Ok(Some(mlpilot::Outcome::Features { trials })) => {
            if trials.is_empty() {
                println!("engine: no new feature to try for this table");
            }
            for t in trials {
                println!("engine: {}", mlpilot::describe_trial(&t));
            }
            return Ok(Flow::Next);
        }
        Ok(Some(mlpilot::Outcome::Said { text })) => {
            println!("engine: {text}");
            return Ok(Flow::Next);
        }
        Ok(None) => {}
        Err(e) => {
            println!("engine: {e}");
            return Ok(Flow::Next);
        }
    }
    match rt.block_on(session.ask(line)) {
        Ok(a) => say(&a.source, &a.fallback_reason, &a.value),
        Err(e) => println!("engine: {e}"),
    }
    Ok(Flow::Next)
}

fn finish(session: &mut Session, args: &ChatArgs) -> Result<()> {
    if session.trained.is_some() {
        session.save(&args.out)?;
        println!(
            "engine: the transcript is in {}",
            args.out.join("session.json").display()
        );
    }
    Ok(())
}
