//! `mlpilot ui [--addr 127.0.0.1:7878] [--workdir DIR] [--llm SPEC] [--token-env VAR]`

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use mlpilot::{Error, Result};
use mlpilot_ui::{Ui, UiOptions};

/// Arguments of `mlpilot ui`.
#[derive(Debug, Args)]
pub(crate) struct UiArgs {
    /// Address to listen on; any address other than 127.0.0.1 (or ::1) needs --token-env.
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub(crate) addr: SocketAddr,
    /// Where projects are kept (made when missing); reopening the app resumes them.
    #[arg(long, default_value = "mlpilot-projects")]
    pub(crate) workdir: PathBuf,
    /// The assistant: offline (rules), ollama:MODEL[@URL] or openai:MODEL[@URL].
    #[arg(long, env = "MLPILOT_LLM", default_value = "offline")]
    pub(crate) llm: String,
    /// Name of an environment variable holding the token every request must carry (open
    /// /?token=TOKEN once in the browser); required off the loopback address.
    #[arg(long)]
    pub(crate) token_env: Option<String>,
    /// Largest upload in megabytes.
    #[arg(long, default_value_t = 256)]
    pub(crate) max_upload_mb: usize,
    /// Threads each training run may use (default: every core).
    #[arg(long)]
    pub(crate) threads: Option<usize>,
}

pub(crate) fn run(args: &UiArgs) -> Result<()> {
    let options = UiOptions {
        addr: args.addr,
        workdir: args.workdir.clone(),
        llm: args.llm.clone(),
        token: crate::deploy::token_from_env(args.token_env.as_deref())?,
        max_upload: args.max_upload_mb.saturating_mul(1024 * 1024),
        threads: args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("could not start the runtime: {e}")))?;
    rt.block_on(async {
        let ui = Ui::bind(options.clone()).await?;
        let addr = ui.local_addr()?;
        let open = if options.token.is_some() {
            format!(
                "http://{addr}/?token=… (the token from ${})",
                args.token_env.as_deref().unwrap_or("")
            )
        } else {
            format!("http://{addr}/")
        };
        eprintln!(
            "mlpilot ui: open {open} in a browser; projects are kept in {} (Ctrl-C stops)",
            options.workdir.display()
        );
        ui.run(mlpilot_serve::shutdown_signal()).await
    })
}
