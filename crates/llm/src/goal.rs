//! From a goal in plain words to a task, by evidence: every column that can be a target is scored
//! by what the goal's words say about it (its name, or the idea behind it: "quit" is what an
//! `Attrition` column records), by what the goal asks for (a class or a quantity) against what
//! the column holds, and by how much it looks like an outcome; identifiers never qualify. A
//! language model adds its votes on the best few ([`crate::LlmAdvisor`]); close calls are left
//! to the person.

use mlpilot_core::profile::ColumnProfile;
use mlpilot_core::{ColumnKind, DatasetProfile, Error, Metric, Result, Task, TaskSpec};

/// Phrases a goal says in several words for one idea, and the word the rules read instead.
const PHRASES: [(&str, &str); 14] = [
    ("turn down", "reject"),
    ("turned down", "reject"),
    ("pay back", "repay"),
    ("paid back", "repay"),
    ("fail to pay", "default"),
    ("sign up", "subscribe"),
    ("drop out", "quit"),
    ("give up", "quit"),
    ("go to the doctor", "visit doctor"),
    ("see a doctor", "visit doctor"),
    ("how many times", "how often"),
    ("come from", "origin"),
    ("comes from", "origin"),
    ("do well", "good"),
];

/// Words that open a phrase about the circumstances or the owner of something ("their phone
/// plan", "on a given day", "of a house"): a column echoing the words after them is what the goal
/// is about, seldom what it asks.
const CONTEXT_MARKERS: [&str; 16] = [
    "their", "his", "her", "its", "my", "our", "your", "on", "in", "at", "during", "per", "with",
    "from", "of", "about",
];

/// Words skipped between a context marker and the words it governs.
const DETERMINERS: [&str; 8] = ["a", "an", "the", "this", "that", "given", "next", "each"];

/// The goal's words split into the words that say what it asks (first) and the words that only
/// set its context (second: the two words after a marker such as "their", "on" or "of").
pub fn split_goal(goal: &str) -> (Vec<String>, Vec<String>) {
    let mut g = goal.to_lowercase();
    for (phrase, word) in PHRASES {
        g = g.replace(phrase, word);
    }
    let raw: Vec<&str> = g
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut core = Vec::new();
    let mut context = Vec::new();
    let mut governed = 0usize;
    let mut prev = "";
    for w in raw {
        // "kind of contract" asks about the contract's kind: not context.
        let of_a_kind = w == "of" && matches!(prev, "kind" | "kinds" | "type" | "types" | "sort");
        prev = w;
        if CONTEXT_MARKERS.contains(&w) && !of_a_kind {
            governed = 2;
            continue;
        }
        if governed > 0 && DETERMINERS.contains(&w) {
            continue;
        }
        let stemmed = stems(w);
        if governed > 0 {
            governed -= 1;
            context.extend(stemmed);
        } else {
            core.extend(stemmed);
        }
    }
    context.retain(|w| !core.contains(w));
    (core, context)
}

/// Lowercase word stems of a text: split on non-alphanumerics and case changes
/// (`SalePrice` → `sale`, `price`), with a plural or verb `s`/`es`/`ing`/`ed` removed.
pub fn stems(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in text.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
        .into_iter()
        .map(|w| stem(&w))
        .filter(|w| !w.is_empty())
        .collect()
}

fn stem(w: &str) -> String {
    for suffix in ["ing", "ies", "es", "ed", "s"] {
        // `-es` is a plural only after a hissing sound ("classes", "boxes"; not "times").
        let hissing = ["s", "x", "z", "ch", "sh"];
        if suffix == "es"
            && !w
                .strip_suffix("es")
                .is_some_and(|s| hissing.iter().any(|h| s.ends_with(h)))
        {
            continue;
        }
        if w.len() > suffix.len() + 2
            && let Some(s) = w.strip_suffix(suffix)
        {
            return if suffix == "ies" {
                format!("{s}y")
            } else {
                s.to_string()
            };
        }
    }
    w.to_string()
}

const STOP: [&str; 24] = [
    "the", "a", "an", "of", "to", "for", "who", "which", "what", "will", "predict", "estimate",
    "forecast", "is", "are", "be", "how", "much", "many", "whether", "i", "want", "this", "from",
];

/// The first four characters of a word, when it has four.
fn prefix4(w: &str) -> Option<&str> {
    w.char_indices()
        .nth(4)
        .map_or((w.chars().count() == 4).then_some(w), |(i, _)| w.get(..i))
}

/// How strongly a goal names a column: 3 per column word the goal contains, 2 per shared
/// 4-letter prefix, 0 when nothing matches.
pub fn name_match(goal: &[String], column: &str) -> u32 {
    let col = stems(column);
    let mut score = 0;
    for w in col.iter().filter(|w| !STOP.contains(&w.as_str())) {
        if goal.iter().any(|g| g == w) {
            score += 3;
        } else if w.len() >= 4
            && goal
                .iter()
                .any(|g| prefix4(g).is_some() && prefix4(g) == prefix4(w))
        {
            score += 2;
        }
    }
    score
}

/// Whether a column can be a target at all: a label or a number, not an identifier (one value
/// per row under an id-like name), not free text, not a label with hundreds of values.
pub fn eligible(c: &ColumnProfile, n_rows: usize) -> bool {
    let kind_ok = matches!(
        c.kind,
        ColumnKind::Boolean | ColumnKind::Categorical | ColumnKind::Integer | ColumnKind::Float
    ) && !(c.kind == ColumnKind::Categorical && c.distinct > 100);
    kind_ok && !identifier_like(c, n_rows)
}

/// A column that names rows rather than describing them: unique (or nearly) per row with an
/// id-like name, or unique labels.
fn identifier_like(c: &ColumnProfile, n_rows: usize) -> bool {
    let present = n_rows.saturating_sub(c.missing).max(1);
    let unique = c.distinct as f64 >= 0.95 * present as f64;
    let words = stems(&c.name);
    let id_name = words.iter().any(|w| {
        matches!(
            w.as_str(),
            "id" | "ids"
                | "key"
                | "uuid"
                | "guid"
                | "code"
                | "no"
                | "num"
                | "number"
                | "index"
                | "idx"
        )
    });
    // Measurements are unique per row too; only whole numbers and labels can name rows.
    let can_name_rows = matches!(c.kind, ColumnKind::Integer | ColumnKind::Categorical);
    can_name_rows
        && ((unique && id_name) || (unique && c.kind == ColumnKind::Categorical && present > 20))
}

fn all_nonneg_small(c: &ColumnProfile) -> bool {
    c.numeric
        .as_ref()
        .is_some_and(|n| n.min >= 0.0 && n.max <= 100.0)
}

/// The task a column implies, by its kind.
pub fn task_for(c: &ColumnProfile) -> Option<Task> {
    mlpilot_core::task::task_for_target(c.kind, c.distinct, all_nonneg_small(c)).map(|(t, _)| t)
}

/// What a goal's wording asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asks {
    /// A class: "which … will", "whether", "is it", "what kind of".
    Class,
    /// A quantity: "how much", "how many", "what … will sell for", "worth".
    Quantity,
    /// The wording does not say.
    Unclear,
}

impl Asks {
    fn words(self) -> &'static str {
        match self {
            Asks::Class => "a class",
            Asks::Quantity => "a quantity",
            Asks::Unclear => "either",
        }
    }
}

/// Reads whether a goal asks for a class or a quantity.
pub fn asks(goal: &str) -> Asks {
    let g = format!(
        " {} ",
        goal.to_ascii_lowercase().replace(['?', ',', '.', '!'], " ")
    );
    const QUANTITY: [&str; 22] = [
        " how much",
        " how many",
        " how long",
        " how high",
        " how big",
        " how far",
        " how old",
        " number of ",
        " amount",
        " sell for",
        " sells for",
        " sold for",
        " worth",
        " cost",
        " price",
        " earn",
        " salary",
        " income",
        " value of",
        " level of",
        " how fast",
        " what size",
    ];
    const CLASS: [&str; 20] = [
        " which ",
        " whether ",
        " who ",
        " or not",
        " where ",
        " is it ",
        " is this ",
        " kind of ",
        " type of ",
        " sort of ",
        " classify",
        " category",
        " yes or no",
        " likely to ",
        " going to ",
        " detect",
        " identify",
        " spot ",
        " does the ",
        " is the ",
    ];
    // "how strong", "how expensive": a degree; "how likely", "how do" are not.
    let how_adjective = g.split(" how ").skip(1).any(|rest| {
        rest.split_whitespace().next().is_some_and(|w| {
            !matches!(
                w,
                "do" | "does"
                    | "did"
                    | "can"
                    | "could"
                    | "to"
                    | "is"
                    | "are"
                    | "will"
                    | "would"
                    | "should"
                    | "likely"
                    | "probable"
                    | "come"
                    | "i"
                    | "we"
            )
        })
    });
    // A yes/no question: "will the passenger survive", "does this woman have diabetes".
    let yes_no = [
        "will", "does", "do", "is", "are", "did", "can", "has", "have",
    ]
    .iter()
    .any(|w| g.trim_start().starts_with(&format!("{w} ")));
    if QUANTITY.iter().any(|k| g.contains(k)) || how_adjective {
        Asks::Quantity
    } else if yes_no || CLASS.iter().any(|k| g.contains(k)) {
        Asks::Class
    } else if g.contains(" estimate ") {
        Asks::Quantity
    } else {
        Asks::Unclear
    }
}

/// Ideas a goal can name in other words than a column does: a goal word and a column word
/// starting with members of the same group name the same thing ("quit" and `Attrition`).
const CONCEPTS: [&[&str]; 26] = [
    &[
        "churn",
        "attrit",
        "quit",
        "leav",
        "left",
        "cancel",
        "exit",
        "stay",
        "retain",
        "retention",
        "resign",
        "turnover",
        "unsubscrib",
        "lapse",
        "renew",
        "defect",
    ],
    &[
        "price", "cost", "worth", "valu", "expensiv", "cheap", "charg", "fee", "afford",
    ],
    &["sell", "sale", "sold", "price"],
    &["spend", "revenu", "sale"],
    &["earn", "income", "salar", "wage", "pay", "paid", "rich"],
    &[
        "surviv", "die", "died", "death", "dead", "alive", "live", "mortal", "fatal",
    ],
    &["default", "repay", "pay", "delinquen", "overdue", "arrear"],
    &[
        "buy", "purchas", "bought", "order", "convert", "subscrib", "respon", "accept", "click",
        "sign",
    ],
    &[
        "sick", "diseas", "diagnos", "ill", "malignan", "benign", "cancer", "tumo", "diabet",
        "disorder", "infect", "positiv",
    ],
    &[
        "pass",
        "fail",
        "admit",
        "admission",
        "succe",
        "graduat",
        "outcome",
        "result",
        "win",
        "won",
        "lose",
        "lost",
    ],
    &[
        "kind", "type", "speci", "specy", "variet", "sort", "class", "categor", "cultivar",
        "breed", "genre", "brand", "origin", "group",
    ],
    &[
        "qualit", "rating", "rate", "grade", "rank", "good", "satisf", "score", "well", "better",
    ],
    &[
        "many", "count", "cnt", "total", "rental", "rent", "visit", "demand", "number",
    ],
    &["fraud", "fake", "scam", "spam", "legit", "genuin"],
    &["long", "duration", "time", "day", "length", "delay", "wait"],
    &["heavy", "weigh", "big", "size", "tall", "height", "mass"],
    &["use", "usag", "consum", "load", "demand"],
    &["smok", "drink", "alcohol"],
    &[
        "deny", "deni", "reject", "refus", "declin", "approv", "grant",
    ],
    &[
        "region", "area", "place", "where", "locat", "origin", "countr", "part", "city", "state",
        "made", "built",
    ],
    &["vote", "party", "elect", "support", "ballot", "candidat"],
    &[
        "doctor",
        "physician",
        "visit",
        "consult",
        "clinic",
        "hospital",
    ],
    &["strong", "strength", "hard", "tough", "durab", "resist"],
    &["often", "frequen", "count", "number", "many", "visit"],
    &["junk", "spam", "unwanted"],
    &[
        "pay", "paid", "payment", "amount", "bill", "spent", "spend", "charg",
    ],
];

fn concept_of(word: &str) -> Vec<usize> {
    CONCEPTS
        .iter()
        .enumerate()
        .filter(|(_, group)| {
            group.iter().any(|m| {
                word.starts_with(m) && (word.len() <= m.len() + 4 || m.len() >= 5)
                    || (word.len() >= 3 && m.starts_with(word) && word.len() + 1 >= m.len())
            })
        })
        .map(|(i, _)| i)
        .collect()
}

/// The ideas of a word of a column's name, including those of its parts when it is a compound
/// (`runtime` holds `time`).
fn column_concepts(word: &str) -> Vec<usize> {
    // `nonphysician` is everything but the idea.
    if word.len() > 5 && word.starts_with("non") {
        return Vec::new();
    }
    let mut out = concept_of(word);
    if word.len() >= 6 {
        for (i, group) in CONCEPTS.iter().enumerate() {
            if !out.contains(&i) && group.iter().any(|m| m.len() >= 4 && word.contains(m)) {
                out.push(i);
            }
        }
    }
    out
}

/// How strongly a goal names a column's idea in other words: 3 per column word whose idea the
/// goal also names (in a different word).
pub fn concept_match(goal: &[String], column: &str) -> u32 {
    let goal_concepts: Vec<usize> = goal
        .iter()
        .filter(|w| !STOP.contains(&w.as_str()))
        .flat_map(|w| concept_of(w))
        .collect();
    // Each of the goal's ideas counts once, however many words of the name carry it.
    let mut matched: Vec<usize> = Vec::new();
    for w in stems(column) {
        if goal.contains(&w) {
            continue; // already counted as a direct match
        }
        for c in column_concepts(&w) {
            if goal_concepts.contains(&c) && !matched.contains(&c) {
                matched.push(c);
                break;
            }
        }
    }
    3 * matched.len() as u32
}

/// Whether a goal asks which of several kinds something is ("what kind of", "which species").
pub fn asks_kind(goal: &str) -> bool {
    let g = format!(
        " {} ",
        goal.to_lowercase().replace(['?', ',', '.', '!'], " ")
    );
    [
        " kind of ",
        " kinds of ",
        " type of ",
        " sort of ",
        " variety ",
        " species ",
        " classify",
        " category",
        " which part ",
        " what part ",
    ]
    .iter()
    .any(|k| g.contains(k))
}

/// Whether a goal asks for a count ("how many", "number of", "how often").
fn asks_count(goal: &str) -> bool {
    let g = goal.to_lowercase();
    ["how many", "number of", "how often", "count of"]
        .iter()
        .any(|k| g.contains(k))
}

/// Words a column name uses for a count.
const COUNT_WORDS: [&str; 8] = ["num", "n", "count", "cnt", "number", "total", "nb", "no"];

/// Values that are verdicts on an outcome (not plain yes/no, which many inputs use too).
const OUTCOME_VALUES: [&str; 24] = [
    "good",
    "bad",
    "pass",
    "fail",
    "passed",
    "failed",
    "positive",
    "negative",
    "success",
    "failure",
    "approved",
    "denied",
    "rejected",
    "accepted",
    "malignant",
    "benign",
    "won",
    "lost",
    "win",
    "loss",
    "alive",
    "dead",
    "survived",
    "died",
];

/// A column of two or three labels that are all verdicts (`good`/`bad`, `malignant`/`benign`).
fn outcome_values(c: &ColumnProfile) -> bool {
    matches!(c.kind, ColumnKind::Categorical | ColumnKind::Boolean)
        && (2..=3).contains(&c.distinct)
        && c.top_values
            .iter()
            .all(|v| OUTCOME_VALUES.contains(&v.value.trim().to_lowercase().as_str()))
}

/// Words a column name uses for an outcome.
const OUTCOME_WORDS: [&str; 12] = [
    "target", "label", "class", "outcome", "result", "status", "flag", "response", "y", "churn",
    "default", "survived",
];

/// A column that could be the target, with the evidence for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The column.
    pub column: String,
    /// The task it makes, after the goal's wording is taken into account.
    pub task: Task,
    /// The sum of the evidence.
    pub score: f64,
    /// The evidence, in words.
    pub evidence: Vec<String>,
}

/// Every column that can be a target, scored for a goal, best first.
pub fn candidates(goal: &str, profile: &DatasetProfile) -> Vec<Candidate> {
    let (core, context) = split_goal(goal);
    let kinds = asks_kind(goal);
    let counts = asks_count(goal);
    let wants = asks(goal);
    let n_cols = profile.columns.len();
    let mut out = Vec::new();
    for (i, c) in profile.columns.iter().enumerate() {
        if !eligible(c, profile.n_rows) {
            continue;
        }
        let Some(kind_task) = task_for(c) else {
            continue;
        };
        let mut score = 0.0;
        let mut evidence = Vec::new();
        name_evidence(&core, &context, c, counts, &mut score, &mut evidence);
        let task = task_with_wording(c, kind_task, wants);
        wording_evidence(task, wants, kinds, &mut score, &mut evidence);
        if i + 1 == n_cols {
            score += 0.5;
            evidence.push("it is the last column".into());
        }
        score -= 3.0 * c.missing_fraction;
        out.push(Candidate {
            column: c.name.clone(),
            task,
            score,
            evidence,
        });
    }
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.column.len().cmp(&b.column.len()))
    });
    out
}

/// The task a column makes once the goal's wording is heard: a whole number with a few values
/// is a class when the goal asks "which", an amount when it asks "how many".
fn task_with_wording(c: &ColumnProfile, kind_task: Task, wants: Asks) -> Task {
    if c.kind == ColumnKind::Integer
        && c.distinct <= 10
        && kind_task == Task::Regression
        && wants == Asks::Class
    {
        if c.distinct == 2 {
            Task::Binary
        } else {
            Task::Multiclass
        }
    } else if c.kind == ColumnKind::Integer
        && kind_task == Task::Multiclass
        && wants == Asks::Quantity
    {
        Task::Regression
    } else {
        kind_task
    }
}

/// The metric a text names ("optimise recall", "judged by r²"), if one fits the task (F1 is
/// macro F1 for several classes).
pub fn metric_in_goal(goal: &str, task: Task) -> Option<Metric> {
    let g = goal.to_lowercase();
    let candidates: [(&str, Metric); 14] = [
        ("balanced accuracy", Metric::BalancedAccuracy),
        ("accuracy", Metric::Accuracy),
        ("log loss", Metric::LogLoss),
        ("logloss", Metric::LogLoss),
        ("auc", Metric::RocAuc),
        ("macro f1", Metric::F1Macro),
        ("f1", Metric::F1),
        ("precision", Metric::Precision),
        ("recall", Metric::Recall),
        ("rmse", Metric::Rmse),
        ("mae", Metric::Mae),
        ("mape", Metric::Mape),
        ("r2", Metric::R2),
        ("r²", Metric::R2),
    ];
    candidates
        .iter()
        .map(|(k, m)| match (*m, task) {
            (Metric::F1, Task::Multiclass) => (*k, Metric::F1Macro),
            (m, _) => (*k, m),
        })
        .find(|(k, m)| g.contains(k) && m.applies_to(task))
        .map(|(_, m)| m)
}

/// Columns the goal asks to leave out ("ignoring X", "without X", "exclude X").
pub fn excluded_in_goal(goal: &str, profile: &DatasetProfile, target: &str) -> Vec<String> {
    let lower = goal.to_ascii_lowercase();
    let mut out = Vec::new();
    for marker in [
        "ignoring ",
        "ignore ",
        "without ",
        "exclude ",
        "excluding ",
        "except ",
    ] {
        if let Some(pos) = lower.find(marker) {
            let tail = lower.get(pos + marker.len()..).unwrap_or("");
            // Up to the end of the clause: "ignoring the id, based on age and sex".
            let end = [
                ",",
                ";",
                " based on",
                " using",
                " from ",
                " and ",
                " but ",
                " with ",
            ]
            .iter()
            .filter_map(|k| tail.find(k))
            .min()
            .unwrap_or(tail.len());
            let words = stems(tail.get(..end).unwrap_or(tail));
            for c in &profile.columns {
                if c.name != target && name_match(&words, &c.name) >= 3 && !out.contains(&c.name) {
                    out.push(c.name.clone());
                }
            }
        }
    }
    out
}

/// How far apart the first two candidates' evidence must be for the engine to decide alone.
pub const DECISIVE_MARGIN: f64 = 1.5;

/// The task spec for the ranked candidates (best first): the first is the target, the second the
/// runner-up with the reason it lost; `undecided` when they are closer than [`DECISIVE_MARGIN`].
///
/// # Errors
/// An invalid-input error when `ranked` is empty (no column can be a target).
pub fn spec_from_ranking(
    goal: &str,
    profile: &DatasetProfile,
    ranked: &[Candidate],
    mut notes: Vec<String>,
) -> Result<TaskSpec> {
    let best = ranked.first().ok_or_else(|| {
        Error::invalid_input(
            "no column can be a target (all are identifiers, free text, dates or constants); \
             name one with --target",
        )
    })?;
    if best.evidence.is_empty() {
        notes.push(format!(
            "the goal names no column; `{}` is the most likely outcome",
            best.column
        ));
    } else {
        notes.push(format!("`{}`: {}", best.column, best.evidence.join(", ")));
    }
    let runner_up = ranked.get(1).map(|r| {
        let reason = if r.evidence.is_empty() {
            "nothing in the goal points to it".to_string()
        } else {
            format!(
                "{}, but the evidence for `{}` is stronger",
                r.evidence.join(", "),
                best.column
            )
        };
        mlpilot_core::TargetAlternative {
            target: r.column.clone(),
            task: r.task,
            reason,
        }
    });
    let undecided = ranked
        .get(1)
        .is_some_and(|r| best.score - r.score < DECISIVE_MARGIN);
    let metric = metric_in_goal(goal, best.task).unwrap_or(best.task.default_metric());
    let excluded = excluded_in_goal(goal, profile, &best.column);
    Ok(TaskSpec {
        task: best.task,
        target: best.column.clone(),
        metric,
        excluded,
        time_column: None,
        horizon: None,
        notes,
        runner_up,
        undecided,
    })
}

/// [`candidates`], with the profile's own guess at the target counted as evidence.
pub fn ranked(goal: &str, profile: &DatasetProfile) -> Vec<Candidate> {
    let mut ranked = candidates(goal, profile);
    if let Some(s) = &profile.suggestions.target
        && let Some(c) = ranked.iter_mut().find(|c| c.column == s.column)
    {
        c.score += SUGGESTED_WEIGHT;
        c.evidence
            .push("the profile finds it the most likely outcome".into());
        ranked.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.column.len().cmp(&b.column.len()))
        });
    }
    ranked
}

/// Weight of the profile's own guess at the target (by its name and position).
const SUGGESTED_WEIGHT: f64 = 1.0;

/// Defines a task from a goal by rules.
///
/// # Errors
/// When no column can be a target.
pub fn define_task(goal: &str, profile: &DatasetProfile) -> Result<TaskSpec> {
    spec_from_ranking(goal, profile, &ranked(goal, profile), Vec::new())
}

/// Evidence from the column's name and values: the goal uses its words or names what it
/// records, its values are outcomes, its name says it counts (when the goal asks a count) or
/// is an outcome's.
fn name_evidence(
    core: &[String],
    context: &[String],
    c: &ColumnProfile,
    counts: bool,
    score: &mut f64,
    evidence: &mut Vec<String>,
) {
    // Words of the goal's own question count in full, words of its context a third.
    let named =
        f64::from(name_match(core, &c.name)) + f64::from(name_match(context, &c.name)) / 3.0;
    if named > 0.0 {
        *score += named;
        // Every word of the name in the goal: the goal names the column itself.
        // Naming the column itself outweighs the wording's class-or-quantity evidence.
        if stems(&c.name)
            .iter()
            .all(|w| core.contains(w) || context.contains(w))
        {
            *score += 2.0;
        }
        evidence.push(format!("the goal uses the words of `{}`", c.name));
    }
    let idea = f64::from(concept_match(core, &c.name))
        .max(f64::from(concept_match(context, &c.name)) / 3.0);
    if idea > 0.0 {
        *score += idea;
        evidence.push(format!("the goal names what `{}` records", c.name));
    }
    if outcome_values(c) {
        *score += 1.5;
        evidence.push(format!(
            "its values ({}) are outcomes",
            c.top_values
                .iter()
                .take(2)
                .map(|v| v.value.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    // `num_births`, `NumVisits`, `count`: a count; `weekday_number` is an index.
    if counts
        && stems(&c.name)
            .first()
            .is_some_and(|w| COUNT_WORDS.contains(&w.as_str()))
    {
        *score += 1.5;
        evidence.push("its name says it counts, as the goal asks".into());
    }
    let lname = c.name.to_ascii_lowercase();
    if stems(&c.name)
        .iter()
        .any(|w| OUTCOME_WORDS.contains(&w.as_str()))
        || OUTCOME_WORDS.contains(&lname.as_str())
    {
        *score += 1.5;
        evidence.push("its name is an outcome's".into());
    }
}

/// Evidence from the goal's wording: it asks for classes or a quantity (and the column holds
/// them or not), for several kinds, or for a yes/no outcome.
fn wording_evidence(
    task: Task,
    wants: Asks,
    kinds: bool,
    score: &mut f64,
    evidence: &mut Vec<String>,
) {
    let fits = match wants {
        Asks::Class => task.is_classification(),
        Asks::Quantity => task == Task::Regression,
        Asks::Unclear => true,
    };
    if wants != Asks::Unclear {
        if fits {
            *score += 2.0;
            evidence.push(format!("it holds {} as the goal asks", wants.words()));
        } else {
            *score -= 2.0;
            evidence.push(format!(
                "the goal asks for {} and it holds {}",
                wants.words(),
                if task.is_classification() {
                    "classes"
                } else {
                    "numbers"
                }
            ));
        }
    }
    if kinds {
        if task == Task::Multiclass {
            *score += 1.0;
            evidence.push("it has several kinds, as the goal asks".into());
        }
    } else if task == Task::Binary && wants != Asks::Quantity {
        *score += 1.0;
        evidence.push("it has two outcomes".into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_split_words_and_cases() {
        assert_eq!(stems("SalePrice"), vec!["sale", "price"]);
        assert_eq!(stems("who churns?"), vec!["who", "churn"]);
        assert_eq!(stems("Sale_Price"), vec!["sale", "price"]);
        assert_eq!(stems("species"), vec!["specy"]);
        assert_eq!(
            stems("the flower's species"),
            vec!["the", "flower", "s", "specy"]
        );
    }

    #[test]
    fn names_match_goals() {
        let g = stems("predict who churns");
        assert!(name_match(&g, "Churn") >= 3);
        assert_eq!(name_match(&g, "tenure"), 0);
        assert!(name_match(&stems("estimate the sale price of a house"), "Sale_Price") >= 6);
        assert!(name_match(&stems("which species is this flower"), "species") >= 3);
    }
}
