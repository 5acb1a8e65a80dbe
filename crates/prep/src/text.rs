//! Fitted TF-IDF text vectorisation: word n-grams and character n-grams within words.
//!
//! Terms are counted by a 64-bit hash (cheap, no allocation per occurrence); the vocabulary keeps
//! the text of the terms it uses, most frequent first, so that explanations can name words.

use std::collections::HashMap;
use std::sync::OnceLock;

use mlpilot_core::Column;
use serde::{Deserialize, Serialize};

use crate::plan::TfidfOptions;

const WORD_SEED: u64 = 0x9e37_79b9_7f4a_7c15;
const CHAR_SEED: u64 = 0xc2b2_ae3d_27d4_eb4f;

fn hash_bytes(seed: u64, parts: &[&[u8]]) -> u64 {
    // FNV-1a over the parts with a separator, then a final avalanche (splitmix64).
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h = (h ^ 0x20).wrapping_mul(0x0100_0000_01b3);
        }
        for &b in *p {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Lowercased word tokens of at least two characters (letters and digits).
fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| t.chars().nth(1).is_some())
        .map(str::to_lowercase)
        .collect()
}

/// Calls `f(hash, make_text)` for every term occurrence of `text`.
fn for_each_term(text: &str, o: &TfidfOptions, f: &mut dyn FnMut(u64, &dyn Fn() -> String)) {
    let toks = tokens(text);
    let (lo, hi) = o.word_ngrams;
    for n in lo.max(1)..=hi {
        for w in toks.windows(n) {
            let parts: Vec<&[u8]> = w.iter().map(|t| t.as_bytes()).collect();
            f(hash_bytes(WORD_SEED, &parts), &|| w.join(" "));
        }
    }
    if let Some((clo, chi)) = o.char_ngrams {
        for t in &toks {
            let padded: Vec<char> = std::iter::once(' ')
                .chain(t.chars())
                .chain(std::iter::once(' '))
                .collect();
            for n in clo.max(1)..=chi {
                for w in padded.windows(n) {
                    let s: String = w.iter().collect();
                    f(hash_bytes(CHAR_SEED, &[s.as_bytes()]), &|| format!("#{s}"));
                }
            }
        }
    }
}

/// Receives each row's sparse entries.
pub(crate) type RowSink<'a> = dyn FnMut(usize, &[(u32, f64)]) + 'a;

/// A term index rebuilt from the vocabulary on first use (not serialised).
#[derive(Debug, Clone, Default)]
pub struct TermIndex(OnceLock<HashMap<u64, u32>>);

impl PartialEq for TermIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// A fitted TF-IDF vectoriser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextFit {
    /// The terms, most frequent first; character n-grams start with `#`.
    pub terms: Vec<String>,
    /// Term hashes, parallel to `terms`.
    pub hashes: Vec<u64>,
    /// Inverse document frequency per term: `ln((1 + n) / (1 + df)) + 1`.
    pub idf: Vec<f64>,
    /// The options it was fitted with.
    pub options: TfidfOptions,
    /// Training documents.
    pub n_docs: usize,
    /// Missing training documents (treated as empty).
    pub n_missing: usize,
    #[serde(skip)]
    index: TermIndex,
}

impl TextFit {
    /// Fits the vocabulary on training documents, keeping at most `max_terms` terms.
    pub(crate) fn fit(col: &Column, options: &TfidfOptions, max_terms: usize) -> TextFit {
        let (dict, codes) = crate::read::read_labels(col);
        // Document frequency per term, counted once per distinct document text and weighted by
        // how many rows hold it.
        let mut rows_per_doc = vec![0usize; dict.len()];
        let mut n_missing = 0;
        for &c in &codes {
            match rows_per_doc.get_mut(c as usize) {
                Some(n) => *n += 1,
                None => n_missing += 1,
            }
        }
        let mut df: HashMap<u64, usize> = HashMap::new();
        let mut text: HashMap<u64, String> = HashMap::new();
        for (doc, &weight) in dict.iter().zip(&rows_per_doc) {
            if weight == 0 {
                continue;
            }
            let mut seen: Vec<u64> = Vec::new();
            for_each_term(doc, options, &mut |h, make| {
                seen.push(h);
                text.entry(h).or_insert_with(make);
            });
            seen.sort_unstable();
            seen.dedup();
            for h in seen {
                *df.entry(h).or_insert(0) += weight;
            }
        }
        let n_docs = codes.len();
        let mut vocab: Vec<(u64, usize)> = df
            .into_iter()
            .filter(|(_, d)| *d >= options.min_df)
            .collect();
        vocab.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| text.get(&a.0).cmp(&text.get(&b.0)))
        });
        vocab.truncate(max_terms);
        let idf = vocab
            .iter()
            .map(|(_, d)| ((1.0 + n_docs as f64) / (1.0 + *d as f64)).ln() + 1.0)
            .collect();
        let terms = vocab
            .iter()
            .map(|(h, _)| text.get(h).cloned().unwrap_or_default())
            .collect();
        let hashes = vocab.iter().map(|(h, _)| *h).collect();
        TextFit {
            terms,
            hashes,
            idf,
            options: options.clone(),
            n_docs,
            n_missing,
            index: TermIndex::default(),
        }
    }

    fn index(&self) -> &HashMap<u64, u32> {
        self.index.0.get_or_init(|| {
            self.hashes
                .iter()
                .enumerate()
                .map(|(i, h)| (*h, i as u32))
                .collect()
        })
    }

    /// Output columns.
    pub fn width(&self) -> usize {
        self.terms.len()
    }

    /// The L2-normalised TF-IDF vector of one document, as sorted (term, weight) pairs.
    pub fn vectorize(&self, doc: &str) -> Vec<(u32, f64)> {
        let index = self.index();
        let mut counts: Vec<u32> = Vec::new();
        for_each_term(doc, &self.options, &mut |h, _| {
            if let Some(&i) = index.get(&h) {
                counts.push(i);
            }
        });
        counts.sort_unstable();
        let mut out: Vec<(u32, f64)> = Vec::new();
        let mut k = 0;
        while let Some(&t) = counts.get(k) {
            let mut j = k;
            while counts.get(j) == Some(&t) {
                j += 1;
            }
            let tf = (j - k) as f64;
            let tf = if self.options.sublinear_tf {
                1.0 + tf.ln()
            } else {
                tf
            };
            out.push((t, tf * self.idf.get(t as usize).copied().unwrap_or(1.0)));
            k = j;
        }
        let norm = out.iter().map(|(_, v)| v * v).sum::<f64>().sqrt();
        if norm > 0.0 {
            out.iter_mut().for_each(|(_, v)| *v /= norm);
        }
        out
    }

    /// Vectorises each row: `out(row, entries)`.
    pub(crate) fn transform(&self, col: &Column, out: &mut RowSink<'_>) {
        let (dict, codes) = crate::read::read_labels(col);
        let mut cache: Vec<Option<Vec<(u32, f64)>>> = vec![None; dict.len()];
        for (i, &c) in codes.iter().enumerate() {
            match (cache.get_mut(c as usize), dict.get(c as usize)) {
                (Some(slot), Some(doc)) => {
                    let v = slot.get_or_insert_with(|| self.vectorize(doc));
                    out(i, v);
                }
                _ => out(i, &[]),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tfidf_known_answer() {
        let opts = TfidfOptions {
            word_ngrams: (1, 1),
            char_ngrams: None,
            min_df: 1,
            sublinear_tf: false,
            ..Default::default()
        };
        let col = Column::from_strs("t", ["good food", "bad food", "good good"]);
        let f = TextFit::fit(&col, &opts, 100);
        // df: food 2, good 2, bad 1 → order food, good (ties by text), bad.
        assert_eq!(f.terms, vec!["food", "good", "bad"]);
        let idf_food = (4.0f64 / 3.0).ln() + 1.0;
        let idf_bad = (4.0f64 / 2.0).ln() + 1.0;
        assert!((f.idf[0] - idf_food).abs() < 1e-12);
        let v = f.vectorize("bad food");
        let norm = (idf_food * idf_food + idf_bad * idf_bad).sqrt();
        assert_eq!(v.len(), 2);
        assert!((v[0].1 - idf_food / norm).abs() < 1e-12);
        assert!((v[1].1 - idf_bad / norm).abs() < 1e-12);
        assert!(f.vectorize("unknown words only").is_empty());
    }

    #[test]
    fn bigrams_and_char_grams() {
        let opts = TfidfOptions {
            min_df: 1,
            char_ngrams: Some((2, 4)),
            ..Default::default()
        };
        let col = Column::from_strs("t", ["not good", "not bad"]);
        let f = TextFit::fit(&col, &opts, 10_000);
        assert!(f.terms.iter().any(|t| t == "not good"));
        assert!(f.terms.iter().any(|t| t == "# n"));
        let small = TextFit::fit(&col, &opts, 3);
        assert_eq!(small.width(), 3);
    }
}
