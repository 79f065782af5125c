"""pandas DataFrames of hwsim's documents. pandas is optional: it is imported only when a frame is asked for."""


def _pandas():
    try:
        import pandas
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("hwsim.to_frame needs pandas (Debian: apt-get install python3-pandas)") from e
    return pandas


def _numeric_where_possible(frame, columns):
    # Varied inputs are the CLI's texts ("1.1", "0.05 USD/kWh"): a column whose every value is a plain number becomes
    # numbers, one with units stays text.
    pd = _pandas()
    for c in columns:
        try:
            frame[c] = pd.to_numeric(frame[c])
        except (ValueError, TypeError):
            pass
    return frame


def _result_rows(doc):
    for r in doc.get("results", []):
        row = {"scenario": doc.get("scenario"), "deployment": r.get("deployment"), "workload": r.get("workload"),
               "kind": r.get("kind"), "fits": r.get("fits")}
        row.update(r.get("metrics", {}))
        yield row


def to_frame(x):
    """A pandas DataFrame of a document or rows this module returned.

    - sweep rows (or a whole sweep document): one row per point x deployment/workload; columns point, each varied
      input (numbers where every value is a plain number), deployment, workload, fits, then every metric (NaN where a
      result lacks it);
    - a run document (or several: {"scenarios": [...]}): one row per result; scenario, deployment, workload, kind,
      fits, then the metrics;
    - a validate document: its cases.
    """
    pd = _pandas()
    if isinstance(x, dict) and "rows" in x and "vary" in x:
        x = x["rows"]
    if isinstance(x, list):
        inputs = []
        records = []
        for r in x:
            record = {"point": r["point"]}
            for path, value in r.get("inputs", {}).items():
                if path not in inputs:
                    inputs.append(path)
                record[path] = value
            record.update(deployment=r["deployment"], workload=r["workload"], fits=r["fits"])
            record.update(r.get("metrics", {}))
            records.append(record)
        return _numeric_where_possible(pd.DataFrame.from_records(records), inputs)
    if isinstance(x, dict) and "cases" in x:
        return pd.DataFrame.from_records(x["cases"])
    if isinstance(x, dict) and ("results" in x or "scenarios" in x):
        docs = x.get("scenarios", [x])
        return pd.DataFrame.from_records([row for d in docs for row in _result_rows(d)])
    raise TypeError("to_frame takes what hwsim.run, hwsim.sweep or hwsim.validate returned")
