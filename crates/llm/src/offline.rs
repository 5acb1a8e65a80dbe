//! The rule-based assistant's words: templates filled only with numbers the run computed. They
//! live in [`mlpilot_core::narration`], with every other sentence mlpilot writes; this module
//! names them where the assistant uses them.

pub use mlpilot_core::narration::score as fmt_score;
pub use mlpilot_core::narration::{
    describe_dataset, explain_results, join_and, plain_meaning, task_words,
};
