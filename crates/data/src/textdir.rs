//! Reading a folder of text documents: one row per file.

use std::path::{Path, PathBuf};

use mlpilot_core::{Column, ColumnData, Error, ErrorKind, Frame, Result};

use crate::csv::latin1_to_utf8;

/// Reads every regular, non-hidden file in `dir` as one row with a `text` column and the
/// file's relative path in `file`. Files in sub-folders (one level deep) get the sub-folder's
/// name in a `label` column, so that `reviews/pos/*.txt` and `reviews/neg/*.txt` form a labelled
/// dataset. Files are read as UTF-8, or as Latin-1 when they are not valid UTF-8. Rows are
/// sorted by path so that the order does not depend on the file system.
///
/// # Errors
/// When the folder or a file cannot be read, a file looks binary (a format error), or the folder
/// holds no files (an invalid-input error).
pub fn read_text_folder(dir: &Path) -> Result<Frame> {
    let shown = dir.display().to_string();
    let mut entries: Vec<(PathBuf, Option<String>)> = Vec::new();
    for entry in read_dir_sorted(dir)? {
        if entry.is_dir() {
            let label = entry
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            for f in read_dir_sorted(&entry)? {
                if f.is_file() {
                    entries.push((f, Some(label.clone())));
                }
            }
        } else if entry.is_file() {
            entries.push((entry, None));
        }
    }
    if entries.is_empty() {
        return Err(Error::invalid_input(format!(
            "folder `{shown}` holds no text files; put one document per file in it (or in one \
             sub-folder per label)"
        ))
        .with_context("file", &shown));
    }
    let labelled = entries.iter().any(|(_, l)| l.is_some());
    let mut files = Vec::with_capacity(entries.len());
    let mut texts = Vec::with_capacity(entries.len());
    let mut labels = Vec::with_capacity(entries.len());
    for (path, label) in entries {
        let bytes = std::fs::read(&path)
            .map_err(|e| Error::from(e).with_context("file", path.display()))?;
        if bytes.contains(&0) {
            return Err(Error::new(
                ErrorKind::Format,
                format!(
                    "`{}` looks binary (it contains NUL bytes), not a text document",
                    path.display()
                ),
            )
            .with_context("file", path.display()));
        }
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => latin1_to_utf8(e.as_bytes()),
        };
        let rel = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        files.push(Some(rel));
        texts.push(Some(text));
        labels.push(label);
    }
    let mut columns = vec![
        Column::new("file", ColumnData::Str(files.into())),
        Column::new("text", ColumnData::Str(texts.into())),
    ];
    if labelled {
        columns.push(Column::new("label", ColumnData::Str(labels.into())));
    }
    Frame::new(columns)
}

fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd =
        std::fs::read_dir(dir).map_err(|e| Error::from(e).with_context("file", dir.display()))?;
    let mut out: Vec<PathBuf> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    out.sort();
    Ok(out)
}
