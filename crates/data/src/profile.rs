//! Profiling: per-column statistics, kinds, relations, the target, and suggestions.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use mlpilot_core::datetime::{DateFormat, detect_date_format, parse_datetime};
use mlpilot_core::facts::{
    KindFact, LeakageFact, NotNumbers, TargetChoiceFact, TargetName, TargetWarning,
};
use mlpilot_core::frame::format_category_f64;
use mlpilot_core::profile::{
    ColumnProfile, DatetimeStats, FeatureRelation, NumericStats, Outliers, Quantiles, Relation,
    RelationMeasure, Suggestions, TargetProfile, TargetSuggestion, TextStats, ValueCount,
};
use mlpilot_core::{
    Column, ColumnData, ColumnKind, DatasetProfile, Error, ErrorKind, Frame, Result, Task,
};

use crate::infer::{ColumnFacts, infer_kind, task_for_target};
use crate::stats::{
    MISSING, correlation_ratio, cramers_v, entropy, moments, mutual_information, pearson,
    quantile_bins, quantile_sorted, ranks_with_missing,
};

/// Options of [`profile_frame`].
#[derive(Debug, Clone)]
pub struct ProfileOptions {
    /// The target column, when known.
    pub target: Option<String>,
    /// Relations are measured on at most this many rows (evenly spaced) of larger tables.
    pub max_relation_rows: usize,
    /// Relations are measured among at most this many feature columns (the first ones).
    pub max_relation_columns: usize,
    /// How many top values to keep per column.
    pub top_k: usize,
    /// Columns read as categories whatever their values look like (a refinement's
    /// `sibsp (categories)`, whose labels are digits).
    pub categorical: Vec<String>,
}

impl Default for ProfileOptions {
    fn default() -> Self {
        ProfileOptions {
            target: None,
            max_relation_rows: 100_000,
            max_relation_columns: 60,
            top_k: 10,
            categorical: Vec::new(),
        }
    }
}

impl ProfileOptions {
    /// Options with a target column.
    pub fn with_target(target: Option<&str>) -> Self {
        ProfileOptions {
            target: target.map(str::to_string),
            ..Default::default()
        }
    }
}

/// IQR multiplier for outliers.
pub const IQR_K: f64 = 1.5;
/// Robust z-score threshold for outliers (Iglewicz and Hoaglin).
pub const ROBUST_Z: f64 = 3.5;

/// A column prepared for relation measures.
#[derive(Debug, Clone)]
enum Prepared {
    Numeric(Vec<f64>),
    Codes(Vec<u32>, usize),
    None,
}

struct Analyzed {
    profile: ColumnProfile,
    prepared: Prepared,
    all_nonneg_small: bool,
    /// Stray words in a column of numbers, counted as missing.
    not_numbers: Option<NotNumbers>,
}

fn hash_f64(v: f64) -> u64 {
    if v == 0.0 { 0 } else { v.to_bits() }
}

/// The column's values as numbers: NaN for missing values and for text that is not a number.
fn numeric_values(col: &Column) -> Vec<f64> {
    col.to_f64()
        .into_iter()
        .map(|x| x.unwrap_or(f64::NAN))
        .collect()
}

fn top_counts<K: Clone + Eq + Hash + Ord>(counts: &HashMap<K, usize>, k: usize) -> Vec<(K, usize)> {
    let mut v: Vec<(K, usize)> = counts.iter().map(|(a, b)| (a.clone(), *b)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(k);
    v
}

fn numeric_stats(finite_sorted: &[f64], all: &[f64]) -> NumericStats {
    let (mean, std, skew) = moments(finite_sorted);
    let q = |p: f64| quantile_sorted(finite_sorted, p);
    let quantiles = Quantiles {
        p01: q(0.01),
        p05: q(0.05),
        p25: q(0.25),
        p50: q(0.5),
        p75: q(0.75),
        p95: q(0.95),
        p99: q(0.99),
    };
    let iqr = quantiles.p75 - quantiles.p25;
    let (lo, hi) = (quantiles.p25 - IQR_K * iqr, quantiles.p75 + IQR_K * iqr);
    let iqr_count = finite_sorted.iter().filter(|&&v| v < lo || v > hi).count();
    let med = quantiles.p50;
    let mut dev: Vec<f64> = finite_sorted.iter().map(|v| (v - med).abs()).collect();
    dev.sort_by(f64::total_cmp);
    let mad = quantile_sorted(&dev, 0.5);
    let robust_z_count = if mad > 0.0 {
        finite_sorted
            .iter()
            .filter(|&&v| (0.6745 * (v - med) / mad).abs() > ROBUST_Z)
            .count()
    } else {
        0
    };
    NumericStats {
        min: finite_sorted.first().copied().unwrap_or(f64::NAN),
        max: finite_sorted.last().copied().unwrap_or(f64::NAN),
        mean,
        std,
        quantiles,
        skew,
        zeros: finite_sorted.iter().filter(|&&v| v == 0.0).count(),
        infinite: all.iter().filter(|v| v.is_infinite()).count(),
        outliers: Outliers {
            iqr_k: IQR_K,
            iqr_low: lo,
            iqr_high: hi,
            iqr_count,
            robust_z_threshold: ROBUST_Z,
            robust_z_count,
        },
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    quantile_sorted(&v, 0.5)
}

fn analyze(
    col: &Column,
    n_rows: usize,
    opts: &ProfileOptions,
    rows: &Option<Vec<usize>>,
) -> Analyzed {
    let top_k = opts.top_k;
    let name = col.name().to_string();
    let dtype = col.data().type_name().to_string();
    let missing = col.null_count();
    let mut facts = ColumnFacts {
        name: name.clone(),
        dtype: dtype.clone(),
        n_rows,
        missing,
        ..Default::default()
    };

    let Counted {
        str_counts,
        num_counts,
        numeric,
    } = count_values(col, top_k, &mut facts);
    let mut why = infer_kind(&facts);
    if why.kind().is_numeric() && opts.categorical.contains(&facts.name) {
        why = KindFact::CodesAsAsked {
            distinct: facts.distinct,
        };
    }

    // Top values with counts.
    let top_values: Vec<ValueCount> = if matches!(col.data(), ColumnData::Str(_)) {
        top_counts(&str_counts, top_k)
            .into_iter()
            .map(|(k, c)| ValueCount {
                value: k.to_string(),
                count: c,
            })
            .collect()
    } else {
        top_counts(&num_counts, top_k)
            .into_iter()
            .zip(&facts.top)
            .map(|((_, c), v)| ValueCount {
                value: v.clone(),
                count: c,
            })
            .collect()
    };

    // Stray words in a column of numbers are counted as missing by now.
    let missing = facts.missing;
    let mut profile = ColumnProfile {
        name,
        kind: why.kind(),
        why,
        read_as: None,
        dtype,
        missing,
        missing_fraction: if n_rows > 0 {
            missing as f64 / n_rows as f64
        } else {
            0.0
        },
        distinct: facts.distinct,
        top_values,
        numeric: None,
        text: None,
        datetime: None,
    };

    let (prepared, all_nonneg_small) = kind_statistics(col, &facts, &numeric, &mut profile);
    // Relations use only the evenly spaced rows; keep just those.
    let prepared = match prepared {
        Prepared::Numeric(v) => Prepared::Numeric(subset(&v, rows)),
        Prepared::Codes(c, k) => Prepared::Codes(subset(&c, rows), k),
        Prepared::None => Prepared::None,
    };
    Analyzed {
        profile,
        prepared,
        all_nonneg_small,
        not_numbers: facts.not_numbers,
    }
}

/// A column's values counted: by text for strings, by value for the rest, with the numbers
/// read from it.
struct Counted<'a> {
    str_counts: HashMap<&'a str, usize>,
    num_counts: HashMap<u64, usize>,
    numeric: Vec<f64>,
}

/// Counts a column's distinct and top values and fills the facts the kind rules read from
/// them: the share of numbers, date format and text lengths (strings), whole numbers and order.
fn count_values<'a>(col: &'a Column, top_k: usize, facts: &mut ColumnFacts) -> Counted<'a> {
    let mut str_counts: HashMap<&str, usize> = HashMap::new();
    let mut num_counts: HashMap<u64, usize> = HashMap::new();
    let mut numeric: Vec<f64> = Vec::new();
    if let ColumnData::Str(v) = col.data() {
        for (value, count) in v.dict().iter().zip(v.counts()) {
            if count > 0 {
                str_counts.insert(value.as_str(), count);
            }
        }
        // Numbers in strings: decided on the distinct values (cheap for categories).
        let mut n_num = 0usize;
        for (k, c) in &str_counts {
            if mlpilot_core::frame::parse_number(k).is_some() {
                n_num += c;
            }
        }
        let present = facts.n_rows - facts.missing;
        facts.numeric_share = if present > 0 {
            n_num as f64 / present as f64
        } else {
            0.0
        };
        if let Some(stray) = mlpilot_core::frame::stray_words(col) {
            // A column of numbers with stray words (`n/a`, `?`): those are missing values, not
            // values of their own, so they leave the counts of values for the count of missing.
            str_counts.retain(|k, _| mlpilot_core::frame::parse_number(k).is_some());
            facts.missing += stray.count;
            // Every present value left is a number (words for "no value" can be any share).
            facts.numeric_share = 1.0;
            facts.not_numbers = Some(stray);
        }
        facts.distinct = str_counts.len();
        let top = top_counts(&str_counts, top_k);
        facts.top = top.iter().map(|(k, _)| (*k).to_string()).collect();
        if facts.numeric_share >= mlpilot_core::frame::NUMBER_SHARE {
            numeric = numeric_values(col);
        } else {
            // Dates: detect on a sample of the distinct values, in dictionary order.
            let mut distinct: Vec<&str> = str_counts.keys().copied().collect();
            distinct.sort_unstable();
            let sample: Vec<&str> = distinct
                .iter()
                .step_by((distinct.len() / 500).max(1))
                .copied()
                .collect();
            facts.date_format = detect_date_format(sample.iter().copied(), 0.9);
            let lens: Vec<f64> = sample.iter().map(|s| s.chars().count() as f64).collect();
            let words: Vec<f64> = sample
                .iter()
                .map(|s| s.split_whitespace().count() as f64)
                .collect();
            facts.median_len = median(lens);
            facts.median_words = median(words);
        }
    } else {
        let vals = numeric_values(col);
        for v in vals.iter().filter(|v| !v.is_nan()) {
            *num_counts.entry(hash_f64(*v)).or_insert(0) += 1;
        }
        facts.distinct = num_counts.len();
        let top = top_counts(&num_counts, top_k);
        facts.top = top
            .iter()
            .map(|(bits, _)| match col.data() {
                ColumnData::Bool(_) => (f64::from_bits(*bits) != 0.0).to_string(),
                ColumnData::Datetime(_) => {
                    mlpilot_core::frame::format_datetime_ms(f64::from_bits(*bits) as i64)
                }
                _ => format_category_f64(f64::from_bits(*bits)),
            })
            .collect();
        facts.numeric_share = 1.0;
        numeric = vals;
    }
    if !numeric.is_empty() {
        let present: Vec<f64> = numeric.iter().copied().filter(|v| !v.is_nan()).collect();
        facts.all_integer = present.iter().all(|v| v.is_finite() && v.fract() == 0.0);
        facts.monotone = present.len() > 2
            && (present.windows(2).all(|w| matches!(w, [a, b] if b > a))
                || present.windows(2).all(|w| matches!(w, [a, b] if b < a)));
    }
    Counted {
        str_counts,
        num_counts,
        numeric,
    }
}

/// The statistics of the column's kind (numeric, date, text), the values prepared for the
/// relations, and whether its numbers are small and non-negative (a class-like target).
fn kind_statistics(
    col: &Column,
    facts: &ColumnFacts,
    numeric: &[f64],
    profile: &mut ColumnProfile,
) -> (Prepared, bool) {
    let kind = profile.kind;
    let mut prepared = Prepared::None;
    let mut all_nonneg_small = false;
    match kind {
        ColumnKind::Integer
        | ColumnKind::Float
        | ColumnKind::Identifier
        | ColumnKind::Constant
        | ColumnKind::Boolean
            if !numeric.is_empty() =>
        {
            let mut finite: Vec<f64> = numeric.iter().copied().filter(|v| v.is_finite()).collect();
            finite.sort_by(f64::total_cmp);
            if !finite.is_empty() {
                profile.numeric = Some(numeric_stats(&finite, numeric));
            }
            all_nonneg_small = finite.first().is_some_and(|v| *v >= 0.0)
                && finite.last().is_some_and(|v| *v <= 100.0);
            if kind == ColumnKind::Boolean {
                prepared = codes_from_numeric(numeric);
            } else if kind.is_numeric() {
                prepared = Prepared::Numeric(
                    numeric
                        .iter()
                        .map(|v| if v.is_finite() { *v } else { f64::NAN })
                        .collect(),
                );
            }
        }
        ColumnKind::Datetime => {
            let ms: Vec<f64> = match col.data() {
                ColumnData::Str(v) => {
                    let fmt = facts.date_format.map_or(DateFormat::Iso, |(f, _)| f);
                    v.iter()
                        .map(|s| {
                            s.and_then(|t| parse_datetime(t, fmt))
                                .map_or(f64::NAN, |x| x as f64)
                        })
                        .collect()
                }
                _ => numeric.to_vec(),
            };
            profile.datetime = Some(datetime_stats(&ms));
        }
        ColumnKind::Text => {
            if let ColumnData::Str(v) = col.data() {
                profile.text = Some(text_stats(v));
            }
        }
        ColumnKind::Categorical | ColumnKind::Boolean => {
            if let ColumnData::Str(v) = col.data() {
                prepared = Prepared::Codes(v.codes().to_vec(), v.dict().len());
            }
        }
        _ => {}
    }
    (prepared, all_nonneg_small)
}

fn codes_from_numeric(values: &[f64]) -> Prepared {
    let mut map: HashMap<u64, u32> = HashMap::new();
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup();
    for (i, v) in sorted.iter().enumerate() {
        map.insert(hash_f64(*v), i as u32);
    }
    let codes = values
        .iter()
        .map(|v| {
            if v.is_nan() {
                MISSING
            } else {
                map.get(&hash_f64(*v)).copied().unwrap_or(MISSING)
            }
        })
        .collect();
    Prepared::Codes(codes, sorted.len())
}

fn datetime_stats(ms: &[f64]) -> DatetimeStats {
    let mut v: Vec<f64> = ms.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v.dedup();
    let fmt = |x: Option<&f64>| {
        x.map_or_else(String::new, |m| {
            mlpilot_core::frame::format_datetime_ms(*m as i64)
        })
    };
    let mut steps: HashMap<i64, usize> = HashMap::new();
    for w in v.windows(2) {
        if let [a, b] = w {
            *steps.entry(((b - a) / 1000.0).round() as i64).or_insert(0) += 1;
        }
    }
    let typical = steps
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(s, _)| s as f64);
    DatetimeStats {
        min: fmt(v.first()),
        max: fmt(v.last()),
        typical_step_secs: typical,
    }
}

fn text_stats(values: &mlpilot_core::StrColumn) -> TextStats {
    let present: Vec<&str> = values.iter().flatten().collect();
    let lens: Vec<f64> = present.iter().map(|s| s.chars().count() as f64).collect();
    let words: f64 = present
        .iter()
        .map(|s| s.split_whitespace().count() as f64)
        .sum();
    let mut vocab = std::collections::HashSet::new();
    for s in present.iter().take(2000) {
        for w in s
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            vocab.insert(w.to_lowercase());
        }
    }
    TextStats {
        median_length: median(lens),
        mean_words: if present.is_empty() {
            0.0
        } else {
            words / present.len() as f64
        },
        vocabulary: vocab.len(),
    }
}

/// Folds one column into per-row hashes, so that duplicate rows can be counted without holding
/// every column at once.
fn update_row_hashes(hashes: &mut [u64], col: &Column) {
    for (i, h) in hashes.iter_mut().enumerate() {
        let mut s = std::collections::hash_map::DefaultHasher::new();
        match col.data() {
            ColumnData::Str(v) => v.get(i).hash(&mut s),
            ColumnData::Int(v) | ColumnData::Datetime(v) => v.get(i).hash(&mut s),
            ColumnData::Bool(v) => v.get(i).hash(&mut s),
            ColumnData::Float(v) => v.get(i).map(|x| x.map(hash_f64)).hash(&mut s),
        }
        *h = h.rotate_left(5) ^ s.finish().wrapping_mul(0x0100_0000_01b3);
    }
}

fn evenly_spaced(n: usize, k: usize) -> Option<Vec<usize>> {
    if n <= k {
        return None;
    }
    Some((0..k).map(|i| i * n / k).collect())
}

fn subset<T: Copy>(v: &[T], rows: &Option<Vec<usize>>) -> Vec<T> {
    match rows {
        None => v.to_vec(),
        Some(r) => r.iter().filter_map(|&i| v.get(i).copied()).collect(),
    }
}

fn relations(analyzed: &[Analyzed], skip: Option<usize>, max_cols: usize) -> Vec<Relation> {
    struct Item<'a> {
        name: &'a str,
        num: Option<(&'a [f64], Vec<f64>)>,
        codes: Option<(&'a [u32], usize)>,
    }
    let items: Vec<Item<'_>> = analyzed
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != skip)
        .filter_map(|(_, a)| match &a.prepared {
            Prepared::Numeric(v) => {
                let r = ranks_with_missing(v);
                Some(Item {
                    name: &a.profile.name,
                    num: Some((v, r)),
                    codes: None,
                })
            }
            Prepared::Codes(c, k) => Some(Item {
                name: &a.profile.name,
                num: None,
                codes: Some((c, *k)),
            }),
            Prepared::None => None,
        })
        .take(max_cols)
        .collect();
    let mut out = Vec::new();
    for (i, a) in items.iter().enumerate() {
        for b in items.iter().skip(i + 1) {
            let mut push = |measure, value: f64| {
                if value.is_finite() {
                    out.push(Relation {
                        a: a.name.to_string(),
                        b: b.name.to_string(),
                        measure,
                        value,
                    });
                }
            };
            match (&a.num, &a.codes, &b.num, &b.codes) {
                (Some((x, rx)), _, Some((y, ry)), _) => {
                    push(RelationMeasure::Pearson, pearson(x, y));
                    push(RelationMeasure::Spearman, pearson(rx, ry));
                }
                (_, Some((ca, ka)), _, Some((cb, kb))) => {
                    push(RelationMeasure::CramersV, cramers_v(ca, *ka, cb, *kb))
                }
                (Some((x, _)), _, _, Some((c, k))) | (_, Some((c, k)), Some((x, _)), _) => {
                    push(
                        RelationMeasure::CorrelationRatio,
                        correlation_ratio(c, *k, x),
                    );
                }
                _ => {}
            }
        }
    }
    out.sort_by(|x, y| {
        y.value
            .abs()
            .total_cmp(&x.value.abs())
            .then_with(|| x.a.cmp(&y.a))
            .then_with(|| x.b.cmp(&y.b))
    });
    out.retain(|r| r.value.abs() >= 0.05);
    out.truncate(200);
    out
}

fn target_codes(t: &Analyzed, task: Task) -> Option<(Vec<u32>, usize)> {
    match (&t.prepared, task) {
        (Prepared::Codes(c, k), _) => Some((c.clone(), *k)),
        (Prepared::Numeric(v), Task::Binary | Task::Multiclass) => match codes_from_numeric(v) {
            Prepared::Codes(c, k) => Some((c, k)),
            _ => None,
        },
        (Prepared::Numeric(v), _) => {
            let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
            s.sort_by(f64::total_cmp);
            Some(quantile_bins(v, &s, 16))
        }
        _ => None,
    }
}

fn target_profile(analyzed: &[Analyzed], ti: usize) -> Result<Option<TargetProfile>> {
    let Some(t) = analyzed.get(ti) else {
        return Ok(None);
    };
    let Some((task, _)) = task_for_target(t.profile.kind, t.profile.distinct, t.all_nonneg_small)
    else {
        let extra = if t.profile.kind == ColumnKind::Constant {
            "; there is nothing to predict"
        } else {
            ""
        };
        return Err(Error::invalid_input(format!(
            "column `{}` cannot be a target: {}{extra}",
            t.profile.name,
            t.profile.reason()
        ))
        .with_context("column", &t.profile.name));
    };
    let classes: Vec<ValueCount> = if task.is_classification() {
        t.profile.top_values.iter().take(50).cloned().collect()
    } else {
        Vec::new()
    };
    let imbalance_ratio = if classes.len() >= 2 {
        let max = classes.first().map_or(0, |c| c.count) as f64;
        let min = classes.iter().map(|c| c.count).min().unwrap_or(1).max(1) as f64;
        Some(max / min)
    } else {
        None
    };
    let (tcodes, tk) = target_codes(t, task).unwrap_or_default();
    let h_target = entropy(&tcodes, tk);
    let tnum = match &t.prepared {
        Prepared::Numeric(v) if task == Task::Regression => Some(v.clone()),
        _ => None,
    };
    let mut feature_relations = Vec::new();
    let mut leakage = Vec::new();
    for (i, a) in analyzed.iter().enumerate() {
        if i == ti {
            continue;
        }
        let Some((measure, value, fcodes, fk)) =
            relation_to_target(&a.prepared, tnum.as_deref(), &tcodes, tk)
        else {
            continue;
        };
        let mi = mutual_information(&fcodes, fk, &tcodes, tk);
        let value = if value.is_finite() { value } else { 0.0 };
        let few_levels = a.profile.distinct * 2 < fcodes.len();
        let near_copy = value >= 0.98 || (h_target > 0.0 && mi / h_target >= 0.95 && few_levels);
        if near_copy && a.profile.kind != ColumnKind::Identifier {
            leakage.push(LeakageFact {
                feature: a.profile.name.clone(),
                target: t.profile.name.clone(),
                measure,
                value,
                information_share: if h_target > 0.0 { mi / h_target } else { 0.0 },
            });
        }
        feature_relations.push(FeatureRelation {
            feature: a.profile.name.clone(),
            measure,
            value,
            mutual_information: mi,
        });
    }
    feature_relations.sort_by(|x, y| {
        y.mutual_information
            .total_cmp(&x.mutual_information)
            .then_with(|| x.feature.cmp(&y.feature))
    });
    let mut warnings = Vec::new();
    if let Some(n) = &t.not_numbers {
        warnings.push(TargetWarning::NotNumbers {
            target: t.profile.name.clone(),
            not_numbers: n.clone(),
        });
    }
    warnings.extend(target_warnings(
        &t.profile.name,
        &classes,
        t.profile.distinct,
    ));
    Ok(Some(TargetProfile {
        name: t.profile.name.clone(),
        task,
        missing: t.profile.missing,
        classes,
        imbalance_ratio,
        feature_relations,
        leakage_suspects: leakage,
        warnings,
    }))
}

/// How a feature relates to the target: the measure (Pearson or the correlation ratio for a
/// numeric target, the correlation ratio or Cramér's V for classes), its value, and the
/// feature's codes for mutual information; `None` for a feature with nothing to measure.
fn relation_to_target(
    prepared: &Prepared,
    tnum: Option<&[f64]>,
    tcodes: &[u32],
    tk: usize,
) -> Option<(RelationMeasure, f64, Vec<u32>, usize)> {
    let related = match prepared {
        Prepared::Numeric(v) => {
            let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
            s.sort_by(f64::total_cmp);
            let (codes, k) = quantile_bins(v, &s, 16);
            match tnum {
                Some(y) => (RelationMeasure::Pearson, pearson(v, y).abs(), codes, k),
                None => (
                    RelationMeasure::CorrelationRatio,
                    correlation_ratio(tcodes, tk, v),
                    codes,
                    k,
                ),
            }
        }
        Prepared::Codes(c, k) => {
            let c = c.clone();
            match tnum {
                Some(y) => (
                    RelationMeasure::CorrelationRatio,
                    correlation_ratio(&c, *k, y),
                    c,
                    *k,
                ),
                None => (
                    RelationMeasure::CramersV,
                    cramers_v(&c, *k, tcodes, tk),
                    c,
                    *k,
                ),
            }
        }
        Prepared::None => return None,
    };
    Some(related)
}

/// Labels that differ only in case or spaces, and classes too rare to learn or to validate.
fn target_warnings(name: &str, classes: &[ValueCount], distinct: usize) -> Vec<TargetWarning> {
    let mut out: Vec<TargetWarning> = mlpilot_core::profile::label_spelling_groups(classes)
        .into_iter()
        .map(|spellings| TargetWarning::LabelSpellings {
            target: name.to_string(),
            spellings,
        })
        .collect();
    let total: usize = classes.iter().map(|c| c.count).sum();
    if classes.len() >= 2 && classes.len() == distinct && total > 0 {
        let rare: Vec<ValueCount> = classes
            .iter()
            .filter(|c| c.count < 20 || (c.count as f64) < 0.01 * total as f64)
            .cloned()
            .collect();
        if !rare.is_empty() {
            out.push(TargetWarning::RareClasses {
                target: name.to_string(),
                rare,
                total,
            });
        }
    }
    out
}

const TARGET_NAMES: [&str; 12] = [
    "target", "label", "class", "y", "outcome", "labels", "response", "churn", "survived",
    "default", "species", "price",
];

fn suggest_target(analyzed: &[Analyzed]) -> Option<TargetSuggestion> {
    let n = analyzed.len();
    let mut best: Option<(f64, Task, TargetChoiceFact)> = None;
    for (i, a) in analyzed.iter().enumerate() {
        let p = &a.profile;
        let Some((task, task_fact)) = task_for_target(p.kind, p.distinct, a.all_nonneg_small)
        else {
            continue;
        };
        if p.kind == ColumnKind::Categorical && p.distinct > 50 {
            continue;
        }
        let lname = p.name.to_ascii_lowercase();
        let mut score = 0.0;
        let name = if TARGET_NAMES.iter().take(6).any(|t| lname == *t) {
            score += 10.0;
            TargetName::Usual
        } else if TARGET_NAMES.iter().any(|t| {
            lname == *t || lname.ends_with(&format!("_{t}")) || lname.starts_with(&format!("{t}_"))
        }) {
            score += 6.0;
            TargetName::Common
        } else {
            TargetName::Plain
        };
        let last_column = i + 1 == n;
        if last_column {
            score += 3.0;
        }
        if task.is_classification() {
            score += 1.0;
        }
        score -= 5.0 * p.missing_fraction;
        if best.as_ref().is_none_or(|(s, ..)| score > *s) {
            let why = TargetChoiceFact {
                column: p.name.clone(),
                name,
                last_column,
                task: task_fact,
            };
            best = Some((score, task, why));
        }
    }
    best.map(|(_, task, why)| TargetSuggestion {
        column: why.column.clone(),
        task,
        why,
    })
}

/// Profiles a table. `source` is recorded as given.
///
/// # Errors
/// An invalid-input error when the frame has no rows or the target in `opts` cannot be a target
/// (a constant column, say); a not-found error, listing the columns, when that target is not a
/// column.
pub fn profile_frame(frame: &Frame, source: &str, opts: &ProfileOptions) -> Result<DatasetProfile> {
    let names: Vec<String> = frame.names().iter().map(|n| n.to_string()).collect();
    profile_columns(
        frame.n_rows(),
        &names,
        frame
            .columns()
            .iter()
            .map(|c| Ok(std::borrow::Cow::Borrowed(c))),
        source,
        opts,
    )
}

/// Profiles a polars DataFrame without materialising a whole [`Frame`]: each column is
/// converted, analysed and released in turn, so peak memory stays near the DataFrame's own.
///
/// # Errors
/// As [`profile_frame`], or when a column cannot be converted (see
/// [`dataframe_to_frame`](crate::convert::dataframe_to_frame)).
pub fn profile_dataframe(
    df: polars::prelude::DataFrame,
    source: &str,
    opts: &ProfileOptions,
) -> Result<DatasetProfile> {
    let n = df.height();
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let columns = df.into_columns().into_iter().map(|c| {
        let single = polars::prelude::DataFrame::new(c.len(), vec![c])
            .map_err(|e| Error::internal(format!("could not split a column: {e}")))?;
        let frame = crate::convert::dataframe_to_frame(single)?;
        frame
            .into_columns()
            .into_iter()
            .next()
            .map(std::borrow::Cow::Owned)
            .ok_or_else(|| Error::internal("a converted column vanished"))
    });
    profile_columns(n, &names, columns, source, opts)
}

fn profile_columns<'a>(
    n: usize,
    names: &[String],
    columns: impl Iterator<Item = Result<std::borrow::Cow<'a, Column>>>,
    source: &str,
    opts: &ProfileOptions,
) -> Result<DatasetProfile> {
    if n == 0 {
        return Err(
            Error::invalid_input(format!("`{source}` holds no rows to profile"))
                .with_context("file", source),
        );
    }
    let target_index = match &opts.target {
        Some(t) => Some(names.iter().position(|c| c == t).ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!(
                    "no column named `{t}` in `{source}`; the columns are: {}",
                    names
                        .iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_context("column", t)
        })?),
        None => None,
    };
    let rows = evenly_spaced(n, opts.max_relation_rows);
    let mut hashes = vec![0xcbf2_9ce4_8422_2325u64; n];
    let mut analyzed = Vec::with_capacity(names.len());
    for col in columns {
        let col = col?;
        update_row_hashes(&mut hashes, &col);
        analyzed.push(analyze(&col, n, opts, &rows));
    }
    let mut seen = std::collections::HashSet::with_capacity(hashes.len());
    let duplicate_rows = hashes.iter().filter(|h| !seen.insert(**h)).count();
    drop(seen);
    drop(hashes);

    let mut notes = Vec::new();
    if let Some(r) = &rows {
        notes.push(mlpilot_core::narration::sampled_relations(r.len(), n));
    }
    let relations = relations(&analyzed, target_index, opts.max_relation_columns);
    let target = match target_index {
        Some(ti) => target_profile(&analyzed, ti)?,
        None => None,
    };
    let suggested_target = if target.is_none() {
        suggest_target(&analyzed)
    } else {
        None
    };
    Ok(DatasetProfile {
        source: source.to_string(),
        n_rows: n,
        n_cols: names.len(),
        sampled_rows: None,
        duplicate_rows,
        columns: analyzed.into_iter().map(|a| a.profile).collect(),
        relations,
        target,
        // The preprocessing suggestions are the planner's (`mlpilot_prep::suggestions_for`):
        // this crate does not restate its rules.
        suggestions: Suggestions {
            target: suggested_target,
            preprocessing: Vec::new(),
        },
        notes,
    })
}
