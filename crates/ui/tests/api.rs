//! The app's JSON API and its guards over real HTTP, without a browser: the token, same-origin
//! checks, the upload limit, file names and zip paths that try to leave the work folder, a zip
//! of texts, and the event stream of a finished search.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    // A test tells one scenario from start to end.
    clippy::too_many_lines
)]

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;

use mlpilot_ui::{Ui, UiOptions};
use serde_json::{Value, json};

async fn app(workdir: &Path, token: Option<&str>, max_upload: usize) -> String {
    let ui = Ui::bind(UiOptions {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        workdir: workdir.to_path_buf(),
        token: token.map(String::from),
        max_upload,
        ..UiOptions::default()
    })
    .await
    .unwrap();
    let addr = ui.local_addr().unwrap();
    tokio::spawn(ui.run(std::future::pending()));
    format!("http://{addr}")
}

/// Sends a request: its status and its JSON answer (`null` when the answer is not JSON).
async fn answer(request: reqwest::RequestBuilder) -> (u16, Value) {
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn titanic() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../datasets/titanic.csv"
    ))
    .unwrap()
}

fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(text.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[tokio::test]
async fn another_address_needs_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let e = Ui::bind(UiOptions {
        addr: SocketAddr::from(([0, 0, 0, 0], 0)),
        workdir: dir.path().to_path_buf(),
        ..UiOptions::default()
    })
    .await
    .unwrap_err();
    assert!(e.to_string().contains("token"), "{e}");
}

#[tokio::test]
async fn the_token_is_needed_and_opening_the_page_with_it_sets_a_cookie() {
    let dir = tempfile::tempdir().unwrap();
    let base = app(dir.path(), Some("s3cret"), 1 << 20).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (status, body) = answer(http.get(format!("{base}/api/projects"))).await;
    assert_eq!(status, 401);
    assert!(body["error"].as_str().unwrap().contains("token"));
    let (status, _) = answer(
        http.get(format!("{base}/api/projects"))
            .bearer_auth("wrong"),
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = answer(
        http.get(format!("{base}/api/projects"))
            .bearer_auth("s3cret"),
    )
    .await;
    assert_eq!(status, 200);
    let r = http
        .get(format!("{base}/?token=s3cret"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap();
    let (status, _) = answer(
        http.get(format!("{base}/api/projects"))
            .header("cookie", pair),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn another_site_cannot_change_a_project_and_uploads_are_limited() {
    let dir = tempfile::tempdir().unwrap();
    let base = app(dir.path(), None, 2000).await;
    let http = reqwest::Client::new();
    let (status, _) = answer(
        http.post(format!("{base}/api/projects?name=t.csv"))
            .header("origin", "http://evil.example")
            .body("a,b\n1,2\n3,4\n"),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = answer(
        http.post(format!("{base}/api/projects?name=t.csv"))
            .header("sec-fetch-site", "cross-site")
            .body("a,b\n1,2\n3,4\n"),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = answer(
        http.post(format!("{base}/api/projects?name=big.csv"))
            .body(vec![b'1'; 5000]),
    )
    .await;
    assert_eq!(status, 413);
    assert!(
        body["error"].as_str().unwrap().contains("--max-upload-mb"),
        "{body}"
    );
    // A page on another name pointed at this machine (DNS rebinding) is refused.
    let (status, _) = answer(
        http.get(format!("{base}/api/projects"))
            .header("host", "evil.example"),
    )
    .await;
    assert_eq!(status, 403);
    // JSON the app cannot read is answered in JSON, saying so.
    let (status, body) = answer(
        http.post(format!("{base}/api/projects/x/train"))
            .header("content-type", "application/json")
            .body("{\"budget_secs\": \"ten\"}"),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"].as_str().unwrap().contains("budget_secs"),
        "{body}"
    );
    // The page's own headers: no sniffing, a content security policy.
    let r = http.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
}

#[tokio::test]
async fn file_names_and_zip_paths_cannot_leave_the_work_folder() {
    let dir = tempfile::tempdir().unwrap();
    let base = app(dir.path(), None, 16 << 20).await;
    let http = reqwest::Client::new();
    let (status, p) = answer(
        http.post(format!("{base}/api/projects?name=..%2F..%2Fescape.csv"))
            .body(titanic()),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(p["name"], json!("escape.csv"));
    let id = p["id"].as_str().unwrap();
    assert!(
        dir.path()
            .join("projects")
            .join(id)
            .join("escape.csv")
            .exists()
    );
    assert!(!dir.path().join("escape.csv").exists());
    assert!(!dir.path().parent().unwrap().join("escape.csv").exists());

    let evil = zip_of(&[("pos/a.txt", "good"), ("../../evil.txt", "owned")]);
    let (status, body) = answer(
        http.post(format!("{base}/api/projects?name=texts.zip"))
            .body(evil),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"].as_str().unwrap().contains("outside"),
        "{body}"
    );
    assert!(!dir.path().join("evil.txt").exists());
    let (_, listed) = answer(http.get(format!("{base}/api/projects"))).await;
    assert_eq!(
        listed["projects"].as_array().unwrap().len(),
        1,
        "the refused zip left nothing"
    );
}

#[tokio::test]
async fn a_zip_of_texts_becomes_a_table_of_texts_and_labels() {
    let dir = tempfile::tempdir().unwrap();
    let base = app(dir.path(), None, 16 << 20).await;
    let mut entries = Vec::new();
    let texts: Vec<(String, String)> = (0..30)
        .map(|i| {
            let (label, words) = if i % 2 == 0 {
                ("good", "lovely great film, wonderful acting")
            } else {
                ("bad", "dull awful film, boring plot")
            };
            (format!("reviews/{label}/{i}.txt"), format!("{words} {i}"))
        })
        .collect();
    for (n, t) in &texts {
        entries.push((n.as_str(), t.as_str()));
    }
    let (_, p) = answer(
        reqwest::Client::new()
            .post(format!("{base}/api/projects?name=reviews.zip"))
            .body(zip_of(&entries)),
    )
    .await;
    assert_eq!(p["data"]["n_rows"], json!(30), "{p}");
    let kinds: Vec<&str> = p["data"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"text"), "{kinds:?}");
}

#[tokio::test]
async fn a_finished_search_replays_its_events_and_unknown_projects_are_404() {
    let dir = tempfile::tempdir().unwrap();
    let base = app(dir.path(), None, 16 << 20).await;
    let http = reqwest::Client::new();
    let (_, p) = answer(
        http.post(format!("{base}/api/projects?name=titanic.csv"))
            .body(titanic()),
    )
    .await;
    let b = format!("{base}/api/projects/{}", p["id"].as_str().unwrap());
    let (status, _) = answer(
        http.post(format!("{b}/train"))
            .json(&json!({ "budget_secs": 3 })),
    )
    .await;
    assert_eq!(status, 400, "no goal yet");
    let (status, _) = answer(
        http.post(format!("{b}/task"))
            .json(&json!({ "target": "target", "metric": "accuracy" })),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = answer(
        http.post(format!("{b}/train"))
            .json(&json!({ "budget_secs": 3 })),
    )
    .await;
    assert_eq!(status, 202);
    // The stream ends after `finished`; read it whole.
    let text = http
        .get(format!("{b}/events"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let events: Vec<Value> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    assert_eq!(events.first().unwrap()["kind"], json!("started"));
    assert_eq!(events.last().unwrap()["kind"], json!("finished"), "{text}");
    assert!(events.iter().any(|e| e["kind"] == json!("trial")));
    let done: Value = http.get(&b).send().await.unwrap().json().await.unwrap();
    assert_eq!(done["status"], json!("trained"));
    assert_eq!(done["result"]["summary"]["metric"], json!("accuracy"));
    let again = http
        .get(format!("{b}/events?from=2"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        again.starts_with("id: 2"),
        "resumes at the asked event: {again}"
    );
    let (status, _) = answer(http.get(format!("{base}/api/projects/nope"))).await;
    assert_eq!(status, 404);
    // Two deploy requests at once start one server.
    let (one, two) = tokio::join!(
        http.post(format!("{b}/deploy")).send(),
        http.post(format!("{b}/deploy")).send()
    );
    let one: Value = one.unwrap().json().await.unwrap();
    let two: Value = two.unwrap().json().await.unwrap();
    assert!(
        one["predict_url"]
            .as_str()
            .unwrap()
            .ends_with("/v1/predict"),
        "{one}"
    );
    assert_eq!(
        one["url"], two["url"],
        "two deploy requests start one server"
    );
    let (_, stopped) = answer(http.delete(format!("{b}/deploy"))).await;
    assert!(stopped["deploy"].is_null());
    // "help" lists what the conversation can do, without a search.
    let (_, r) = answer(
        http.post(format!("{b}/chat"))
            .json(&json!({ "text": "help" })),
    )
    .await;
    let said = r["messages"][1]["text"].as_str().unwrap();
    assert!(
        said.contains("leave out") && said.contains("what if"),
        "{said}"
    );
    assert_eq!(r["project"]["status"], json!("trained"));
    // The command that trains the model again names the trials, so it gives the same models.
    let command = done["result"]["command"].as_str().unwrap();
    let trials = done["result"]["summary"]["trials"].as_u64().unwrap();
    assert!(
        command.contains(&format!("--max-trials {trials}")),
        "{command}"
    );
    // A task the column cannot be is refused before any training.
    let (status, body) = answer(
        http.post(format!("{b}/task"))
            .json(&json!({ "target": "age", "task": "binary" })),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"].as_str().unwrap().contains("as a number"),
        "{body}"
    );
    let (status, _) = answer(
        http.post(format!("{b}/task"))
            .json(&json!({ "target": "TARGET" })),
    )
    .await;
    assert_eq!(
        status, 200,
        "a name that differs only in case is the column"
    );
}

#[tokio::test]
async fn three_equally_common_classes_are_read_without_a_favourite() {
    let dir = tempfile::tempdir().unwrap();
    let base = app(dir.path(), None, 16 << 20).await;
    let http = reqwest::Client::new();
    let iris = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../datasets/iris.csv"
    ))
    .unwrap();
    let (_, p) = answer(
        http.post(format!("{base}/api/projects?name=iris.csv"))
            .body(iris),
    )
    .await;
    let b = format!("{base}/api/projects/{}", p["id"].as_str().unwrap());
    let (status, _) = answer(
        http.post(format!("{b}/goal"))
            .json(&json!({ "goal": "which species is the flower" })),
    )
    .await;
    assert_eq!(status, 200);
    http.post(format!("{b}/train"))
        .json(&json!({ "budget_secs": 3 }))
        .send()
        .await
        .unwrap();
    let _ = http
        .get(format!("{b}/events"))
        .send()
        .await
        .unwrap()
        .text()
        .await;
    let done: Value = http.get(&b).send().await.unwrap().json().await.unwrap();
    let meaning = done["result"]["meaning"].as_str().unwrap();
    assert!(
        meaning.contains("about equally common") && meaning.contains("1 time in 3"),
        "{meaning}"
    );
    assert!(!meaning.contains("Always guessing"), "{meaning}");
}
