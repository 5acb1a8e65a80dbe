//! Samplers behind [`mlpilot_core::Sampler`]: random, grid, TPE, and cost-frugal local search.
//!
//! All of them work in the unit cube of a [`SearchSpace`] (see [`SearchSpace::to_unit`]), so one
//! implementation serves every estimator, and all of them draw from a seeded [`Rng`].

use mlpilot_core::{ParamSet, Result, Rng, Sampler, SearchSpace, TrialOutcome};

/// Uniform random search; the space's defaults come first.
#[derive(Debug, Clone)]
pub struct RandomSampler {
    space: SearchSpace,
    rng: Rng,
    started: bool,
}

impl RandomSampler {
    /// A sampler over `space` seeded with `seed`.
    pub fn new(space: SearchSpace, seed: u64) -> Self {
        RandomSampler {
            space,
            rng: Rng::new(seed),
            started: false,
        }
    }
}

impl Sampler for RandomSampler {
    fn name(&self) -> &str {
        "random"
    }

    fn ask(&mut self) -> Result<Option<ParamSet>> {
        if !self.started {
            self.started = true;
            return Ok(Some(self.space.defaults()));
        }
        let u: Vec<f64> = (0..self.space.len()).map(|_| self.rng.uniform()).collect();
        Ok(Some(self.space.from_unit(&u)))
    }

    fn tell(&mut self, _params: &ParamSet, _outcome: TrialOutcome) {}
}

/// Grid search: `levels` evenly spaced values per numeric parameter, every choice of each
/// categorical one, in a fixed order; distinct points only.
#[derive(Debug, Clone)]
pub struct GridSampler {
    points: Vec<ParamSet>,
    next: usize,
}

impl GridSampler {
    /// A grid over `space` with `levels` values per numeric parameter, capped at `max_points`.
    pub fn new(space: &SearchSpace, levels: usize, max_points: usize) -> Self {
        let axes: Vec<Vec<f64>> = space
            .params
            .iter()
            .map(|p| match &p.domain {
                mlpilot_core::Domain::Categorical { choices } => {
                    let k = choices.len().max(1);
                    (0..k).map(|i| (i as f64 + 0.5) / k as f64).collect()
                }
                _ => {
                    let l = levels.max(2);
                    (0..l).map(|i| i as f64 / (l - 1) as f64).collect()
                }
            })
            .collect();
        let mut points: Vec<ParamSet> = Vec::new();
        let mut idx = vec![0usize; axes.len()];
        'outer: loop {
            let u: Vec<f64> = idx
                .iter()
                .zip(&axes)
                .map(|(i, a)| a.get(*i).copied().unwrap_or(0.5))
                .collect();
            let p = space.from_unit(&u);
            if !points.contains(&p) {
                points.push(p);
                if points.len() >= max_points {
                    break;
                }
            }
            for (d, i) in idx.iter_mut().enumerate() {
                *i += 1;
                if *i < axes.get(d).map_or(0, Vec::len) {
                    continue 'outer;
                }
                *i = 0;
            }
            break;
        }
        GridSampler { points, next: 0 }
    }

    /// The number of grid points.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether the grid is empty.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

impl Sampler for GridSampler {
    fn name(&self) -> &str {
        "grid"
    }

    fn ask(&mut self) -> Result<Option<ParamSet>> {
        let p = self.points.get(self.next).cloned();
        self.next += 1;
        Ok(p)
    }

    fn tell(&mut self, _params: &ParamSet, _outcome: TrialOutcome) {}
}

/// The tree-structured Parzen estimator (Bergstra et al. 2011), per coordinate of the unit cube:
/// observations are split into the best `gamma` share and the rest; candidates are drawn from a
/// Gaussian mixture around the good ones and the one with the highest density ratio
/// `l(x) / g(x)` is proposed. The first `n_startup` proposals are random (defaults first).
#[derive(Debug, Clone)]
pub struct TpeSampler {
    space: SearchSpace,
    rng: Rng,
    history: Vec<(Vec<f64>, f64)>,
    n_startup: usize,
    gamma: f64,
    n_candidates: usize,
    asked: usize,
}

impl TpeSampler {
    /// A TPE sampler over `space` seeded with `seed`.
    pub fn new(space: SearchSpace, seed: u64) -> Self {
        TpeSampler {
            space,
            rng: Rng::new(seed),
            history: Vec::new(),
            n_startup: 8,
            gamma: 0.25,
            n_candidates: 24,
            asked: 0,
        }
    }

    fn density(points: &[&Vec<f64>], x: &[f64], bw: f64) -> f64 {
        // Product over coordinates of a mixture of truncated Gaussians plus a uniform prior.
        let mut log = 0.0;
        for (d, xd) in x.iter().enumerate() {
            let mut s = 1.0; // the uniform prior's weight
            for p in points {
                let c = p.get(d).copied().unwrap_or(0.5);
                let z = (xd - c) / bw;
                s += (-0.5 * z * z).exp() / (bw * (2.0 * std::f64::consts::PI).sqrt());
            }
            log += (s / (points.len() as f64 + 1.0)).ln();
        }
        log
    }
}

impl Sampler for TpeSampler {
    fn name(&self) -> &str {
        "tpe"
    }

    fn ask(&mut self) -> Result<Option<ParamSet>> {
        self.asked += 1;
        if self.asked == 1 {
            return Ok(Some(self.space.defaults()));
        }
        let dim = self.space.len();
        if self.history.len() < self.n_startup || dim == 0 {
            let u: Vec<f64> = (0..dim).map(|_| self.rng.uniform()).collect();
            return Ok(Some(self.space.from_unit(&u)));
        }
        let mut sorted: Vec<&(Vec<f64>, f64)> = self.history.iter().collect();
        sorted.sort_by(|a, b| a.1.total_cmp(&b.1));
        let n_good = ((sorted.len() as f64 * self.gamma).ceil() as usize).max(1);
        let good: Vec<&Vec<f64>> = sorted.iter().take(n_good).map(|h| &h.0).collect();
        let bad: Vec<&Vec<f64>> = sorted.iter().skip(n_good).map(|h| &h.0).collect();
        let bw = (1.0 / (good.len() as f64).powf(0.2) * 0.25).clamp(0.03, 0.5);
        let mut best: Option<(f64, Vec<f64>)> = None;
        for _ in 0..self.n_candidates {
            let center = good
                .get(self.rng.below(good.len()))
                .copied()
                .cloned()
                .unwrap_or_default();
            let cand: Vec<f64> = (0..dim)
                .map(|d| {
                    (center.get(d).copied().unwrap_or(0.5) + bw * self.rng.normal()).clamp(0.0, 1.0)
                })
                .collect();
            let score = Self::density(&good, &cand, bw) - Self::density(&bad, &cand, bw);
            if best.as_ref().is_none_or(|(s, _)| score > *s) {
                best = Some((score, cand));
            }
        }
        Ok(best.map(|(_, u)| self.space.from_unit(&u)))
    }

    fn tell(&mut self, params: &ParamSet, outcome: TrialOutcome) {
        let loss = outcome.loss.unwrap_or(f64::INFINITY);
        self.history.push((
            self.space.to_unit(params),
            if loss.is_finite() { loss } else { f64::MAX },
        ));
    }
}

/// Cost-frugal local search in the spirit of FLAML's FLOW2 (Wu et al. 2021): start from the
/// defaults (or a given point), try a random direction `x + s·u`, then `x − s·u`; move on
/// improvement; halve the step after a run of failures; restart from a random point when the
/// step becomes tiny.
#[derive(Debug, Clone)]
pub struct LocalSearch {
    space: SearchSpace,
    rng: Rng,
    start: Vec<ParamSet>,
    incumbent: Option<(Vec<f64>, f64)>,
    step: f64,
    failures: usize,
    pending: Option<(ParamSet, Vec<f64>, Vec<f64>, bool)>,
}

impl LocalSearch {
    /// A local search over `space` seeded with `seed`, trying `start` points first (the
    /// defaults when empty).
    pub fn new(space: SearchSpace, seed: u64, start: Vec<ParamSet>) -> Self {
        let dim = space.len().max(1) as f64;
        let start = if start.is_empty() {
            vec![space.defaults()]
        } else {
            start
        };
        LocalSearch {
            space,
            rng: Rng::new(seed),
            start,
            incumbent: None,
            step: 0.1 * dim.sqrt(),
            failures: 0,
            pending: None,
        }
    }

    fn initial_step(&self) -> f64 {
        0.1 * (self.space.len().max(1) as f64).sqrt()
    }

    fn direction(&mut self) -> Vec<f64> {
        let d = self.space.len();
        let v: Vec<f64> = (0..d).map(|_| self.rng.normal()).collect();
        let n = v.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-12);
        v.into_iter().map(|x| x / n).collect()
    }
}

impl Sampler for LocalSearch {
    fn name(&self) -> &str {
        "local"
    }

    fn ask(&mut self) -> Result<Option<ParamSet>> {
        if !self.start.is_empty() {
            return Ok(Some(self.start.remove(0)));
        }
        let Some((x, _)) = self.incumbent.clone() else {
            let u: Vec<f64> = (0..self.space.len()).map(|_| self.rng.uniform()).collect();
            return Ok(Some(self.space.from_unit(&u)));
        };
        // The opposite direction after a failed forward step.
        let (u, negative) = match self.pending.take() {
            Some((_, _, u, false)) => (u.iter().map(|v| -v).collect::<Vec<f64>>(), true),
            _ => (self.direction(), false),
        };
        let point: Vec<f64> = x
            .iter()
            .zip(&u)
            .map(|(a, b)| (a + self.step * b).clamp(0.0, 1.0))
            .collect();
        let params = self.space.from_unit(&point);
        let dir = if negative {
            u.iter().map(|v| -v).collect()
        } else {
            u
        };
        self.pending = Some((params.clone(), point, dir, negative));
        Ok(Some(params))
    }

    fn tell(&mut self, params: &ParamSet, outcome: TrialOutcome) {
        let loss = outcome
            .loss
            .filter(|l| l.is_finite())
            .unwrap_or(f64::INFINITY);
        let point = match &self.pending {
            Some((p, point, _, _)) if p == params => point.clone(),
            _ => self.space.to_unit(params),
        };
        let better = self.incumbent.as_ref().is_none_or(|(_, best)| loss < *best);
        if better && loss.is_finite() {
            self.incumbent = Some((point, loss));
            self.failures = 0;
            self.pending = None;
            return;
        }
        // A failed step: keep the direction for the opposite try, or count the failure.
        let was_negative = self.pending.as_ref().is_some_and(|p| p.3);
        if was_negative || self.pending.is_none() {
            self.pending = None;
            self.failures += 1;
            let patience = (2 * self.space.len()).clamp(4, 16);
            if self.failures >= patience {
                self.step *= 0.5;
                self.failures = 0;
                if self.step < 0.01 {
                    // Converged: restart elsewhere (the engine keeps the global best).
                    self.step = self.initial_step();
                    let u: Vec<f64> = (0..self.space.len()).map(|_| self.rng.uniform()).collect();
                    self.incumbent = Some((u, f64::INFINITY));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space() -> SearchSpace {
        SearchSpace::new()
            .float("x", -5.0, 5.0, 4.0)
            .float("y", -5.0, 5.0, -4.0)
    }

    fn loss(p: &ParamSet) -> f64 {
        let (x, y) = (p.f64_or("x", 0.0), p.f64_or("y", 0.0));
        (x - 1.0).powi(2) + (y + 0.5).powi(2)
    }

    fn run(s: &mut dyn Sampler, n: usize) -> f64 {
        let mut best = f64::INFINITY;
        for _ in 0..n {
            let Some(p) = s.ask().unwrap() else { break };
            let l = loss(&p);
            best = best.min(l);
            s.tell(
                &p,
                TrialOutcome {
                    loss: Some(l),
                    cost_secs: 0.0,
                },
            );
        }
        best
    }

    #[test]
    fn samplers_minimise_a_bowl() {
        assert!(run(&mut LocalSearch::new(space(), 0, vec![]), 200) < 0.01);
        assert!(run(&mut TpeSampler::new(space(), 0), 120) < 0.1);
        assert!(run(&mut RandomSampler::new(space(), 0), 200) < 0.5);
    }

    #[test]
    fn samplers_are_seeded() {
        let a: Vec<ParamSet> = {
            let mut s = TpeSampler::new(space(), 3);
            (0..20)
                .map(|_| {
                    let p = s.ask().unwrap().unwrap();
                    s.tell(
                        &p,
                        TrialOutcome {
                            loss: Some(loss(&p)),
                            cost_secs: 0.0,
                        },
                    );
                    p
                })
                .collect()
        };
        let b: Vec<ParamSet> = {
            let mut s = TpeSampler::new(space(), 3);
            (0..20)
                .map(|_| {
                    let p = s.ask().unwrap().unwrap();
                    s.tell(
                        &p,
                        TrialOutcome {
                            loss: Some(loss(&p)),
                            cost_secs: 0.0,
                        },
                    );
                    p
                })
                .collect()
        };
        assert_eq!(a, b);
    }

    #[test]
    fn grid_is_exhaustive_and_distinct() {
        let s = SearchSpace::new()
            .int("a", 1, 3, 1)
            .categorical("b", &["x", "y"], "x");
        let mut g = GridSampler::new(&s, 3, 100);
        assert_eq!(g.len(), 6);
        let mut n = 0;
        while g.ask().unwrap().is_some() {
            n += 1;
        }
        assert_eq!(n, 6);
    }

    #[test]
    fn defaults_come_first() {
        let mut s = LocalSearch::new(space(), 0, vec![]);
        assert_eq!(s.ask().unwrap().unwrap(), space().defaults());
        let mut r = RandomSampler::new(space(), 0);
        assert_eq!(r.ask().unwrap().unwrap(), space().defaults());
    }
}
