"""Runs an ONNX graph written by `mlpilot export` in onnxruntime and compares it with
`mlpilot predict --proba` on the same rows: labels identical, probabilities (or values)
within 1e-4.

    python onnx_check.py MODEL.onnx DATA.csv PREDICTIONS.csv ROWS
"""
import sys

import numpy as np
import onnxruntime as ort

from common import category, number, read_csv, read_predictions


def main(model, data, predictions, limit):
    rows = read_csv(data, limit)
    sess = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    feeds = {}
    for i in sess.get_inputs():
        if i.type == "tensor(string)":
            values = [category(r.get(i.name, "")) for r in rows]
            feeds[i.name] = np.array(values, dtype=object).reshape(-1, 1)
        elif i.type == "tensor(float)":
            values = [number(r.get(i.name, "")) for r in rows]
            feeds[i.name] = np.array(values, dtype=np.float32).reshape(-1, 1)
        else:
            raise SystemExit(f"unexpected input type {i.type} for {i.name}")
    names = [o.name for o in sess.get_outputs()]
    out = dict(zip(names, sess.run(names, feeds)))
    labels, proba, classes = read_predictions(predictions)
    if "variable" in out:
        got = out["variable"].reshape(-1)
        want = np.array([float(v) for v in labels])
        diff = float(np.max(np.abs(got - want) / (1.0 + np.abs(want))))
        print(f"onnxruntime {ort.__version__}: {len(rows)} rows, largest relative difference {diff:.2e}")
        return 0 if diff <= 1e-4 else 1
    got_labels = [str(x) for x in out["label"].reshape(-1)]
    mismatched = sum(a != b for a, b in zip(got_labels, labels))
    diff = float(np.max(np.abs(out["probabilities"] - np.array(proba))))
    print(
        f"onnxruntime {ort.__version__}: {len(rows)} rows, {mismatched} labels differ, "
        f"largest probability difference {diff:.2e}, classes {classes}"
    )
    return 0 if mismatched == 0 and diff <= 1e-4 and len(got_labels) == len(labels) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
