"""Exit awareness: head probabilities around realized exits, hold durations, label balance.

An *exit event* is a bar where a held long should be closed (``target_exit == 1`` or
``target_sl == 1``) and the bar before it was not one: the onset of a run of exit bars. The event
study averages the exit, take-profit and stop-loss probabilities of the test windows ending at
``event + offset`` for offsets ``-w … +w``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = ["exit_events", "event_study", "hold_durations", "label_distribution"]


def exit_events(labels_frame) -> np.ndarray:
    """Onset bars of exit runs: ``(E,)`` int64 bar indices (NaN targets count as no exit)."""
    ex = labels_frame["target_exit"].to_numpy().astype(np.float64)
    sl = labels_frame["target_sl"].to_numpy().astype(np.float64)
    on = (np.nan_to_num(ex) == 1.0) | (np.nan_to_num(sl) == 1.0)  # (N,)
    prev = np.concatenate([[False], on[:-1]])
    return np.flatnonzero(on & ~prev).astype(np.int64)


def event_study(events: np.ndarray, end_bars: np.ndarray, probs: Mapping[str, np.ndarray], n_bars: int,
                window: int = 10) -> dict[str, np.ndarray]:
    """Mean of each ``probs[key]`` ``(S,)`` (aligned to ``end_bars`` ``(S,)``) at ``event + offset``.

    Only events whose bar is a test end bar count. Returns ``offsets`` ``(2w+1,)``, ``count``
    ``(2w+1,)`` (events with a prediction at that offset), per key the mean ``(2w+1,)`` (NaN where no
    event has one) and ``<key>_baseline`` (mean over all windows), and ``n_events``.
    """
    offsets = np.arange(-window, window + 1, dtype=np.int64)
    row = np.full(n_bars, -1, dtype=np.int64)
    row[end_bars] = np.arange(len(end_bars))
    ev = events[(events >= 0) & (events < n_bars)]
    ev = ev[row[ev] >= 0]
    bars = ev[:, None] + offsets[None, :]  # (E, 2w+1)
    inside = (bars >= 0) & (bars < n_bars)
    rows = np.where(inside, row[np.clip(bars, 0, n_bars - 1)], -1)
    valid = rows >= 0
    count = valid.sum(axis=0)
    out: dict[str, np.ndarray] = {"offsets": offsets, "count": count, "n_events": np.int64(len(ev))}
    for key, p in probs.items():
        vals = np.where(valid, np.asarray(p, dtype=np.float64)[np.maximum(rows, 0)], 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[key] = np.where(count > 0, vals.sum(axis=0) / count, np.nan)
        out[f"{key}_baseline"] = np.float64(np.mean(p)) if len(p) else np.float64(np.nan)
    return out


def hold_durations(labels_frame, bars: np.ndarray, horizon: int) -> dict[str, np.ndarray]:
    """Bars to the first barrier hit at ``bars``: counts per duration ``1 … horizon`` for TP and SL hits.

    Returns ``duration`` ``(h,)``, ``tp`` and ``sl`` counts ``(h,)``, ``hold`` (no hit within the
    horizon, a count) and ``mean_tp`` / ``mean_sl`` mean durations in bars.
    """
    hit = labels_frame["target_hit_bars"].to_numpy().astype(np.float64)[bars]
    tp = labels_frame["target_tp"].to_numpy().astype(np.float64)[bars] == 1.0
    sl = labels_frame["target_sl"].to_numpy().astype(np.float64)[bars] == 1.0
    d = np.arange(1, horizon + 1)
    cnt = lambda m: np.bincount(hit[m & np.isfinite(hit)].astype(np.int64), minlength=horizon + 1)[1:horizon + 1]  # noqa: E731
    mean = lambda m: float(np.nanmean(hit[m])) if m.any() else float("nan")  # noqa: E731
    hold = labels_frame["target_hold"].to_numpy().astype(np.float64)[bars] == 1.0
    return {"duration": d, "tp": cnt(tp), "sl": cnt(sl), "hold": np.int64(hold.sum()),
            "mean_tp": mean(tp), "mean_sl": mean(sl)}


def label_distribution(labels_frame, splits: Mapping[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Shares of TP / SL / hold outcomes, of exit bars and of ``target_entry > 0.5`` per split."""
    cols = {"tp": "target_tp", "sl": "target_sl", "hold": "target_hold", "exit": "target_exit"}
    out = {}
    for name, bars in splits.items():
        row = {k: float(np.nanmean(labels_frame[c].to_numpy().astype(np.float64)[bars])) if len(bars) else float("nan")
               for k, c in cols.items()}
        e = labels_frame["target_entry"].to_numpy().astype(np.float64)[bars]
        row["entry>0.5"] = float(np.nanmean(e > 0.5)) if len(bars) else float("nan")
        row["n"] = int(len(bars))
        out[name] = row
    return out
