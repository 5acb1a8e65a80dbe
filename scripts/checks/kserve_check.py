"""Talks to `mlpilot serve` with NVIDIA's tritonclient over the KServe V2 / Open Inference
Protocol: liveness, readiness, model metadata, the repository index, and inference (binary and
JSON tensors) equal to `mlpilot predict --proba` on the same rows.

    python kserve_check.py HOST:PORT MODEL_NAME DATA.csv PREDICTIONS.csv ROWS
"""
import sys

import numpy as np
import tritonclient.http as http

from common import category, number, read_csv, read_predictions


def main(url, name, data, predictions, limit):
    client = http.InferenceServerClient(url=url)
    assert client.is_server_live(), "server not live"
    assert client.is_server_ready(), "server not ready"
    assert client.is_model_ready(name), f"model {name} not ready"
    meta = client.get_model_metadata(name)
    assert meta["name"] == name, meta
    index = client.get_model_repository_index()
    assert any(m["name"] == name and m["state"] == "READY" for m in index), index
    rows = read_csv(data, limit)
    labels, proba, classes = read_predictions(predictions)
    outputs = [o["name"] for o in meta["outputs"]]
    for binary in (True, False):
        inputs = []
        for spec in meta["inputs"]:
            col = spec["name"]
            if spec["datatype"] == "BYTES":
                arr = np.array([category(r.get(col, "")).encode() for r in rows], dtype=np.object_)
            else:
                arr = np.array([number(r.get(col, "")) for r in rows], dtype=np.float64)
            t = http.InferInput(col, [len(rows), 1], spec["datatype"])
            t.set_data_from_numpy(arr.reshape(-1, 1), binary_data=binary)
            inputs.append(t)
        wanted = [http.InferRequestedOutput(o, binary_data=binary) for o in outputs]
        result = client.infer(name, inputs, outputs=wanted)
        if "variable" in outputs:
            got = result.as_numpy("variable").reshape(-1)
            want = np.array([float(v) for v in labels])
            diff = float(np.max(np.abs(got - want) / (1.0 + np.abs(want))))
            print(f"tritonclient (binary={binary}): {len(rows)} rows, largest relative difference {diff:.2e}")
            if diff > 1e-9:
                return 1
            continue
        got_labels = [x.decode() if isinstance(x, bytes) else str(x) for x in result.as_numpy("label").reshape(-1)]
        mismatched = sum(a != b for a, b in zip(got_labels, labels))
        diff = float(np.max(np.abs(result.as_numpy("probabilities") - np.array(proba))))
        print(
            f"tritonclient (binary={binary}): {len(rows)} rows, {mismatched} labels differ, "
            f"largest probability difference {diff:.2e}, outputs {outputs}"
        )
        if mismatched or diff > 1e-9 or len(got_labels) != len(labels):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])))
