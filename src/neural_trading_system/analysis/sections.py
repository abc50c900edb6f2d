"""The report's words and tables: header rows, the metrics table, each section's text."""

from __future__ import annotations

from typing import Any

from .report import Section, html_table

__all__ = ["header_rows", "metrics_rows", "build_sections"]


def _f(v: Any, fmt: str = "{:.4f}") -> str:
    return "n/a" if v is None else fmt.format(v)


def header_rows(m: dict[str, Any]) -> list[tuple[str, str]]:
    run = m["run"]
    rows = [("run directory", run["run_dir"]),
            ("data", f"{run['data_source']} ({run['symbol']}, {run['interval']}, {run['bars']} bars)"),
            ("model", f"{run['model']}; {run['features']} features, windows of {run['seq_len']} bars, "
                      f"horizon {run['horizon_bars']} bars"),
            ("training", f"preset {run['preset']}, seed {run['seed']}, best epoch {run['best_epoch']} of "
                         f"{run['epochs_run']}, best val loss {_f(run['best_val_loss'])}")]
    for name, s in run["splits"].items():
        rows.append((f"{name} split", f"{s['samples']} windows, {s['start']} … {s['end']}"))
    rows.append(("package version", str(run["package_version"])))
    return rows


def metrics_rows(m: dict[str, Any]) -> list[tuple[str, str]]:
    c, g, a = m["calibration"], m["regimes"], m["attribution"]
    top = a["top_features"][0]["feature"] if a["top_features"] else "n/a"
    fam = a["by_family"][0]["name"] if a["by_family"] else "n/a"
    return [
        ("entry ROC AUC (event: target_entry > 0.5)", _f(c["auc"], "{:.3f}")),
        ("expected calibration error (10 equal-width bins)", _f(c["ece"])),
        ("Brier score", _f(c["brier"])),
        ("event base rate", _f(c["base_rate"], "{:.3f}")),
        ("rank IC, entry probability vs forward return", _f(m["decision"]["rank_ic_entry_vs_forward_return"], "{:+.3f}")),
        ("NMI, KMeans regimes vs true regimes", _f(g["nmi_true_regimes"], "{:.3f}")),
        ("NMI, KMeans regimes vs volatility regime (ctx_vol_regime)", _f(g["nmi_vol_regime"], "{:.3f}")),
        ("top feature / top family (entry attribution)", f"{top} / {fam}"),
        ("exit events in test", str(m["exits"]["n_events"])),
        ("test windows", str(c["n"])),
    ]


def build_sections(r: dict[str, Any], m: dict[str, Any], figs: dict[str, list]) -> list[Section]:
    a, att, reg = r["attention"], m["attribution"], m["regimes"]
    lags = m["attention"]["top_lags"]
    lag_text = "; ".join(f"{k.replace('_', ' ')}: lags {', '.join(map(str, v))}" for k, v in lags.items())
    b = m["chosen_bar"]
    attn = Section("attention", "Attention",
                   f"Self-attention weights captured per layer and head on {a.n_windows} evenly spaced test "
                   f"windows (eval mode). Axes are bars relative to the decision bar (0 = the bar the prediction is "
                   f"made at). Most attended lags of the decision bar: {lag_text}. The single decision shown is bar "
                   f"{b['bar']} ({b['timestamp']}), chosen "
                   + ("with --bar." if r.get("bar_given") else "as the test bar with the highest entry probability."),
                   figs["attention"])
    delta = att["relative_convergence_delta"]
    method = "integrated gradients" if att["method"] == "ig" else "gradient × input"
    attr = Section("attribution", "Feature attribution",
                   f"{method} on the entry <b>logit</b> (not the sigmoid) from an all-zero baseline (the training "
                   f"median after robust scaling), {att['ig_steps']} steps, {att['n_windows']} test windows; per "
                   f"feature the mean over windows of Σ over bars of |attribution|. Relative convergence error of "
                   f"the integral: {_f(delta, '{:.3%}')}. Indicators and families sum their features.",
                   figs["attribution"],
                   [html_table(att["top_features"], [("feature", "feature"), ("score", "score (logit units)")],
                               "Top features"),
                    html_table(att["by_family"], [("name", "family"), ("score", "score"), ("share", "share"),
                                                  ("n_features", "features"), ("mean_score", "score per feature")],
                               "By family")])
    regime_cols = [("regime", "regime"), ("count", "test windows"), ("share", "share"),
                   ("mean_return", "mean forward log return"), ("win_rate", "win rate (return > 0)"),
                   ("mean_volatility", "mean forward volatility")]
    nmi = reg["nmi_true_regimes"]
    reg_text = (f"The regime VAE's latent mean (regime_mu, {reg['latent_dim']}-D) of every test window"
                + (", projected by a PCA fitted on training windows" if reg["latent_dim"] > 2 else "")
                + f". KMeans with k={reg['k']} is fitted on training-window latents only and applied to the test "
                  "windows; the table measures what followed each regime. "
                + (f"NMI with the true synthetic regimes at the window end bars: {_f(nmi, '{:.3f}')}. " if nmi is not None
                   else "No true regimes (real market). ")
                + f"NMI with the causal volatility regime: {_f(reg['nmi_vol_regime'], '{:.3f}')}.")
    regimes = Section("regimes", "Regime space", reg_text, figs["regimes"],
                      [html_table(reg["table"], regime_cols, "Regimes on the test split")])
    c = m["calibration"]
    calib = Section("calibration", "Decision boundary and calibration",
                    "Event: <b>target_entry &gt; 0.5</b>, i.e. the forward return over the horizon, divided by the "
                    "horizon-scaled volatility, exceeded labels.entry_threshold. ECE = Σ_b n_b/N · |mean p_b − event "
                    f"rate_b| over 10 equal-width bins: {_f(c['ece'])}; Brier = mean (p − y)²: {_f(c['brier'])}; "
                    f"AUC {_f(c['auc'], '{:.3f}')}; base rate {_f(c['base_rate'], '{:.3f}')}.",
                    figs["calibration"])
    ex = m["exits"]
    exits = Section("exits", "Exit awareness",
                    f"Exit events: the first bar of each run of bars where target_exit or target_sl is 1 "
                    f"({ex['n_events']} in the test split). A model aware of exits raises its exit and stop-loss "
                    f"probabilities at and before offset 0 above their dashed means. Mean exit probability before "
                    f"events {_f(ex['exit_prob_before_mean'], '{:.3f}')}, at the event "
                    f"{_f(ex['exit_prob_at_event'], '{:.3f}')}, over all test windows "
                    f"{_f(ex['exit_prob_baseline'], '{:.3f}')}.",
                    figs["exits"])
    return [attn, attr, regimes, calib, exits]
