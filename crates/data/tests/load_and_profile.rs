//! Loading every format, profiling real data, and every bad input the input layer must refuse
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! clearly (or handle) without panicking.

use std::io::Write;
use std::path::{Path, PathBuf};

use mlpilot_core::{ColumnData, ColumnKind, ErrorKind, Task};
use mlpilot_data::{ProfileOptions, load, load_and_profile, load_frame, profile_frame};

fn repo_dataset(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets")
        .join(name)
        .display()
        .to_string()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    let mut f = std::fs::File::create(&p).unwrap();
    f.write_all(bytes).unwrap();
    p
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn titanic_profile_is_right() {
    let (frame, p) = load_and_profile(&repo_dataset("titanic.csv"), Some("target")).unwrap();
    assert_eq!(frame.n_rows(), 1309);
    assert_eq!((p.n_rows, p.n_cols), (1309, 6));
    let kind = |c: &str| p.column(c).unwrap().kind;
    assert_eq!(kind("pclass"), ColumnKind::Categorical);
    assert_eq!(kind("sex"), ColumnKind::Categorical);
    assert_eq!(kind("age"), ColumnKind::Float);
    assert_eq!(kind("sibsp"), ColumnKind::Integer);
    let age = p.column("age").unwrap();
    assert_eq!(age.missing, 263);
    let stats = age.numeric.unwrap();
    assert!(
        (stats.quantiles.p50 - 28.0).abs() < 1e-9,
        "{}",
        stats.quantiles.p50
    );
    let t = p.target.as_ref().unwrap();
    assert_eq!(t.task, Task::Binary);
    assert_eq!(t.classes[0].value, "died");
    assert_eq!(t.classes[0].count, 809);
    // Sex is the most informative feature of survival on the Titanic.
    assert_eq!(t.feature_relations[0].feature, "sex");
    assert!(t.leakage_suspects.is_empty());
    // Age is missing for 263 passengers: impute, with an indicator (20 % missing).
    // The planner's suggestions (this crate leaves them to it).
    assert!(p.suggestions.preprocessing.is_empty());
    let suggested = mlpilot_prep::suggestions_for(&p).unwrap();
    assert!(
        suggested
            .iter()
            .any(|s| s.column == "age" && s.action.as_str() == "add missing indicator"),
        "{suggested:?}"
    );
    assert!(
        suggested
            .iter()
            .any(|s| s.column == "age" && s.action.as_str() == "impute median")
    );
}

#[test]
fn iris_suggests_its_target() {
    let (_, p) = load_and_profile(&repo_dataset("iris.csv"), None).unwrap();
    let s = p.suggestions.target.unwrap();
    assert_eq!(s.column, "target");
    assert_eq!(s.task, Task::Multiclass);
    // Petal length and width are almost perfectly correlated.
    let r = &p.relations[0];
    assert!(r.value.abs() > 0.9, "{r:?}");
}

#[test]
fn profile_json_round_trip() {
    let (_, p) = load_and_profile(&repo_dataset("titanic.csv"), Some("target")).unwrap();
    let json = serde_json::to_string(&p).unwrap();
    let back: mlpilot_core::DatasetProfile = serde_json::from_str(&json).unwrap();
    assert_eq!(back, p);
}

#[test]
fn tsv_semicolon_and_headerless() {
    let dir = tempfile::tempdir().unwrap();
    let tsv = write(dir.path(), "a.tsv", b"x\ty\n1\ta\n2\tb\n");
    let (f, _) = load_frame(&s(&tsv)).unwrap();
    assert_eq!(f.names(), vec!["x", "y"]);
    let semi = write(dir.path(), "b.csv", b"x;y\n1,5;a\n2,5;b\n");
    let (f, _) = load_frame(&s(&semi)).unwrap();
    assert_eq!(f.names(), vec!["x", "y"]);
    let nohead = write(dir.path(), "c.csv", b"1,2.5\n3,4.5\n5,6.5\n");
    let (f, _) = load_frame(&s(&nohead)).unwrap();
    assert_eq!(f.n_rows(), 3);
}

#[test]
fn json_ndjson_and_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let j = write(
        dir.path(),
        "a.json",
        br#"[{"a": 1, "b": "x"}, {"a": 2, "b": null}]"#,
    );
    let (f, _) = load_frame(&s(&j)).unwrap();
    assert_eq!(f.n_rows(), 2);
    assert_eq!(f.column("b").unwrap().null_count(), 1);
    let nd = write(dir.path(), "a.ndjson", b"{\"a\": 1.5}\n{\"a\": 2}\n\n");
    let (f, _) = load_frame(&s(&nd)).unwrap();
    assert_eq!(f.n_rows(), 2);
    // Parquet written by polars from a loaded CSV reads back identically.
    let table = load(&repo_dataset("iris.csv")).unwrap();
    let mut df = table.into_dataframe().unwrap();
    let pq = dir.path().join("iris.parquet");
    let file = std::fs::File::create(&pq).unwrap();
    polars::prelude::ParquetWriter::new(file)
        .finish(&mut df)
        .unwrap();
    let (f, _) = load_frame(&s(&pq)).unwrap();
    assert_eq!(f.n_rows(), 150);
    assert_eq!(f.names().len(), 5);
}

#[test]
fn sqlite_table_and_query() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE orders (id INTEGER, amount REAL, city TEXT, qty INTEGER);
         INSERT INTO orders VALUES (1, 9.5, 'Paris', 2), (2, NULL, 'Rome', 3), (3, 4, NULL, NULL);",
    )
    .unwrap();
    drop(conn);
    let url = format!("sqlite://{}?table=orders", db.display());
    let (f, _) = load_frame(&url).unwrap();
    assert_eq!(f.n_rows(), 3);
    assert!(matches!(
        f.column("amount").unwrap().data(),
        ColumnData::Float(_)
    ));
    assert!(matches!(
        f.column("qty").unwrap().data(),
        ColumnData::Int(_)
    ));
    assert!(matches!(
        f.column("city").unwrap().data(),
        ColumnData::Str(_)
    ));
    let url = format!(
        "sqlite://{}?query=SELECT%20city,%20qty%20FROM%20orders%20WHERE%20qty%20>%202",
        db.display()
    );
    let (f, _) = load_frame(&url).unwrap();
    assert_eq!(f.n_rows(), 1);

    let err = load(&format!("sqlite://{}?table=nope", db.display())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(
        err.to_string().contains("table `nope` does not exist")
            && err.to_string().contains("orders"),
        "{err}"
    );
    let err = load(&format!("sqlite://{}?query=SELEC%20nonsense", db.display())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("SQL"), "{err}");
    let err = load(&format!(
        "sqlite://{}/missing.db?table=t",
        dir.path().display()
    ))
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn text_folder_with_labels() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("pos")).unwrap();
    std::fs::create_dir(dir.path().join("neg")).unwrap();
    write(&dir.path().join("pos"), "1.txt", b"great food");
    write(&dir.path().join("pos"), "2.txt", b"loved it");
    write(&dir.path().join("neg"), "1.txt", b"awful \xe9"); // Latin-1 byte
    write(dir.path(), ".hidden", b"skip me");
    let (f, _) = load_frame(&s(dir.path())).unwrap();
    assert_eq!(f.n_rows(), 3);
    assert_eq!(f.names(), vec!["file", "text", "label"]);
    assert_eq!(f.column("label").unwrap().str_at(0).as_deref(), Some("neg"));
    assert_eq!(
        f.column("text").unwrap().str_at(0).as_deref(),
        Some("awful é")
    );
}

fn expect_err(path: &str, kind: ErrorKind, needle: &str) {
    let err = load(path).unwrap_err();
    assert_eq!(err.kind(), kind, "{err}");
    assert!(err.to_string().contains(needle), "`{needle}` not in: {err}");
    assert!(
        err.to_string().contains(path) || err.context_value("file").is_some(),
        "error must name the file: {err}"
    );
}

#[test]
fn bad_inputs_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.csv", b"");
    expect_err(&s(&empty), ErrorKind::InvalidInput, "is empty");
    let header = write(dir.path(), "header.csv", b"a,b,c\n");
    expect_err(&s(&header), ErrorKind::InvalidInput, "no data rows");
    let garbage = write(
        dir.path(),
        "garbage.csv",
        &[0x00, 0xff, 0x13, 0x37, 0x00, 0x42, 0x99],
    );
    expect_err(&s(&garbage), ErrorKind::Format, "binary");
    expect_err(
        &s(&dir.path().join("nope.csv")),
        ErrorKind::NotFound,
        "no such file",
    );
    let fake_pq = write(dir.path(), "fake.parquet", b"a,b\n1,2\n");
    expect_err(&s(&fake_pq), ErrorKind::Format, "not a Parquet file");
    let bad_json = write(dir.path(), "bad.json", b"[{\"a\": 1}, {\"a\": }]");
    expect_err(&s(&bad_json), ErrorKind::Format, "malformed JSON");
    let bad_nd = write(dir.path(), "bad.ndjson", b"{\"a\": 1}\n{oops}\n");
    expect_err(&s(&bad_nd), ErrorKind::Format, "line 2");
    let empty_dir = dir.path().join("nothing");
    std::fs::create_dir(&empty_dir).unwrap();
    expect_err(
        &s(&empty_dir),
        ErrorKind::InvalidInput,
        "holds no text files",
    );
}

#[test]
fn awkward_but_usable_inputs() {
    let dir = tempfile::tempdir().unwrap();
    // Non-UTF-8 bytes: decoded as Latin-1 with a note.
    let latin = write(
        dir.path(),
        "latin.csv",
        b"city,n\nM\xfcnchen,1\nK\xf6ln,2\n",
    );
    let (f, notes) = load_frame(&s(&latin)).unwrap();
    assert_eq!(
        f.column("city").unwrap().str_at(0).as_deref(),
        Some("München")
    );
    assert!(notes.iter().any(|n| n.contains("Latin-1")), "{notes:?}");
    // Ragged rows: extra fields dropped, with a note; short rows padded with missing values.
    let ragged = write(dir.path(), "ragged.csv", b"a,b\n1,2\n3,4,5\n6\n");
    match load_frame(&s(&ragged)) {
        Ok((f, notes)) => {
            assert_eq!(f.n_cols(), 2);
            assert!(notes.iter().any(|n| n.contains("more fields")), "{notes:?}");
        }
        Err(e) => assert!(e.to_string().contains("ragged.csv"), "{e}"),
    }
    // Duplicate column names are renamed.
    let dup = write(dir.path(), "dup.csv", b"a,a,b\n1,2,3\n4,5,6\n");
    let (f, notes) = load_frame(&s(&dup)).unwrap();
    assert_eq!(f.names(), vec!["a", "a_2", "b"]);
    assert!(notes.iter().any(|n| n.contains("renamed")));
    // Quoted newlines.
    let quoted = write(
        dir.path(),
        "quoted.csv",
        b"id,text\n1,\"line one\nline two\"\n2,plain\n",
    );
    let (f, _) = load_frame(&s(&quoted)).unwrap();
    assert_eq!(f.n_rows(), 2);
    assert_eq!(
        f.column("text").unwrap().str_at(0).as_deref(),
        Some("line one\nline two")
    );
    // inf and -inf are numbers, counted as infinite in the profile.
    let inf = write(dir.path(), "inf.csv", b"x,y\n1,a\ninf,b\n-inf,c\n2.5,d\n");
    let (f, _) = load_frame(&s(&inf)).unwrap();
    let p = profile_frame(&f, "inf.csv", &ProfileOptions::default()).unwrap();
    assert_eq!(p.column("x").unwrap().numeric.unwrap().infinite, 2);
}

#[test]
fn mixed_missing_and_wide_columns() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("code,mixed,empty,y\n");
    for i in 0..3000 {
        let mixed = if i == 2500 {
            "unknown".to_string()
        } else {
            (i % 7).to_string()
        };
        let y = if i % 10 == 0 {
            String::new()
        } else {
            ((i * 7) % 3).to_string()
        };
        csv.push_str(&format!("C{i:05},{mixed},,{y}\n"));
    }
    let p = write(dir.path(), "mixed.csv", csv.as_bytes());
    let (frame, _) = load_frame(&s(&p)).unwrap();
    let prof = profile_frame(&frame, "mixed.csv", &ProfileOptions::with_target(Some("y"))).unwrap();
    assert_eq!(prof.column("code").unwrap().kind, ColumnKind::Identifier);
    let mixed = prof.column("mixed").unwrap();
    assert_eq!(mixed.kind, ColumnKind::Integer, "{}", mixed.reason());
    assert!(mixed.reason().contains("`unknown`"), "{}", mixed.reason());
    assert_eq!(prof.column("empty").unwrap().kind, ColumnKind::Constant);
    let t = prof.target.clone().unwrap();
    assert_eq!(t.missing, 300);
    assert_eq!(t.task, Task::Multiclass);
    assert!(
        mlpilot_prep::suggestions_for(&prof)
            .unwrap()
            .iter()
            .any(|s| s.column == "code" && s.action.as_str() == "drop")
    );
}

#[test]
fn unknown_target_is_named() {
    let (frame, _) = load_frame(&repo_dataset("iris.csv")).unwrap();
    let err = profile_frame(
        &frame,
        "iris.csv",
        &ProfileOptions::with_target(Some("nope")),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(
        err.to_string().contains("`nope`") && err.to_string().contains("`target`"),
        "{err}"
    );
}

#[test]
fn leakage_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("x,copy,y\n");
    for i in 0..200 {
        let y = if (i * 37) % 100 < 40 { "yes" } else { "no" };
        let copy = if y == "yes" { "Y" } else { "N" };
        csv.push_str(&format!("{},{copy},{y}\n", (i * 13) % 17));
    }
    let p = write(dir.path(), "leak.csv", csv.as_bytes());
    let (frame, _) = load_frame(&s(&p)).unwrap();
    let prof = profile_frame(&frame, "leak.csv", &ProfileOptions::with_target(Some("y"))).unwrap();
    let t = prof.target.unwrap();
    assert_eq!(t.leakage_suspects.len(), 1, "{:?}", t.leakage_suspects);
    assert_eq!(t.leakage_suspects[0].feature, "copy");
}

#[test]
fn words_late_in_a_numeric_column() {
    // Past the reader's first 10,000 rows of schema inference: the column is re-read as text,
    // and profiling still sees numbers with one word.
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("n,x\n");
    for i in 0..12_000 {
        let n = if i == 11_000 {
            "n/a".to_string()
        } else {
            (i % 50).to_string()
        };
        csv.push_str(&format!("{n},{}\n", i % 3));
    }
    let p = write(dir.path(), "late.csv", csv.as_bytes());
    let (frame, notes) = load_frame(&s(&p)).unwrap();
    assert!(
        notes.iter().any(|n| n.contains("mix numbers and words")),
        "{notes:?}"
    );
    let prof = profile_frame(&frame, "late.csv", &ProfileOptions::default()).unwrap();
    let n = prof.column("n").unwrap();
    assert_eq!(n.kind, ColumnKind::Integer, "{}", n.reason());
    assert!(n.reason().contains("`n/a`"), "{}", n.reason());
}

/// Stray words among numbers (`n/a`, `?`, `-` …) are missing values wherever they are: the
/// profile counts them as missing (not as distinct or top values), a feature says so in its
/// reason, and a 0/1 target stays binary with a warning that names them.
#[test]
fn stray_words_among_numbers_are_missing_values() {
    let dir = tempfile::tempdir().unwrap();
    for word in ["n/a", "?", "-", "NA", "none", "N.A.", "missing", "."] {
        let mut csv = String::from("f,label\n");
        for i in 0..200 {
            let f = if i % 40 == 3 {
                word.to_string()
            } else {
                (i % 7).to_string()
            };
            let label = if i % 50 == 9 {
                word
            } else if i % 3 == 0 {
                "1"
            } else {
                "0"
            };
            csv.push_str(&format!("{f},{label}\n"));
        }
        let p = write(dir.path(), "stray.csv", csv.as_bytes());
        let (_, prof) = load_and_profile(&s(&p), Some("label")).unwrap();
        let f = prof.column("f").unwrap();
        assert_eq!(f.kind, ColumnKind::Integer, "`{word}`: {}", f.reason());
        assert_eq!((f.missing, f.distinct), (5, 7), "`{word}`: {f:?}");
        assert!(
            f.top_values.iter().all(|v| v.value != word),
            "`{word}`: {:?}",
            f.top_values
        );
        let label = prof.column("label").unwrap();
        assert_eq!(
            label.kind,
            ColumnKind::Boolean,
            "`{word}`: {}",
            label.reason()
        );
        assert_eq!((label.missing, label.distinct), (4, 2), "`{word}`");
        let t = prof.target.as_ref().unwrap();
        assert_eq!(t.task, mlpilot_core::Task::Binary, "`{word}`");
        assert_eq!(t.missing, 4);
        let classes: Vec<&str> = t.classes.iter().map(|c| c.value.as_str()).collect();
        assert_eq!(classes, ["0", "1"], "`{word}`");
        // `NA` the CSV reader already reads as missing; the rest are stray words.
        let lines: Vec<String> = t.warning_lines().collect();
        let warned = lines.contains(&format!(
            "target `label`: 4 values that are not numbers (`{word}`) were read as missing; \
             their rows are left out"
        ));
        assert_eq!(warned, word != "NA", "`{word}`: {lines:?}");
    }
    // Too many other words to be a column of numbers: the words are values (labels) like the
    // rest. Words for "no value" in any number (a fifth `n/a`, UCI's `?` in a third of the
    // rows) leave a column of numbers with that many missing.
    let column = |word: &str, every: usize| {
        let mut csv = String::from("mixed\n");
        for i in 0..300 {
            if i % every == 0 {
                csv.push_str(&format!("{word}\n"));
            } else {
                csv.push_str(&format!("{}\n", i % 4));
            }
        }
        let p = write(dir.path(), "mixed.csv", csv.as_bytes());
        let (_, prof) = load_and_profile(&s(&p), None).unwrap();
        prof.column("mixed").unwrap().clone()
    };
    let m = column("low", 5);
    assert_eq!(
        (m.kind, m.missing, m.distinct),
        (ColumnKind::Categorical, 0, 5),
        "{m:?}"
    );
    for (word, every, missing) in [("n/a", 5, 60), ("?", 3, 100)] {
        let m = column(word, every);
        assert_eq!(
            (m.kind, m.missing, m.distinct),
            (ColumnKind::Integer, missing, 4),
            "{m:?}"
        );
    }
}

#[test]
fn large_files_are_profiled_from_a_sample_with_exact_counts() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("a,b,w,v,p,y\n");
    for i in 0..10_000 {
        let b = if i % 4 == 0 {
            String::new()
        } else {
            format!("{}", i % 13)
        };
        // Stray words among numbers: 110 `?` in `w`, of which the sample of every 10th row
        // holds 10 (rows 0, 1000, …), and one `n/a` in `v` that the sample misses.
        let w = if i % 1000 == 0 || i % 100 == 7 {
            "?".to_string()
        } else {
            format!("{}", i % 7)
        };
        let v = if i == 4_321 {
            "n/a".to_string()
        } else {
            format!("{}.5", i % 9)
        };
        // Numbers with a space before them, and the same stray words as `w`.
        let p = if i % 1000 == 0 || i % 100 == 7 {
            "?".to_string()
        } else {
            format!(" {}", i % 7)
        };
        csv.push_str(&format!(
            "{},{b},{w},{v},{p},{}\n",
            i as f64 * 0.5,
            if i % 3 == 0 { "x" } else { "z" }
        ));
    }
    let p = write(dir.path(), "big.csv", csv.as_bytes());
    let large = mlpilot_data::LargeFileOptions {
        threshold_bytes: 0,
        sample_rows: 1_000,
    };
    let (sample, prof) = mlpilot_data::load_and_profile_with(&s(&p), Some("y"), &large).unwrap();
    assert_eq!(prof.n_rows, 10_000);
    assert_eq!(prof.sampled_rows, Some(1_000));
    assert_eq!(sample.n_rows(), 1_000);
    assert_eq!(prof.column("b").unwrap().missing, 2_500);
    // Exact: the nulls and the stray words, where the sample saw stray words.
    let w = prof.column("w").unwrap();
    assert_eq!(
        (w.kind, w.missing, w.distinct),
        (ColumnKind::Integer, 110, 7),
        "{w:?}"
    );
    assert_eq!(w.missing_fraction, 0.011);
    // Polars reads ` 3` as no number: its count would be nearly every row, so the sample's
    // share estimates the stray words instead (10 in 1,000 sampled rows: 100; exact: 110).
    let p_col = prof.column("p").unwrap();
    assert_eq!(p_col.kind, ColumnKind::Integer, "{p_col:?}");
    assert!((100..=110).contains(&p_col.missing), "{p_col:?}");
    let v = prof.column("v").unwrap();
    assert_eq!((v.kind, v.missing), (ColumnKind::Float, 0), "{v:?}");
    assert!(
        prof.notes.iter().any(|n| n.contains("every 10th row")),
        "{:?}",
        prof.notes
    );
    assert_eq!(prof.target.unwrap().task, Task::Binary);
}

/// Words for "no value" in any number, UCI style (a third `?`): a column of numbers with a
/// third missing in a small file, in a large file profiled from a sample (counted exactly), and
/// in a `;` file of decimal commas; a flag of one number and `-` stays two labels.
#[test]
fn a_third_of_words_for_no_value_leaves_a_column_of_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("w,flag,y\n");
    let mut semi = String::from("x;y\n");
    for i in 0..6_000 {
        let w = if i % 3 == 0 {
            "?".to_string()
        } else {
            format!("{}", i % 7)
        };
        let flag = if (i / 3) % 2 == 0 { "1" } else { "-" };
        csv.push_str(&format!("{w},{flag},{}\n", (i / 7) % 2));
        if i < 300 {
            let x = if i % 3 == 0 {
                "?".to_string()
            } else {
                format!("{},5", i % 11)
            };
            semi.push_str(&format!("{x};{}\n", i % 2));
        }
    }
    let p = write(dir.path(), "uci.csv", csv.as_bytes());
    let (_, small) = load_and_profile(&s(&p), Some("y")).unwrap();
    let large_opts = mlpilot_data::LargeFileOptions {
        threshold_bytes: 0,
        sample_rows: 600,
    };
    let (_, large) = mlpilot_data::load_and_profile_with(&s(&p), Some("y"), &large_opts).unwrap();
    for prof in [&small, &large] {
        let w = prof.column("w").unwrap();
        assert_eq!(
            (w.kind, w.missing, w.distinct),
            (ColumnKind::Integer, 2_000, 7),
            "{w:?}"
        );
        let flag = prof.column("flag").unwrap();
        assert_eq!((flag.missing, flag.distinct), (0, 2), "{flag:?}");
    }
    let p = write(dir.path(), "uci_semicolon.csv", semi.as_bytes());
    let (_, prof) = load_and_profile(&s(&p), Some("y")).unwrap();
    let x = prof.column("x").unwrap();
    assert_eq!((x.kind, x.missing), (ColumnKind::Float, 100), "{x:?}");
    assert!(x.read_as.is_some(), "{x:?}");
}

/// Every column's kind is the one its fact decides, on every bundled table and on invented
/// ones that take the other rules (dates, ids, codes, text, a constant, numbers in a locale's
/// style, stray words among numbers); a column the reader converted says how before its kind.
#[test]
fn each_kind_is_the_one_its_fact_decides() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = String::from("id;when;code;note;same;price;score;y\n");
    for i in 0..60 {
        let score = if i == 7 {
            "n/a".to_string()
        } else {
            (i % 9).to_string()
        };
        rows.push_str(&format!(
            "{};2024-01-{:02};{};a longer note with several words number {i};k;{},{};{score};{}\n",
            1000 + i,
            1 + i % 28,
            i % 4,
            10 + i,
            i % 10,
            if i % 3 == 0 { "yes" } else { "no" }
        ));
    }
    let invented = write(dir.path(), "invented.csv", rows.as_bytes());
    let mut seen = std::collections::HashSet::new();
    for path in [
        repo_dataset("titanic.csv"),
        repo_dataset("iris.csv"),
        repo_dataset("diabetes.csv"),
        repo_dataset("sunspots.csv"),
        s(&invented),
    ] {
        let (_, p) = load_and_profile(&path, None).unwrap();
        for c in &p.columns {
            assert_eq!(c.why.kind(), c.kind, "{path} `{}`: {:?}", c.name, c.why);
            seen.insert(c.kind);
        }
    }
    for kind in [
        ColumnKind::Identifier,
        ColumnKind::Datetime,
        ColumnKind::Text,
        ColumnKind::Constant,
        ColumnKind::Boolean,
        ColumnKind::Float,
        ColumnKind::Integer,
    ] {
        assert!(seen.contains(&kind), "no {kind:?} column among {seen:?}");
    }
    let (_, p) = load_and_profile(&s(&invented), None).unwrap();
    let price = p.column("price").unwrap();
    assert!(price.read_as.is_some(), "{price:?}");
    assert!(
        price
            .reason()
            .starts_with("decimal commas (`10,0`) in a `;`-separated file; decimal numbers"),
        "{}",
        price.reason()
    );
    let score = p.column("score").unwrap();
    assert_eq!(
        score.reason(),
        // `n/a` is a missing value, not a tenth distinct one.
        "whole numbers, 9 distinct → integer; 1 non-numeric value (`n/a`) treated as missing"
    );
    assert_eq!(score.missing, 1);
    let y = p.column("y").unwrap();
    assert_eq!(y.kind, ColumnKind::Boolean, "{}", y.reason());
    let target = p.suggestions.target.as_ref().unwrap();
    assert_eq!(target.column, "y");
    assert_eq!(
        target.reason(),
        "it is named `y` and it is the last column; the target has two values → binary classification"
    );
}
