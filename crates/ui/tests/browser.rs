//! The web app in a real browser: headless Chromium driven over WebDriver (`chromedriver`,
//! Debian's `chromium-driver`) through `fantoccini`, against the app served in-process.
//!
//! Needs `chromium` and `chromium-driver` installed (`.ci/run` installs them); set
//! `MLPILOT_SKIP_BROWSER_TESTS=1` to skip. `CHROMEDRIVER` and `CHROME_BIN` override where they
//! are found. Every step leaves a screenshot in `MLPILOT_SCREENSHOT_DIR` (default
//! `target/ui-screenshots/`); a test that passes removes its own unless
//! `MLPILOT_KEEP_SCREENSHOTS` is set.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr,
    // A test tells one scenario from start to end.
    clippy::too_many_lines
)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use mlpilot_ui::{Ui, UiOptions};
use serde_json::{Value, json};

/// One browser test at a time: they train models, and the machine has few cores.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn skip() -> bool {
    let skip = std::env::var("MLPILOT_SKIP_BROWSER_TESTS").is_ok_and(|v| v == "1");
    if skip {
        eprintln!("MLPILOT_SKIP_BROWSER_TESTS=1: skipping the browser tests");
    }
    skip
}

fn repo() -> PathBuf {
    // Canonical: chromedriver refuses file paths with `..` in them.
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    p.canonicalize().unwrap_or(p)
}

fn find(var: &str, names: &[&str]) -> PathBuf {
    if let Ok(p) = std::env::var(var) {
        return PathBuf::from(p);
    }
    for n in names {
        for dir in ["/usr/bin", "/usr/local/bin", "/usr/lib/chromium"] {
            let p = Path::new(dir).join(n);
            if p.exists() {
                return p;
            }
        }
    }
    panic!(
        "{} was not found: install Debian's `chromium` and `chromium-driver` (apt-get install \
         chromium chromium-driver), set {var}, or set MLPILOT_SKIP_BROWSER_TESTS=1",
        names.join(" / ")
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running app, chromedriver and browser session; screenshots of each step.
struct Harness {
    base: String,
    client: Client,
    driver: Child,
    shots: PathBuf,
    step: usize,
    workdir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

async fn start_app(workdir: &Path) -> String {
    let ui = Ui::bind(UiOptions {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        workdir: workdir.to_path_buf(),
        threads: 1,
        ..UiOptions::default()
    })
    .await
    .expect("the app binds");
    let addr = ui.local_addr().expect("an address");
    tokio::spawn(ui.run(std::future::pending()));
    format!("http://{addr}")
}

impl Harness {
    async fn new(name: &str) -> Harness {
        let tmp = tempfile::tempdir().expect("a temporary folder");
        let workdir = tmp.path().to_path_buf();
        let base = start_app(&workdir).await;
        let driver_bin = find("CHROMEDRIVER", &["chromedriver"]);
        let chrome = find(
            "CHROME_BIN",
            &["chromium", "chromium-browser", "google-chrome"],
        );
        let port = free_port();
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} did not start: {e}", driver_bin.display()));
        let caps: serde_json::Map<String, Value> = serde_json::from_value(json!({
            "goog:chromeOptions": {
                "binary": chrome.display().to_string(),
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                         "--disable-gpu", "--window-size=1280,1000"],
            }
        }))
        .expect("capabilities");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            let attempt = ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await;
            match attempt {
                Ok(c) => break c,
                Err(e) if Instant::now() > deadline => panic!("chromedriver did not answer: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        let root = std::env::var("MLPILOT_SCREENSHOT_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| repo().join("target/ui-screenshots"));
        let shots = root.join(name);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).expect("the screenshot folder");
        Harness {
            base,
            client,
            driver,
            shots,
            step: 0,
            workdir,
            _tmp: Some(tmp),
        }
    }

    /// A screenshot named after the step just done.
    async fn shot(&mut self, what: &str) {
        self.step += 1;
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(self.shots.join(format!("{:02}-{what}.png", self.step)), png);
        }
    }

    async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .expect("the script runs")
    }

    /// The text of the element `css` selects (empty when absent).
    async fn text_of(&self, css: &str) -> String {
        self.js(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';",
            vec![json!(css)],
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// How many elements `css` selects.
    async fn count(&self, css: &str) -> u64 {
        self.js(
            "return document.querySelectorAll(arguments[0]).length",
            vec![json!(css)],
        )
        .await
        .as_u64()
        .unwrap_or_default()
    }

    /// The text of the element with `data-testid` = `id` (empty when absent).
    async fn text(&self, id: &str) -> String {
        self.text_of(&format!("[data-testid=\"{id}\"]")).await
    }

    /// Waits until `check` holds for the text of the element `css` selects; the page's error
    /// banner ends the wait early with its message.
    async fn wait_css(
        &mut self,
        css: &str,
        what: &str,
        secs: u64,
        check: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let t = self.text_of(css).await;
            if check(&t) {
                return t;
            }
            let err = self.text("error").await;
            let watching_error = css.contains("\"error\"");
            if Instant::now() > deadline || (!err.is_empty() && !watching_error) {
                self.shot(&format!("failed-{what}")).await;
                panic!("waiting for {what} in {css}: got {t:?}; the page's error: {err:?}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// [`Harness::wait_css`] on the element with `data-testid` = `id`.
    async fn wait_text(
        &mut self,
        id: &str,
        what: &str,
        secs: u64,
        check: impl Fn(&str) -> bool,
    ) -> String {
        self.wait_css(&format!("[data-testid=\"{id}\"]"), what, secs, check)
            .await
    }

    async fn by_testid(&self, id: &str) -> fantoccini::elements::Element {
        self.client
            .find(Locator::Css(&format!("[data-testid=\"{id}\"]")))
            .await
            .unwrap_or_else(|e| panic!("no [data-testid={id}]: {e}"))
    }

    async fn click_css(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("{css} could not be clicked: {e}"));
    }

    async fn step(&self, name: &str) {
        self.click_css(&format!(".steps button[data-go=\"{name}\"]"))
            .await;
    }

    async fn upload(&self, css: &str, file: &Path) {
        let input = self
            .client
            .find(Locator::Css(css))
            .await
            .expect("the file input");
        input
            .send_keys(&file.display().to_string())
            .await
            .expect("the file is chosen");
    }

    async fn type_into(&self, id: &str, text: &str) {
        let e = self.by_testid(id).await;
        e.clear().await.expect("cleared");
        e.send_keys(text).await.expect("typed");
    }

    async fn finish(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // Passed: the screenshots are not needed (unless asked for, to look at the pages).
        if std::env::var_os("MLPILOT_KEEP_SCREENSHOTS").is_none() {
            let _ = std::fs::remove_dir_all(&self.shots);
        }
        self._tmp.take();
    }

    /// The project's `summary.json`, as the run wrote it.
    fn summary(&self, id: &str) -> Value {
        let path = self.workdir.join("projects").join(id).join("summary.json");
        serde_json::from_str(&std::fs::read_to_string(&path).expect("summary.json")).expect("JSON")
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

/// Upload → goal → plan → train, waiting for the result.
async fn through_training(h: &mut Harness, file: &Path, goal: &str, budget: u32, rows: &str) {
    h.client.goto(&h.base).await.expect("the page opens");
    h.upload("[data-testid=\"upload\"]", file).await;
    h.wait_text("dataset-summary", "the data summary", 60, |t| {
        t.contains(rows)
    })
    .await;
    h.shot("data").await;
    h.step("goal").await;
    h.type_into("goal", goal).await;
    h.by_testid("goal-submit")
        .await
        .click()
        .await
        .expect("submitted");
    h.wait_text("task-confirm", "the task", 60, |t| {
        t.contains("I will predict")
    })
    .await;
    h.shot("goal").await;
    h.step("plan").await;
    let plan = h.count("#plan-steps tbody tr").await;
    assert!(plan > 0, "the plan lists its steps");
    h.shot("plan").await;
    h.step("train").await;
    h.type_into("budget", &budget.to_string()).await;
    h.by_testid("train")
        .await
        .click()
        .await
        .expect("training starts");
    h.wait_text("progress", "trials", 60, |t| t.contains("models tried"))
        .await;
    h.shot("train").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn titanic_from_upload_to_a_deployed_monitored_model() {
    if skip() {
        return;
    }
    let _one = SERIAL.lock().await;
    let mut h = Harness::new("titanic").await;
    let data = repo().join("datasets/titanic.csv");
    through_training(
        &mut h,
        &data,
        "I want to know which passengers survived",
        6,
        "1309 rows",
    )
    .await;

    // Result: the words, the leaderboard, and the numbers are the run's own.
    let narrative = h
        .wait_text("narrative", "the narrative", 120, |t| !t.trim().is_empty())
        .await;
    h.shot("result").await;
    let summary = h.summary("001-titanic");
    let from_run = summary["narrative"]
        .as_str()
        .unwrap_or_default()
        .replace('`', "");
    assert!(
        from_run.trim().ends_with(narrative.trim()),
        "the narrative on screen is summary.json's (after the sentence the headline gives): \
         {narrative:?} vs {from_run:?}"
    );
    let confirm = h.text("task-confirm").await;
    assert!(
        confirm.contains("target") && confirm.contains("ROC AUC"),
        "{confirm}"
    );
    assert!(
        confirm.contains("Runner-up"),
        "the runner-up is shown: {confirm}"
    );
    let facts = h.text_of("#facts").await;
    let score = format!("{:.4}", summary["cv_score"].as_f64().unwrap_or(f64::NAN));
    assert!(facts.contains(&score), "score {score} on screen: {facts}");
    let meaning = h.text_of("#meaning").await;
    assert!(meaning.contains("times out of 100"), "{meaning}");
    let board_rows = h.count("[data-testid=leaderboard] tbody tr").await;
    let in_summary = summary["leaderboard"]
        .as_array()
        .map_or(0, Vec::len)
        .min(50);
    assert_eq!(board_rows, in_summary as u64, "every model tried is listed");
    let bars = h
        .js(
            "return [...document.querySelectorAll('#importances .label')].map(e => e.innerText)",
            vec![],
        )
        .await;
    let named: Vec<String> = summary["importances"]
        .as_array()
        .map(|a| {
            a.iter()
                .take(15)
                .filter_map(|x| x[0].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        bars,
        json!(named),
        "every importance bar is named, in order"
    );

    // Conversation: a direct request becomes a change, re-run, with its verdict.
    h.step("chat").await;
    h.type_into("chat-input", "leave out sibsp").await;
    h.by_testid("chat-send").await.click().await.expect("sent");
    let log = h
        .wait_text("chat-log", "the answer to a request", 120, |t| {
            t.contains("kept")
        })
        .await;
    assert!(log.contains("sibsp"), "{log}");
    let roles = h
        .js("return [...document.querySelectorAll('[data-testid=chat-log] [data-role]')].map(e => e.dataset.role)", vec![])
        .await;
    assert_eq!(roles, json!(["user", "assistant"]));
    h.type_into("chat-input", "why is the model not better?")
        .await;
    h.by_testid("chat-send").await.click().await.expect("sent");
    h.wait_text("chat-log", "the answer to a question", 60, |t| {
        t.matches("why is the model not better?").count() == 1
            && t.lines().filter(|l| !l.trim().is_empty()).count() >= 4
    })
    .await;
    h.shot("chat").await;

    // Use it: the command, predictions, an explained row, deploy, monitor.
    h.step("use").await;
    let command = h.text_of("#command").await;
    assert!(
        command.starts_with("mlpilot run titanic.csv --target target"),
        "{command}"
    );
    let new_rows = h.workdir.join("new.csv");
    let text = std::fs::read_to_string(&data).expect("titanic");
    std::fs::write(
        &new_rows,
        text.lines().take(41).collect::<Vec<_>>().join("\n"),
    )
    .expect("written");
    h.upload("#predict-file", &new_rows).await;
    h.wait_css("#predict-out", "the predictions", 60, |t| {
        t.contains("40 rows predicted")
    })
    .await;
    h.click_css("#explain-form button").await;
    h.wait_css("#explain-sentence", "the explained row", 60, |t| {
        t.starts_with("Row 1: the model predicts")
    })
    .await;
    let bars = h.count("#explain-chart .label").await;
    assert!(bars > 0, "the contributions are charted");
    h.by_testid("deploy").await.click().await.expect("deploy");
    let endpoint = h
        .wait_text("endpoint", "the endpoint", 60, |t| t.starts_with("http://"))
        .await;
    let url = endpoint
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(url.ends_with("/v1/predict"), "{endpoint}");
    h.shot("deploy").await;
    let reply: Value = reqwest::Client::new()
        .post(&url)
        .json(&json!({ "rows": [{ "pclass": "1st", "sex": "female", "age": 30, "sibsp": 0, "parch": 0 }] }))
        .send()
        .await
        .expect("the deployed model answers")
        .json()
        .await
        .expect("JSON");
    assert!(reply["predictions"][0].is_string(), "{reply}");
    let recent = h.workdir.join("recent.csv");
    let lines: Vec<&str> = text.lines().collect();
    let tail: Vec<&str> = std::iter::once(lines[0])
        .chain(lines.iter().rev().take(300).copied())
        .collect();
    std::fs::write(&recent, tail.join("\n")).expect("written");
    h.upload("#monitor-file", &recent).await;
    let t = h
        .wait_css("#monitor-words", "the drift check", 60, |t| {
            t.contains("columns checked")
        })
        .await;
    assert!(
        t.contains("labelled rows"),
        "accuracy is checked on rows with outcomes: {t}"
    );
    h.shot("monitor").await;

    // A narrow window: the page reflows instead of scrolling sideways.
    h.client.set_window_size(420, 900).await.expect("resized");
    for step in ["data", "result", "use"] {
        h.step(step).await;
        let overflow = h
            .js("return document.documentElement.scrollWidth - document.documentElement.clientWidth", vec![])
            .await;
        assert!(
            overflow.as_i64().unwrap_or(i64::MAX) <= 1,
            "{step} scrolls sideways by {overflow} px at 420 px"
        );
        h.shot(&format!("narrow-{step}")).await;
    }
    h.client.set_window_size(1280, 1000).await.expect("resized");

    // Reopening the app lists the project and resumes it.
    let again = start_app(&h.workdir).await;
    h.client.goto(&again).await.expect("the page opens");
    h.wait_css("#projects", "the project list", 20, |t| {
        t.contains("titanic.csv")
    })
    .await;
    h.click_css("#projects button").await;
    h.wait_text("narrative", "the resumed result", 20, |t| {
        !t.trim().is_empty()
    })
    .await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_regression_table_and_stop_keeps_the_best_model_so_far() {
    if skip() {
        return;
    }
    let _one = SERIAL.lock().await;
    let mut h = Harness::new("diabetes").await;
    let data = repo().join("datasets/diabetes.csv");
    through_training(
        &mut h,
        &data,
        "predict the disease progression after one year",
        300,
        "442 rows",
    )
    .await;
    let confirm = h.text("task-confirm").await;
    assert!(confirm.contains("a number"), "a regression: {confirm}");
    let started = Instant::now();
    h.click_css("#stop").await;
    h.wait_text("narrative", "the model kept after Stop", 90, |t| {
        !t.trim().is_empty()
    })
    .await;
    assert!(started.elapsed() < Duration::from_secs(90));
    let summary = h.summary("001-diabetes");
    assert_eq!(
        summary["stopped"],
        json!("cancelled"),
        "the search was stopped, not finished"
    );
    assert_eq!(summary["task"], json!("regression"));
    let meaning = h.text_of("#meaning").await;
    assert!(!meaning.is_empty(), "the score in words");
    h.shot("stopped").await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_file_says_why_on_the_page() {
    if skip() {
        return;
    }
    let _one = SERIAL.lock().await;
    let mut h = Harness::new("refused").await;
    h.client.goto(&h.base).await.expect("the page opens");
    let pdf = h.workdir.join("report.pdf");
    std::fs::write(&pdf, b"%PDF-1.4 not a table").expect("written");
    h.upload("[data-testid=\"upload\"]", &pdf).await;
    let msg = h
        .wait_text("error", "the refusal", 30, |t| !t.is_empty())
        .await;
    assert!(msg.contains("report.pdf") && msg.contains("CSV"), "{msg}");
    h.shot("refused-pdf").await;
    // A CSV the reader cannot make a table of: the reader's own reason reaches the page.
    let broken = h.workdir.join("broken.csv");
    std::fs::write(&broken, b"only_a_header\n").expect("written");
    h.upload("[data-testid=\"upload\"]", &broken).await;
    let msg = h
        .wait_text("error", "the second refusal", 30, |t| {
            t.contains("broken.csv")
        })
        .await;
    assert!(
        msg.len() > "broken.csv could not be used: ".len() + 10,
        "{msg}"
    );
    h.shot("refused-csv").await;
    let listed = h.count("#projects li").await;
    assert_eq!(listed, 0, "a refused file leaves no project behind");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn column_names_and_values_are_shown_as_text_never_as_markup() {
    if skip() {
        return;
    }
    let _one = SERIAL.lock().await;
    let mut h = Harness::new("injection").await;
    let evil = "<img src=x onerror=\"document.title='pwned'\">";
    let mut csv = format!("\"{}\",size,label\n", evil.replace('"', "\"\""));
    for i in 0..120 {
        let v = if i % 3 == 0 { "<b>bold</b>" } else { "plain" };
        csv.push_str(&format!(
            "{v},{},{}\n",
            i % 17,
            if i % 2 == 0 { "yes" } else { "no" }
        ));
    }
    let file = h.workdir.join("evil.csv");
    std::fs::write(&file, csv).expect("written");
    through_training(&mut h, &file, "predict the label", 4, "120 rows").await;
    h.wait_text("narrative", "the result", 90, |t| !t.trim().is_empty())
        .await;
    h.shot("result").await;
    let injected = h
        .js("return document.querySelectorAll('main img, main b').length + (document.title === 'pwned' ? 1000 : 0)", vec![])
        .await;
    assert_eq!(injected, json!(0), "no element was made from the data");
    let th = h
        .js(
            "return [...document.querySelectorAll('#columns tbody th')].map(e => e.textContent)",
            vec![],
        )
        .await;
    assert_eq!(th[0], json!(evil), "the column's name is shown as written");
    h.finish().await;
}
