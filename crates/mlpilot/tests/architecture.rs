//! `docs/architecture.md`'s crate graph is the one the `crates/*/Cargo.toml` manifests declare,
//! and no arrow points up a level.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The workspace crates each `crates/*/Cargo.toml` lists under `[dependencies]`, by package name.
fn manifests() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut graph = BTreeMap::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let manifest = entry.unwrap().path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let mut name = None;
        let mut deps = BTreeSet::new();
        let mut section = String::new();
        for line in text.lines().map(str::trim) {
            if line.starts_with('[') {
                section = line.to_string();
                continue;
            }
            let key = line.split(['=', '.', ' ']).next().unwrap_or("");
            if section == "[package]" && key == "name" {
                name = line.split('"').nth(1).map(str::to_string);
            }
            if section == "[dependencies]" && (key == "mlpilot" || key.starts_with("mlpilot-")) {
                deps.insert(key.to_string());
            }
        }
        graph.insert(name.expect("a package name"), deps);
    }
    graph
}

/// The table under "The crate graph": crate → (level, dependencies).
fn documented() -> BTreeMap<String, (u32, BTreeSet<String>)> {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/architecture.md"),
    )
    .unwrap();
    let section = doc
        .split("## The crate graph")
        .nth(1)
        .expect("docs/architecture.md has a crate graph")
        .split("\n## ")
        .next()
        .unwrap();
    let mut table = BTreeMap::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let name = cells[1].trim_matches('`').to_string();
        let level: u32 = cells[2].parse().unwrap();
        let deps = cells[3]
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty() && *d != "—")
            .map(|d| {
                if d == "mlpilot" {
                    d.to_string()
                } else {
                    format!("mlpilot-{d}")
                }
            })
            .collect();
        table.insert(name, (level, deps));
    }
    table
}

#[test]
fn the_documented_crate_graph_is_the_real_one() {
    let real = manifests();
    let doc = documented();
    let doc_names: BTreeSet<&String> = doc.keys().collect();
    let real_names: BTreeSet<&String> = real.keys().collect();
    assert_eq!(doc_names, real_names, "crates documented vs crates/*");
    for (name, deps) in &real {
        assert_eq!(
            &doc[name].1, deps,
            "`{name}`: docs/architecture.md lists other dependencies than its Cargo.toml"
        );
    }
}

#[test]
fn no_crate_depends_on_one_above_it() {
    let doc = documented();
    for (name, (level, deps)) in &doc {
        for d in deps {
            let (dl, _) = doc
                .get(d)
                .unwrap_or_else(|| panic!("`{name}` → unknown `{d}`"));
            assert!(
                dl < level,
                "`{name}` (level {level}) depends on `{d}` (level {dl}): an arrow points up"
            );
        }
    }
}
