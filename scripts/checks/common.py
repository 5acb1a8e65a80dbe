"""Shared by the deployment checks: reading a CSV as mlpilot reads it, and its predictions."""
import csv
import math


def category(text):
    """A cell as mlpilot reads a category: whole numbers without a fraction (`3`, not `3.0`)."""
    try:
        x = float(text)
    except ValueError:
        return text
    if math.isfinite(x) and x == int(x) and abs(x) < 1e15 and any(c in text for c in ".eE"):
        return str(int(x))
    return text


def number(text):
    """A cell as a number; empty is missing (NaN)."""
    text = text.strip()
    return float(text) if text else float("nan")


def read_csv(path, limit):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return rows[:limit]


def read_predictions(path):
    """`mlpilot predict --proba` output: labels (or values) and probability columns."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        proba_cols = [c for c in reader.fieldnames if c.startswith("proba_")]
    labels = [r["prediction"] for r in rows]
    proba = [[float(r[c]) for c in proba_cols] for r in rows]
    return labels, proba, [c[len("proba_"):] for c in proba_cols]
