//! Who goes next, and how long a trial may take: pure functions of measured costs and scores,
//! unit-tested on synthetic tables.
//!
//! - Every candidate gets a first trial before any gets a second, in candidate order (the lead
//!   estimator — boosted trees — first, then cheapest first).
//! - Then the next estimator is drawn with probability inversely proportional to its estimated
//!   cost of improvement (FLAML's ECI: the time it took to improve so far, and, for estimators
//!   behind the leader, the time to close the gap at their rate so far).
//! - Each trial has a time cap derived from the budget: before every candidate has had a first
//!   trial, the time left shared among those waiting (so no family can take the budget from the
//!   others); afterwards a fixed share of the budget.
//! - A configuration whose estimated cost is well above the cap is not run: the estimator
//!   falls back to its low-cost configuration, or leaves the run.

use mlpilot_core::Rng;

/// Once every candidate has had a trial, one trial may use at most this share of the budget.
pub(crate) const TRIAL_SHARE: f64 = 0.3;
/// The lead estimator's first configuration must be estimated to fit in this share of the
/// budget (otherwise its low-cost configuration goes first).
pub(crate) const LEAD_SHARE: f64 = 0.1;
/// A first trial never gets less than this share of the budget.
const MIN_FIRST_SHARE: f64 = 0.04;
/// The first trials of all candidates together take at most about this share of the budget.
const FIRST_ROUND_SHARE: f64 = 0.5;
/// A configuration estimated at more than this multiple of its cap is not run.
pub(crate) const SKIP_FACTOR: f64 = 2.0;
/// An anytime fit (one that returns its model so far at the deadline) runs up to this multiple
/// of its cap: it then trains a third of what was asked, still a usable model.
pub(crate) const ANYTIME_FACTOR: f64 = 3.0;

/// What the scheduler knows of one estimator: measured, never guessed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LearnerStats {
    /// Still taking part.
    pub(crate) live: bool,
    /// Trials finished (any outcome).
    pub(crate) trials: usize,
    /// Best loss (lower is better; `INFINITY` before a trial completes).
    pub(crate) best_loss: f64,
    /// Loss of its first completed trial.
    pub(crate) first_loss: f64,
    /// Cost spent so far (seconds, or trials without a time budget).
    pub(crate) spent: f64,
    /// Cost spent when the best loss was reached.
    pub(crate) spent_at_best: f64,
    /// Cost of its last trial.
    pub(crate) last_cost: f64,
}

impl LearnerStats {
    /// A learner that has not run yet.
    pub(crate) fn new() -> Self {
        LearnerStats {
            live: true,
            trials: 0,
            best_loss: f64::INFINITY,
            first_loss: f64::INFINITY,
            spent: 0.0,
            spent_at_best: 0.0,
            last_cost: 0.0,
        }
    }

    /// Records a trial's cost and, when it completed, its loss.
    pub(crate) fn record(&mut self, cost: f64, loss: Option<f64>) {
        self.trials += 1;
        self.spent += cost;
        self.last_cost = cost;
        if let Some(loss) = loss.filter(|l| l.is_finite()) {
            if self.first_loss.is_infinite() {
                self.first_loss = loss;
            }
            if loss < self.best_loss {
                self.best_loss = loss;
                self.spent_at_best = self.spent;
            }
        }
    }

    /// Estimated cost of improvement.
    fn eci(&self, global_best: f64, timed: bool) -> f64 {
        let unit = if timed { self.last_cost.max(1e-3) } else { 1.0 };
        let eci1 = (self.spent - self.spent_at_best).max(unit);
        if !self.best_loss.is_finite() {
            // Never completed a trial: try rarely.
            return 20.0 * eci1;
        }
        if global_best.is_finite() && self.best_loss > global_best {
            let gained = (self.first_loss - self.best_loss).max(0.0);
            let rate = gained / self.spent.max(unit);
            let gap = self.best_loss - global_best;
            let eci2 = if rate > 0.0 { gap / rate } else { 50.0 * eci1 };
            return eci1.max(eci2.min(100.0 * eci1));
        }
        eci1
    }
}

/// Picks the next estimator: the first live one without a trial, in order; otherwise a draw
/// weighted by the inverse of each live estimator's estimated cost of improvement. `None`
/// when no estimator is live.
pub(crate) fn choose_learner(
    stats: &[LearnerStats],
    global_best: Option<f64>,
    timed: bool,
    rng: &mut Rng,
) -> Option<usize> {
    let live: Vec<usize> = (0..stats.len())
        .filter(|&i| stats.get(i).is_some_and(|s| s.live))
        .collect();
    if let Some(&i) = live
        .iter()
        .find(|&&i| stats.get(i).is_some_and(|s| s.trials == 0))
    {
        return Some(i);
    }
    let gb = global_best.unwrap_or(f64::INFINITY);
    let weights: Vec<f64> = live
        .iter()
        .map(|&i| {
            let e = stats.get(i).map_or(f64::INFINITY, |s| s.eci(gb, timed));
            if e.is_finite() && e > 0.0 {
                1.0 / e
            } else {
                0.0
            }
        })
        .collect();
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return live.first().copied();
    }
    let mut r = rng.uniform() * total;
    for (&i, w) in live.iter().zip(&weights) {
        r -= w;
        if r <= 0.0 {
            return Some(i);
        }
    }
    live.last().copied()
}

/// The time cap of the next trial, in seconds. While `waiting_first` candidates (the one about
/// to run included) wait for a first trial: the time left shared among them, and no more than
/// an equal part of half the budget among the `candidates` (at least a small share of the
/// budget, at most [`TRIAL_SHARE`]); afterwards [`TRIAL_SHARE`] of the budget. Never more than
/// the time left.
pub(crate) fn trial_cap(
    budget: f64,
    time_left: f64,
    waiting_first: usize,
    candidates: usize,
) -> f64 {
    let time_left = time_left.max(0.0);
    let cap = if waiting_first > 0 {
        (time_left / waiting_first as f64)
            .min(FIRST_ROUND_SHARE * budget / candidates.max(1) as f64)
            .max(MIN_FIRST_SHARE * budget)
            .min(TRIAL_SHARE * budget)
    } else {
        TRIAL_SHARE * budget
    };
    cap.min(time_left)
}

/// What to do with a proposed configuration given its estimated cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CostVerdict {
    /// Run it.
    Run,
    /// Too costly: run the estimator's low-cost configuration instead.
    LowCost,
    /// Too costly and nothing cheaper: leave it out.
    Skip,
}

/// Decides on a configuration estimated at `estimate` seconds under a cap of `cap` seconds
/// (`low_cost_left`: the estimator's low-cost configuration is untried and estimated at
/// `low_cost_estimate`; `anytime`: the fit returns its model so far at the cap).
pub(crate) fn cost_verdict(
    estimate: f64,
    cap: f64,
    low_cost_left: bool,
    low_cost_estimate: f64,
    anytime: bool,
) -> CostVerdict {
    if estimate <= cap || (anytime && estimate <= ANYTIME_FACTOR * cap) {
        return CostVerdict::Run;
    }
    if low_cost_left && low_cost_estimate < estimate {
        return if low_cost_estimate <= SKIP_FACTOR * cap {
            CostVerdict::LowCost
        } else {
            CostVerdict::Skip
        };
    }
    if estimate <= SKIP_FACTOR * cap {
        // Estimates are rough: run it and let the cap decide.
        CostVerdict::Run
    } else {
        CostVerdict::Skip
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(spent: f64, first: f64, best: f64, last: f64) -> LearnerStats {
        LearnerStats {
            live: true,
            trials: 3,
            best_loss: best,
            first_loss: first,
            spent,
            spent_at_best: spent,
            last_cost: last,
        }
    }

    #[test]
    fn untried_learners_go_first_in_order() {
        let mut rng = Rng::new(0);
        let mut s = vec![
            done(1.0, -0.8, -0.9, 0.1),
            LearnerStats::new(),
            LearnerStats::new(),
        ];
        assert_eq!(choose_learner(&s, Some(-0.9), true, &mut rng), Some(1));
        s[1].live = false;
        assert_eq!(choose_learner(&s, Some(-0.9), true, &mut rng), Some(2));
        s[2].live = false;
        assert_eq!(choose_learner(&s, Some(-0.9), true, &mut rng), Some(0));
        s[0].live = false;
        assert_eq!(choose_learner(&s, Some(-0.9), true, &mut rng), None);
    }

    #[test]
    fn the_leader_that_improves_cheaply_is_chosen_most() {
        // 0: the leader, cheap trials; 1: far behind, slow and not improving.
        let s = vec![done(1.0, -0.80, -0.90, 0.05), done(6.0, -0.70, -0.70, 2.0)];
        let mut rng = Rng::new(1);
        let picks = (0..1000)
            .filter(|_| choose_learner(&s, Some(-0.90), true, &mut rng) == Some(0))
            .count();
        assert!(picks > 950, "leader picked {picks} times of 1000");
    }

    #[test]
    fn a_learner_that_never_completed_is_tried_rarely_but_not_never() {
        let mut failing = done(1.0, f64::INFINITY, f64::INFINITY, 0.5);
        failing.spent_at_best = 0.0;
        let s = vec![done(1.0, -0.8, -0.9, 0.5), failing];
        let mut rng = Rng::new(2);
        let picks = (0..2000)
            .filter(|_| choose_learner(&s, Some(-0.9), true, &mut rng) == Some(1))
            .count();
        assert!(picks > 0 && picks < 200, "{picks}");
    }

    #[test]
    fn choices_are_seeded() {
        let s = vec![done(1.0, -0.8, -0.9, 0.2), done(1.0, -0.7, -0.85, 0.2)];
        let draw = |seed| {
            let mut rng = Rng::new(seed);
            (0..50)
                .map(|_| choose_learner(&s, Some(-0.9), true, &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(5), draw(5));
    }

    #[test]
    fn stats_record_first_and_best() {
        let mut s = LearnerStats::new();
        s.record(0.5, None);
        assert_eq!(s.trials, 1);
        assert!(s.best_loss.is_infinite());
        s.record(0.5, Some(-0.7));
        s.record(0.5, Some(-0.6));
        s.record(0.5, Some(-0.8));
        assert_eq!((s.first_loss, s.best_loss), (-0.7, -0.8));
        assert_eq!((s.spent, s.spent_at_best, s.last_cost), (2.0, 2.0, 0.5));
    }

    #[test]
    fn first_trials_share_the_time_left() {
        // 10 s budget, 9 s left, 9 candidates waiting of 9: half the budget shared, 0.56 s.
        assert!((trial_cap(10.0, 9.0, 9, 9) - 5.0 / 9.0).abs() < 1e-12);
        // 4 s left for 4 waiting of 4: 1 s each; with 2 candidates, 2.5 s would do but 1 s
        // is what the time left allows.
        assert!((trial_cap(10.0, 4.0, 4, 4) - 1.0).abs() < 1e-12);
        assert!((trial_cap(10.0, 4.0, 4, 2) - 1.0).abs() < 1e-12);
        // Never below 4 % of the budget, nor above 30 %.
        assert!((trial_cap(10.0, 9.0, 100, 101) - 0.4).abs() < 1e-12);
        assert!((trial_cap(10.0, 9.0, 1, 1) - 3.0).abs() < 1e-12);
        // Afterwards 30 % of the budget, never more than what is left.
        assert!((trial_cap(10.0, 9.0, 0, 5) - 3.0).abs() < 1e-12);
        assert!((trial_cap(10.0, 0.5, 0, 5) - 0.5).abs() < 1e-12);
        assert_eq!(trial_cap(10.0, -1.0, 3, 5), 0.0);
    }

    #[test]
    fn a_family_whose_first_trial_cannot_fit_cannot_take_the_budget() {
        // A slow family (estimated 20 s per trial) among 8 waiting under a 10 s budget.
        let cap = trial_cap(10.0, 9.0, 9, 9);
        assert_eq!(
            cost_verdict(20.0, cap, true, 0.5, false),
            CostVerdict::LowCost
        );
        assert_eq!(cost_verdict(20.0, cap, true, 5.0, false), CostVerdict::Skip);
        assert_eq!(
            cost_verdict(20.0, cap, false, 0.0, false),
            CostVerdict::Skip
        );
        // Near the cap: run it and let the cap decide.
        assert_eq!(cost_verdict(1.0, cap, false, 0.0, false), CostVerdict::Run);
        assert_eq!(cost_verdict(0.2, cap, true, 0.1, false), CostVerdict::Run);
        // An anytime fit runs capped, within reason.
        assert_eq!(cost_verdict(1.5, cap, true, 0.5, true), CostVerdict::Run);
        assert_eq!(
            cost_verdict(5.0, cap, true, 0.5, true),
            CostVerdict::LowCost
        );
    }
}
