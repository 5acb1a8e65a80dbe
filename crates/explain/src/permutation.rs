//! Model-agnostic Shapley values: exact enumeration for few players, antithetic permutation
//! sampling otherwise. A "player" is a feature (matrix level) or an input column (table level);
//! a missing player takes its values from background rows and the coalition's value is the mean
//! output over them (interventional SHAP).
//!
//! Additivity is exact either way: along any permutation the marginal contributions telescope
//! to `v(all) − v(none)`.

use mlpilot_core::{
    Attribution, Error, ErrorKind, ExplainOutput, Explainer, Features, Matrix, Model, Result, Rng,
    task::argmax,
};

/// Players up to this many are explained by exact enumeration of all coalitions.
pub const EXACT_MAX_PLAYERS: usize = 6;

/// A cooperative game over `n_players` players with several outputs.
pub trait Coalitions {
    /// The number of players.
    fn n_players(&self) -> usize;
    /// The outputs (each of the same length) of each coalition; `masks[c][p]` says whether
    /// player `p` is present in coalition `c`.
    ///
    /// # Errors
    /// When the outputs cannot be computed (for a model's game, when the model fails to predict).
    fn evaluate(&self, masks: &[Vec<bool>]) -> Result<Vec<Vec<f64>>>;
}

/// Shapley values of every output.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapleyValues {
    /// `phi[player][output]`.
    pub phi: Vec<Vec<f64>>,
    /// The empty coalition's outputs (the base values).
    pub base: Vec<f64>,
    /// The full coalition's outputs.
    pub full: Vec<f64>,
    /// Whether they were computed exactly (enumeration) or sampled.
    pub exact: bool,
}

impl ShapleyValues {
    /// The attribution of output `o`.
    pub fn attribution(&self, o: usize, class: Option<usize>) -> Attribution {
        Attribution {
            output: self.full.get(o).copied().unwrap_or(f64::NAN),
            base_value: self.base.get(o).copied().unwrap_or(f64::NAN),
            contributions: self
                .phi
                .iter()
                .map(|p| p.get(o).copied().unwrap_or(0.0))
                .collect(),
            class,
        }
    }
}

/// Shapley values of `game`: exact for at most [`EXACT_MAX_PLAYERS`] players, otherwise from
/// `permutations` sampled permutations (taken in antithetic pairs).
///
/// # Errors
/// When `game.evaluate` fails, or an internal error when it returns a number of outputs other
/// than the number of coalitions.
pub fn shapley(game: &dyn Coalitions, permutations: usize, seed: u64) -> Result<ShapleyValues> {
    let m = game.n_players();
    if m == 0 {
        let v = game.evaluate(&[Vec::new()])?;
        let out = v.into_iter().next().unwrap_or_default();
        return Ok(ShapleyValues {
            phi: Vec::new(),
            base: out.clone(),
            full: out,
            exact: true,
        });
    }
    if m <= EXACT_MAX_PLAYERS {
        exact(game, m)
    } else {
        sampled(game, m, permutations.max(2), seed)
    }
}

fn width(values: &[Vec<f64>]) -> usize {
    values.first().map_or(0, Vec::len)
}

fn exact(game: &dyn Coalitions, m: usize) -> Result<ShapleyValues> {
    let n_sets = 1usize << m;
    let masks: Vec<Vec<bool>> = (0..n_sets)
        .map(|s| (0..m).map(|p| s & (1 << p) != 0).collect())
        .collect();
    let values = game.evaluate(&masks)?;
    check_len(&values, n_sets)?;
    let k = width(&values);
    // Shapley weights |S|! (m − |S| − 1)! / m! by coalition size.
    let fact = |n: usize| (1..=n).map(|v| v as f64).product::<f64>();
    let weights: Vec<f64> = (0..m)
        .map(|s| fact(s) * fact(m - s - 1) / fact(m))
        .collect();
    let mut phi = vec![vec![0.0; k]; m];
    for (s, without) in values.iter().enumerate() {
        let size = s.count_ones() as usize;
        for (p, phi_p) in phi.iter_mut().enumerate() {
            if s & (1 << p) != 0 {
                continue;
            }
            let (Some(with), Some(w)) = (values.get(s | (1 << p)), weights.get(size)) else {
                continue;
            };
            for ((acc, a), b) in phi_p.iter_mut().zip(with).zip(without) {
                *acc += w * (a - b);
            }
        }
    }
    Ok(ShapleyValues {
        phi,
        base: values.first().cloned().unwrap_or_default(),
        full: values.last().cloned().unwrap_or_default(),
        exact: true,
    })
}

fn sampled(
    game: &dyn Coalitions,
    m: usize,
    permutations: usize,
    seed: u64,
) -> Result<ShapleyValues> {
    let mut rng = Rng::new(seed);
    let pairs = permutations.div_ceil(2);
    let mut perms = Vec::with_capacity(pairs * 2);
    for _ in 0..pairs {
        let mut p: Vec<usize> = (0..m).collect();
        rng.shuffle(&mut p);
        let mut r = p.clone();
        r.reverse();
        perms.push(p);
        perms.push(r);
    }
    // Masks: 0 = empty, 1 = full, then the m − 1 intermediate coalitions of each permutation.
    let mut masks = vec![vec![false; m], vec![true; m]];
    for p in &perms {
        let mut mask = vec![false; m];
        for &player in p.iter().take(m - 1) {
            if let Some(x) = mask.get_mut(player) {
                *x = true;
            }
            masks.push(mask.clone());
        }
    }
    let values = game.evaluate(&masks)?;
    check_len(&values, masks.len())?;
    let k = width(&values);
    let empty = values.first().cloned().unwrap_or_default();
    let full = values.get(1).cloned().unwrap_or_default();
    let mut phi = vec![vec![0.0; k]; m];
    for (pi, p) in perms.iter().enumerate() {
        let base_index = 2 + pi * (m - 1);
        let mut prev = &empty;
        for (step, &player) in p.iter().enumerate() {
            let cur = if step + 1 == m {
                &full
            } else {
                values.get(base_index + step).unwrap_or(&full)
            };
            if let Some(phi_p) = phi.get_mut(player) {
                for ((acc, a), b) in phi_p.iter_mut().zip(cur).zip(prev) {
                    *acc += a - b;
                }
            }
            prev = cur;
        }
    }
    let n = perms.len() as f64;
    phi.iter_mut().flatten().for_each(|v| *v /= n);
    Ok(ShapleyValues {
        phi,
        base: empty,
        full,
        exact: false,
    })
}

fn check_len(values: &[Vec<f64>], n: usize) -> Result<()> {
    if values.len() != n {
        return Err(Error::new(
            ErrorKind::Internal,
            format!(
                "the game returned {} values for {n} coalitions",
                values.len()
            ),
        ));
    }
    Ok(())
}

/// Picks the output index an [`ExplainOutput`] asks for, given the full coalition's outputs.
///
/// # Errors
/// An invalid-input error when a classifier is asked for a value, or the class asked for is not
/// below `full.len()`.
pub fn output_index(output: ExplainOutput, full: &[f64], classification: bool) -> Result<usize> {
    let k = full.len();
    let o = match output {
        ExplainOutput::Value if classification => {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "a classifier explains probabilities, not values",
            ));
        }
        ExplainOutput::Value => 0,
        ExplainOutput::Probability(c) => c,
        ExplainOutput::PredictedClass => argmax(full),
    };
    if o >= k {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("class {o} does not exist; the model has {k} outputs"),
        ));
    }
    Ok(o)
}

/// A model's outputs for a matrix: probabilities for classifiers, values otherwise.
///
/// # Errors
/// When the model fails to predict (a classifier without probabilities is not an error: its
/// predicted classes come back as one-hot rows).
pub fn model_outputs(model: &dyn Model, x: Matrix) -> Result<Matrix> {
    let x = &Features::Dense(x);
    if model.task().is_classification() {
        match model.predict_proba(x) {
            Ok(p) => Ok(p),
            Err(e) if e.kind() == ErrorKind::Unsupported => {
                Matrix::one_hot(&model.predict(x)?, model.n_classes().max(1))
            }
            Err(e) => Err(e),
        }
    } else {
        let v = model.predict(x)?;
        Matrix::new(v.len(), 1, v)
    }
}

/// The game of one row against background rows, at the level of a model's features.
struct MatrixGame<'a> {
    model: &'a dyn Model,
    row: &'a [f64],
    background: &'a Matrix,
}

impl Coalitions for MatrixGame<'_> {
    fn n_players(&self) -> usize {
        self.row.len()
    }

    fn evaluate(&self, masks: &[Vec<bool>]) -> Result<Vec<Vec<f64>>> {
        let b = self.background.n_rows().max(1);
        let m = self.row.len();
        let mut data = Vec::with_capacity(masks.len() * b * m);
        for mask in masks {
            for i in 0..b {
                let bg = self.background.row(i).unwrap_or(self.row);
                for ((x, z), keep) in self.row.iter().zip(bg).zip(mask) {
                    data.push(if *keep { *x } else { *z });
                }
            }
        }
        let x = Matrix::new(masks.len() * b, m, data)?;
        let out = model_outputs(self.model, x)?;
        let k = out.n_cols();
        Ok((0..masks.len())
            .map(|c| {
                let mut acc = vec![0.0; k];
                for i in 0..b {
                    if let Some(r) = out.row(c * b + i) {
                        for (a, v) in acc.iter_mut().zip(r) {
                            *a += v / b as f64;
                        }
                    }
                }
                acc
            })
            .collect())
    }
}

/// Sampling permutation SHAP over a model's features with a background sample.
#[derive(Debug, Clone)]
pub struct PermutationShap {
    /// Background rows (the "missing" values).
    pub background: Matrix,
    /// Permutations sampled per row (used above [`EXACT_MAX_PLAYERS`] features).
    pub permutations: usize,
    /// The seed.
    pub seed: u64,
}

impl Explainer for PermutationShap {
    fn name(&self) -> &str {
        "permutation_shap"
    }

    fn explain(
        &self,
        model: &dyn Model,
        rows: &Matrix,
        output: ExplainOutput,
    ) -> Result<Vec<Attribution>> {
        if self.background.n_rows() == 0 {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "permutation SHAP needs at least one background row",
            ));
        }
        if self.background.n_cols() != rows.n_cols() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "the background has {} features, the rows {}",
                    self.background.n_cols(),
                    rows.n_cols()
                ),
            ));
        }
        let classification = model.task().is_classification();
        rows.rows()
            .enumerate()
            .map(|(i, row)| {
                let game = MatrixGame {
                    model,
                    row,
                    background: &self.background,
                };
                let s = shapley(&game, self.permutations, self.seed.wrapping_add(i as u64))?;
                let o = output_index(output, &s.full, classification)?;
                Ok(s.attribution(o, classification.then_some(o)))
            })
            .collect()
    }
}
