//! Inputs that broke other AutoML tools (issue 14), each kind with variants: labels keep their
//! spelling, locale numbers are read as numbers, dates are read day- or month-first, nothing is
//! dropped without a word, stray words among numbers are missing values, near-duplicate
//! labels are flagged, rare positives get a threshold,
//! quoted headers mean the same in every reader, and `explain --json` explains every row.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    // A test tells one scenario from start to end.
    clippy::too_many_lines
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mlpilot() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mlpilot"))
}

/// A small deterministic generator (xorshift), so that the tables need no crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn train(data: &Path, target: &str, out: &Path, extra: &[&str]) -> (Output, serde_json::Value) {
    let o = mlpilot()
        .arg("run")
        .arg(data)
        .args(["--target", target, "--max-trials", "6", "--seed", "1"])
        .args(["--backends", "gbdt", "--no-report", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    ok(&o);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    (o, summary)
}

/// `mlpilot evaluate MODEL DATA --json`, which must succeed, as JSON.
fn evaluate_json(model: &Path, data: &Path) -> serde_json::Value {
    let out = ok(&mlpilot()
        .arg("evaluate")
        .arg(model)
        .arg(data)
        .arg("--json")
        .output()
        .unwrap());
    serde_json::from_str(&out).unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn labels_come_back_as_the_file_spells_them() {
    let dir = tempfile::tempdir().unwrap();
    let variants: [&[&str]; 5] = [
        &["False", "True"],
        &["NO", "yes"],
        &["01", "02", "03"],
        &["1.50", "2.00"],
        &["F", "T"],
    ];
    for (v, labels) in variants.iter().enumerate() {
        let mut rng = Rng(7 + v as u64);
        // Half the variants carry a quoted column with thousands separators before the target,
        // which a typed first read of the file cannot parse.
        let quoted = v % 2 == 1;
        let mut csv = String::from(if quoted { "x,amount,y\n" } else { "x,y\n" });
        for i in 0..200u32 {
            let x = rng.next();
            let k = ((x * labels.len() as f64) as usize).min(labels.len() - 1);
            if quoted {
                // `5.50` first (a number to a typed reader), `1,005.50` from row 20 on.
                let amount = thousands(f64::from(i) * 50.0 + 5.5);
                csv.push_str(&format!("{x:.4},\"{amount}\",{}\n", labels[k]));
            } else {
                csv.push_str(&format!("{x:.4},{}\n", labels[k]));
            }
        }
        let data = write(dir.path(), &format!("labels{v}.csv"), &csv);
        let out = dir.path().join(format!("out{v}"));
        let (_, summary) = train(&data, "y", &out, &[]);
        let mut classes: Vec<String> = summary["classes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
        classes.sort();
        assert_eq!(classes, labels.to_vec(), "variant {v}");
        let text = ok(&mlpilot()
            .arg("predict")
            .arg(out.join("model.mlpilot"))
            .arg(&data)
            .arg("--proba")
            .output()
            .unwrap());
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        let want: Vec<String> = std::iter::once("prediction".to_string())
            .chain(
                summary["classes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| format!("proba_{}", c.as_str().unwrap())),
            )
            .collect();
        assert_eq!(header, want.join(","), "variant {v}");
        let predicted: std::collections::BTreeSet<&str> =
            lines.map(|l| l.split(',').next().unwrap()).collect();
        assert!(
            predicted.iter().all(|p| labels.contains(p)),
            "variant {v}: {predicted:?}"
        );
        assert!(predicted.len() >= 2, "variant {v}: {predicted:?}");
        // The same labels as JSON values (typed by the reader) are the same classes.
        let json: Vec<serde_json::Value> = csv
            .lines()
            .skip(1)
            .map(|l| {
                let x = l.split(',').next().unwrap();
                let y = l.rsplit(',').next().unwrap();
                let y: serde_json::Value = match y {
                    "True" => true.into(),
                    "False" => false.into(),
                    other => other.into(),
                };
                if quoted {
                    let amount = l.split('"').nth(1).unwrap().replace(',', "");
                    serde_json::json!({"x": x.parse::<f64>().unwrap(), "amount": amount.parse::<f64>().unwrap(), "y": y})
                } else {
                    serde_json::json!({"x": x.parse::<f64>().unwrap(), "y": y})
                }
            })
            .collect();
        let jpath = write(
            dir.path(),
            &format!("labels{v}.json"),
            &serde_json::to_string(&json).unwrap(),
        );
        let eval = evaluate_json(&out.join("model.mlpilot"), &jpath);
        assert_eq!(eval["rows"], 200, "variant {v}");
    }
    // A guessed target keeps its spelling too.
    let out = dir.path().join("guessed");
    let o = mlpilot()
        .arg("run")
        .arg(dir.path().join("labels0.csv"))
        .args([
            "--max-trials",
            "4",
            "--backends",
            "gbdt",
            "--no-report",
            "--json",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let summary: serde_json::Value = serde_json::from_str(&ok(&o)).unwrap();
    assert_eq!(summary["target"], "y");
    assert_eq!(summary["classes"], serde_json::json!(["False", "True"]));
}

/// Stray words among numbers (`n/a`, `?`, `-`, `none`) are missing values: a 0/1 target stays
/// binary with classes `0` and `1`, the rows without a number are left out with a line that
/// names the words, a regression target trains on the rest, and `evaluate` reads new words the
/// same way.
#[test]
fn stray_words_among_numbers_are_missing_values() {
    let dir = tempfile::tempdir().unwrap();
    let words = ["n/a", "?", "-", "none"];
    for (v, word) in words.iter().enumerate() {
        let mut rng = Rng(11 + v as u64);
        let mut csv = String::from("x,z,y,amount\n");
        for i in 0..240 {
            let x = rng.next();
            let z = if i % 40 == 3 {
                (*word).to_string()
            } else {
                format!("{:.3}", rng.next())
            };
            let y = if i % 60 == 9 {
                (*word).to_string()
            } else {
                u8::from(x + 0.3 * rng.next() > 0.65).to_string()
            };
            let amount = if i % 80 == 5 {
                (*word).to_string()
            } else {
                format!("{:.2}", 10.0 * x + 5.0 * rng.next())
            };
            csv.push_str(&format!("{x:.3},{z},{y},{amount}\n"));
        }
        let data = write(dir.path(), &format!("stray{v}.csv"), &csv);
        let out = dir.path().join(format!("stray{v}"));
        let (o, summary) = train(&data, "y", &out, &[]);
        assert_eq!(summary["task"], "binary", "`{word}`");
        assert_eq!(
            summary["classes"],
            serde_json::json!(["0", "1"]),
            "`{word}`"
        );
        assert_eq!(summary["dropped_rows"], 4, "`{word}`");
        let said = format!(
            "target `y`: 4 values that are not numbers (`{word}`) were read as missing; their \
             rows are left out"
        );
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(stderr.contains(&said), "`{word}`: {stderr}");
        // New rows with another word in the target are scored on the rest.
        let other = words[(v + 1) % words.len()];
        let fresh = csv.replace(&format!(",{word},"), &format!(",{other},"));
        let fresh = write(dir.path(), &format!("fresh{v}.csv"), &fresh);
        let eval = evaluate_json(&out.join("model.mlpilot"), &fresh);
        assert_eq!(
            (eval["rows"].clone(), eval["missing_target"].clone()),
            (236.into(), 4.into())
        );
        let warned = eval["warnings"].as_array().unwrap();
        assert!(
            warned
                .iter()
                .any(|w| w.as_str().unwrap().contains(&format!("(`{other}`)"))),
            "{warned:?}"
        );
        // A regression target with stray words trains on the rows that hold a number.
        let (o, summary) = train(&data, "amount", &dir.path().join(format!("reg{v}")), &[]);
        assert_eq!(summary["task"], "regression", "`{word}`");
        assert_eq!(summary["dropped_rows"], 3, "`{word}`");
        assert!(String::from_utf8_lossy(&o.stderr).contains("target `amount`: 3 values"));
    }
}

/// UCI-style tables: a third of a numeric feature and of a regression target is `?`. The
/// feature is used as numbers (not hundreds of labels), the target trains on its numbers, and
/// predicting a row whose feature is `?` works, with a warning that names it.
#[test]
fn a_third_of_words_for_no_value_is_a_column_of_numbers_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(5);
    let mut csv = String::from("dose,other,effect\n");
    for i in 0..300 {
        let dose = 10.0 * rng.next();
        let effect = 2.0 * dose + 8.0 * rng.next();
        let shown = if i % 3 == 0 {
            "?".to_string()
        } else {
            format!("{dose:.2}")
        };
        let effect = if i % 3 == 1 {
            "?".to_string()
        } else {
            format!("{effect:.2}")
        };
        csv.push_str(&format!("{shown},{:.3},{effect}\n", rng.next()));
    }
    let data = write(dir.path(), "uci.csv", &csv);
    let out = dir.path().join("uci");
    let (_, summary) = train(&data, "effect", &out, &[]);
    assert_eq!(summary["task"], "regression");
    assert_eq!(summary["dropped_rows"], 100);
    let steps = summary["preprocessing"].to_string();
    assert!(steps.contains("100 missing `dose` values"), "{steps}");
    // The feature carries the signal as a number, despite a third missing.
    assert_eq!(summary["importances"][0][0], "dose", "{summary}");
    assert!(summary["cv_score"].as_f64().unwrap() > 0.3, "{summary}");
    let rows = write(dir.path(), "new.csv", "dose,other\n?,0.5\n4.2,0.1\n");
    let o = mlpilot()
        .arg("predict")
        .arg(out.join("model.mlpilot"))
        .arg(&rows)
        .output()
        .unwrap();
    let predicted = ok(&o);
    assert_eq!(predicted.lines().count(), 3, "{predicted}");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("`dose`") && stderr.contains("`?`"),
        "{stderr}"
    );
}

/// New labelled rows whose target of labels holds `?`, `n/a` or `-` are scored on the other
/// rows with a warning (they were refused: "`?` is not one of the training classes"); a word
/// that could be a class is still refused, naming it.
#[test]
fn marks_for_no_value_in_a_target_of_labels_are_left_out_when_scoring() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(9);
    let mut csv = String::from("x,z,y\n");
    for _ in 0..200 {
        let x = rng.next();
        let y = if x + 0.3 * rng.next() > 0.65 {
            "yes"
        } else {
            "no"
        };
        csv.push_str(&format!("{x:.3},{:.3},{y}\n", rng.next()));
    }
    let data = write(dir.path(), "labels.csv", &csv);
    let out = dir.path().join("labels");
    let (_, summary) = train(&data, "y", &out, &[]);
    assert_eq!(summary["task"], "binary");
    let mut fresh = csv.clone();
    for (i, mark) in ["?", "n/a", "-"].iter().enumerate() {
        fresh.push_str(&format!("0.{i}5,0.5,{mark}\n"));
    }
    let fresh = write(dir.path(), "fresh.csv", &fresh);
    let eval = evaluate_json(&out.join("model.mlpilot"), &fresh);
    assert_eq!(
        (eval["rows"].clone(), eval["missing_target"].clone()),
        (200.into(), 3.into())
    );
    let warned = eval["warnings"].to_string();
    assert!(
        warned.contains("3 marks for no value (`?`, `n/a`, `-`)"),
        "{warned}"
    );
    let maybe = write(dir.path(), "maybe.csv", &format!("{csv}0.5,0.5,maybe\n"));
    let o = mlpilot()
        .arg("evaluate")
        .arg(out.join("model.mlpilot"))
        .arg(&maybe)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("`maybe` is not one of"));
}

#[test]
fn numbers_in_locale_formats_are_read_as_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(3);
    // Thousands separators, quoted, in a comma-separated file; the target too.
    let mut us = String::from("size,region,price\n");
    // Decimal commas in a `;`-separated file.
    let mut eu = String::from("size;region;y\n");
    for _ in 0..300 {
        let size = 500.0 + 4500.0 * rng.next();
        let price = 1.7 * size + 2500.0 * rng.next();
        let region = if rng.next() < 0.5 { "north" } else { "south" };
        us.push_str(&format!(
            "\"{}\",{region},\"{}\"\n",
            thousands(size),
            thousands(price)
        ));
        let s = 50.0 * rng.next();
        let y = u8::from(s + 10.0 * rng.next() > 30.0);
        eu.push_str(&format!(
            "{};{region};{y}\n",
            format!("{s:.2}").replace('.', ",")
        ));
    }
    let us = write(dir.path(), "us.csv", &us);
    let eu = write(dir.path(), "eu.csv", &eu);

    let o = mlpilot()
        .arg("profile")
        .arg(&us)
        .args(["--target", "price", "--json"])
        .output()
        .unwrap();
    let p: serde_json::Value = serde_json::from_str(&ok(&o)).unwrap();
    assert_eq!(p["columns"][0]["kind"], "float");
    assert!(
        p["columns"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("`,` as thousands separator"),
        "{}",
        p["columns"][0]["reason"]
    );
    assert_eq!(p["target"]["task"], "regression");
    let max = p["columns"][2]["numeric"]["max"].as_f64().unwrap();
    assert!(max > 1000.0, "{max}");

    let out = dir.path().join("us");
    let (o, summary) = train(&us, "price", &out, &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("column `size`: numbers written with"),
        "{stderr}"
    );
    assert!(summary["cv_score"].as_f64().unwrap() > 0.5, "{summary}");
    assert!(
        summary["notes"][0]
            .as_str()
            .unwrap()
            .contains("thousands separator"),
        "{}",
        summary["notes"]
    );
    // Predicting reads the same file the same way.
    ok(&mlpilot()
        .arg("predict")
        .arg(out.join("model.mlpilot"))
        .arg(&us)
        .output()
        .unwrap());

    let o = mlpilot()
        .arg("profile")
        .arg(&eu)
        .args(["--json"])
        .output()
        .unwrap();
    let p: serde_json::Value = serde_json::from_str(&ok(&o)).unwrap();
    assert_eq!(p["columns"][0]["kind"], "float");
    let reason = p["columns"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("decimal commas") && reason.contains("`;`-separated"),
        "{reason}"
    );
    let (_, summary) = train(&eu, "y", &dir.path().join("eu"), &[]);
    assert!(summary["cv_score"].as_f64().unwrap() > 0.8, "{summary}");
    assert!(
        summary["preprocessing"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["column"] != "size" || s["step"] != "drop"),
        "{}",
        summary["preprocessing"]
    );

    // Separators that read both ways: the `;` decides, the note says so, --decimal overrides.
    let mut amb = String::from("amount;y\n");
    for i in 0..40 {
        amb.push_str(&format!("{},{:03};{}\n", 1 + i % 9, (i * 37) % 1000, i % 2));
    }
    let amb = write(dir.path(), "amb.csv", &amb);
    let o = mlpilot().arg("profile").arg(&amb).output().unwrap();
    let text = ok(&o);
    assert!(
        text.contains("could be read either way") && text.contains("--decimal point"),
        "{text}"
    );
    let max_of = |extra: &[&str]| {
        let o = mlpilot()
            .arg("profile")
            .arg(&amb)
            .arg("--json")
            .args(extra)
            .output()
            .unwrap();
        let p: serde_json::Value = serde_json::from_str(&ok(&o)).unwrap();
        p["columns"][0]["numeric"]["max"].as_f64().unwrap()
    };
    assert!(max_of(&[]) < 10.0);
    assert!(max_of(&["--decimal", "point"]) > 1000.0);
}

fn thousands(v: f64) -> String {
    let whole = v.trunc() as u64;
    let s = whole.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out}.{:02}", ((v.fract() * 100.0).round() as u64).min(99))
}

#[test]
fn near_duplicate_labels_are_flagged_and_merged_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(11);
    let mut csv = String::from("x,answer\n");
    let yes = ["Yes", "yes", "YES", " yes"];
    let no = ["No", "no ", "NO"];
    for _ in 0..300 {
        let x = rng.next();
        let k = (rng.next() * 4.0) as usize;
        let label = if x > 0.5 { yes[k % 4] } else { no[k % 3] };
        csv.push_str(&format!("{x:.4},\"{label}\"\n"));
    }
    let data = write(dir.path(), "answers.csv", &csv);
    let o = mlpilot()
        .arg("profile")
        .arg(&data)
        .args(["--target", "answer"])
        .output()
        .unwrap();
    let text = ok(&o);
    assert!(
        text.contains("labels that differ only in case or spaces")
            && text.contains("--merge-labels"),
        "{text}"
    );
    let (o, summary) = train(&data, "answer", &dir.path().join("a"), &[]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("differ only in case"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(summary["classes"].as_array().unwrap().len() >= 6);
    let (_, merged) = train(&data, "answer", &dir.path().join("b"), &["--merge-labels"]);
    let classes = merged["classes"].as_array().unwrap();
    assert_eq!(classes.len(), 2, "{classes:?}");
    assert!(merged["cv_score"].as_f64().unwrap() > 0.95);
    assert!(
        merged["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("labels merged")),
        "{}",
        merged["notes"]
    );
}

#[test]
fn rare_positives_get_a_decision_threshold_that_predict_uses() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(5);
    let mut csv = String::from("a,b,c,y\n");
    let mut positives = 0;
    for i in 0..2000 {
        let pos = i % 250 == 7;
        positives += usize::from(pos);
        let shift = if pos { 2.0 } else { 0.0 };
        // Overlapping normal-like features: the positives rank high but rarely above 0.5.
        let mut normal = || (0..12).map(|_| rng.next()).sum::<f64>() - 6.0;
        let (a, c) = (shift + normal(), shift * 0.75 + normal());
        csv.push_str(&format!(
            "{a:.4},{:.4},{c:.4},{}\n",
            0.5 + normal(),
            u8::from(pos)
        ));
    }
    assert_eq!(positives, 8);
    let data = write(dir.path(), "rare.csv", &csv);
    let o = mlpilot()
        .arg("profile")
        .arg(&data)
        .args(["--target", "y"])
        .output()
        .unwrap();
    let text = ok(&o);
    assert!(
        text.contains("extreme imbalance") && text.contains("`1` has 8 of 2,000 rows (0.40%)"),
        "{text}"
    );
    let out = dir.path().join("rare");
    let (o, summary) = train(&data, "y", &out, &[]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("extreme imbalance"));
    let t = &summary["decision_threshold"];
    assert_eq!(t["metric"], "f1", "{summary}");
    let threshold = t["threshold"].as_f64().unwrap();
    assert!(threshold > 0.0 && threshold < 0.5, "{threshold}");
    assert!(ok(&o).contains("decision threshold"));
    let text = ok(&mlpilot()
        .arg("predict")
        .arg(out.join("model.mlpilot"))
        .arg(&data)
        .arg("--proba")
        .output()
        .unwrap());
    // Every row is labelled by the stored threshold, not by 0.5.
    let mut predicted_positive = 0;
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let p1: f64 = f[2].parse().unwrap();
        assert_eq!(f[0] == "1", p1 >= threshold, "{line}");
        predicted_positive += usize::from(f[0] == "1");
    }
    assert!(predicted_positive >= 1);
}

#[test]
fn quoted_headers_mean_the_same_column_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(9);
    let mut csv = String::from("\"say \"\"hi\"\"\",\"a, b\",y\n");
    let mut json = Vec::new();
    for _ in 0..120 {
        let x = rng.next();
        let z = rng.next();
        let y = u8::from(x > 0.5);
        csv.push_str(&format!("{x:.4},{z:.4},{y}\n"));
        json.push(serde_json::json!({"say \"hi\"": x, "a, b": z}));
    }
    let data = write(dir.path(), "quoted.csv", &csv);
    let o = mlpilot()
        .arg("profile")
        .arg(&data)
        .arg("--json")
        .output()
        .unwrap();
    let p: serde_json::Value = serde_json::from_str(&ok(&o)).unwrap();
    assert_eq!(p["columns"][0]["name"], "say \"hi\"");
    assert_eq!(p["columns"][1]["name"], "a, b");
    let out = dir.path().join("q");
    train(&data, "y", &out, &[]);
    let jpath = write(
        dir.path(),
        "rows.json",
        &serde_json::to_string(&json).unwrap(),
    );
    let text = ok(&mlpilot()
        .arg("predict")
        .arg(out.join("model.mlpilot"))
        .arg(&jpath)
        .output()
        .unwrap());
    assert_eq!(text.lines().count(), 121);
    let wrong = serde_json::json!([{"say \"\"hi\"\"": 0.3, "a, b": 0.2}]);
    let wpath = write(dir.path(), "wrong.json", &wrong.to_string());
    let o = mlpilot()
        .arg("predict")
        .arg(out.join("model.mlpilot"))
        .arg(&wpath)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() || stderr.contains("say \"hi\""),
        "a doubled-quote name is not the column: {stderr}"
    );
}

#[test]
fn explain_json_explains_every_row_or_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(13);
    let mut csv = String::from("x,z,y\n");
    for _ in 0..40 {
        let x = rng.next();
        csv.push_str(&format!("{x:.4},{:.4},{}\n", rng.next(), u8::from(x > 0.4)));
    }
    let data = write(dir.path(), "small.csv", &csv);
    let out = dir.path().join("e");
    train(&data, "y", &out, &[]);
    let rows_of = |extra: &[&str]| {
        let o = mlpilot()
            .arg("explain")
            .arg(out.join("model.mlpilot"))
            .arg(&data)
            .args(extra)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&ok(&o)).unwrap();
        (
            v["rows"].as_array().unwrap().len(),
            v["sentences"].as_array().unwrap().len(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (rows, sentences, _) = rows_of(&["--json"]);
    assert_eq!((rows, sentences), (40, 40));
    let (rows, _, note) = rows_of(&["--json", "--limit", "7"]);
    assert_eq!(rows, 7);
    assert!(note.contains("7 of the 40 rows"), "{note}");
    let (rows, _, _) = rows_of(&["--json", "--row", "3", "--row", "9"]);
    assert_eq!(rows, 2);
}

#[test]
fn forecasting_reads_day_first_dates_and_says_what_it_merged() {
    let dir = tempfile::tempdir().unwrap();
    // 60 days from 1 January 2023 written dd/mm/yyyy, with 13/01 onwards deciding day-first;
    // two days appear twice.
    let mut csv = String::from("day,sales\n");
    let mut future = String::from("day\n");
    for i in 0..66u32 {
        let (m, d) = match i {
            0..31 => (1, i + 1),
            31..59 => (2, i - 30),
            _ => (3, i - 58),
        };
        let line = format!("{d:02}/{m:02}/2023");
        let v = 100.0 + f64::from(i) + if i % 7 == 0 { 15.0 } else { 0.0 };
        if i < 60 {
            csv.push_str(&format!("{line},{v}\n"));
            if i == 5 || i == 40 {
                csv.push_str(&format!("{line},{}\n", v + 10.0));
            }
        } else {
            future.push_str(&format!("{line}\n"));
        }
    }
    let data = write(dir.path(), "daily.csv", &csv);
    let out = dir.path().join("f");
    let run = |extra: &[&str]| {
        mlpilot()
            .arg("run")
            .arg(&data)
            .args([
                "--task",
                "forecast",
                "--target",
                "sales",
                "--time-column",
                "day",
            ])
            .args(["--horizon", "6", "--out"])
            .arg(&out)
            .args(extra)
            .output()
            .unwrap()
    };
    let o = run(&[]);
    let text = ok(&o);
    assert!(text.contains("day/month/year"), "{text}");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("2 times had more than one row"), "{stderr}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["series"][0]["points"], 60);
    assert_eq!(summary["date_format"], "day_month_year");
    let merged = &summary["series"][0]["duplicate_times"];
    assert_eq!(merged["rows"], 2);
    assert_eq!(merged["how"], "mean");
    assert_eq!(merged["examples"][0], "06/01/2023");
    let fpath = write(dir.path(), "future.csv", &future);
    let text = ok(&mlpilot()
        .arg("predict")
        .arg(out.join("model.mlpilot"))
        .arg(&fpath)
        .output()
        .unwrap());
    assert_eq!(text.lines().count(), 7, "{text}");

    // A target the file lacks is named with the file and the columns.
    let o = mlpilot()
        .arg("run")
        .arg(&data)
        .args(["--target", "price", "--max-trials", "2"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("no column named `price` in `") && stderr.contains("daily.csv"),
        "{stderr}"
    );
    let o = run(&["--duplicate-times", "refuse"]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("`06/01/2023`"), "{stderr}");
}
