"""Training throughput and one-window inference latency of the default preset on random data.

    python benchmarks/bench_training.py [--features 768] [--steps 20] [--threads 0]

Prints (figures are wall-clock unless said; on a busy machine also read the per-CPU-second one):
parameters; training samples/s of the bare step (gather → forward → backward → clip →
AdamW, batch 128) and of ``train_model`` itself (one capped epoch, validation included); eval
latency of a single (1, 64, F) window, p50 / p99 over 200 calls. Random inputs of the right
shape: these are speed figures, not quality figures.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np
import torch

from neural_trading_system.config import load_config
from neural_trading_system.features import SequenceDataset
from neural_trading_system.model import NeuralTradingModel
from neural_trading_system.training import Objective, MultiTaskLoss, train_model
from neural_trading_system.training.evaluation import to_device

TARGETS = ("target_entry", "target_exit", "target_tp", "target_sl", "target_hold", "target_return",
           "target_volatility", "target_size")


def random_dataset(n_bars: int, n_features: int, seq_len: int, seed: int = 0) -> SequenceDataset:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_bars, n_features)).astype(np.float32)
    t = {k: (rng.random(n_bars) > 0.7).astype(np.float32) for k in TARGETS}
    t["target_entry"] = rng.random(n_bars).astype(np.float32)
    t["target_return"] = (rng.normal(size=n_bars) * 0.02).astype(np.float32)
    t["target_volatility"] = (rng.random(n_bars) * 0.02 + 0.01).astype(np.float32)
    w = {k: rng.uniform(0.5, 1, n_bars).astype(np.float32) for k in ("target_tp", "target_sl", "target_hold")}
    return SequenceDataset(X, t, np.arange(seq_len - 1, n_bars), seq_len, weights=w)


def bench_step(cfg, ds: SequenceDataset, steps: int) -> tuple[float, float]:
    """(samples per wall second, samples per CPU second of this process)."""
    torch.manual_seed(0)
    objective = Objective(NeuralTradingModel(cfg.model, ds.n_features), MultiTaskLoss())
    opt = torch.optim.AdamW(objective.parameters(), lr=1e-4)
    bs = cfg.training.batch_size
    rng = np.random.default_rng(0)
    device = torch.device("cpu")

    def one() -> None:
        ids = rng.choice(len(ds), bs, replace=False)
        x, y = ds.batch(ids)
        x, y, w = to_device(x, y, ds.batch_weights(ids), device)
        total, _ = objective(x, y, w)
        opt.zero_grad(set_to_none=True)
        total.backward()
        torch.nn.utils.clip_grad_norm_(objective.parameters(), 1.0)
        opt.step()

    for _ in range(3):
        one()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        one()
    return steps * bs / (time.perf_counter() - t0), steps * bs / (time.process_time() - c0)


def bench_latency(cfg, n_features: int, calls: int = 200) -> tuple[float, float]:
    model = NeuralTradingModel(cfg.model, n_features).eval()
    x = torch.randn(1, cfg.model.seq_len, n_features)
    times = []
    with torch.inference_mode():
        for _ in range(20):
            model(x)
        for _ in range(calls):
            t0 = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t0)
    ms = np.array(times) * 1e3
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", type=int, default=768)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = load_config("default", overrides={"training.device": "cpu", "training.progress_bar": False,
                                            "training.num_epochs": 1, "training.max_steps_per_epoch": args.steps,
                                            "training.threads": args.threads})
    T, F, bs = cfg.model.seq_len, args.features, cfg.training.batch_size
    n_params = sum(p.numel() for p in NeuralTradingModel(cfg.model, F).parameters())
    print(f"default preset: d_model {cfg.model.d_model}, {cfg.model.num_layers} layers, {cfg.model.num_heads} heads, "
          f"seq_len {T}, F {F}, batch {bs}, {n_params / 1e6:.2f} M parameters, torch threads {torch.get_num_threads()}")
    train = random_dataset(bs * args.steps + T, F, T)
    val = random_dataset(512 + T, F, T, seed=1)
    sps, cpu_sps = bench_step(cfg, train, args.steps)
    print(f"training step (gather+fwd+bwd+clip+AdamW): {sps:8.1f} samples/s wall, "
          f"{cpu_sps:8.1f} samples per CPU-second (on a shared machine the second figure is the stabler)")
    with tempfile.TemporaryDirectory() as d:
        r = train_model(cfg, train, val, d, resume=False)
    h = r.history[0]
    print(f"train_model, 1 epoch of {h['step']} steps + validation of {len(val)}: {h['samples_per_s']:8.1f} samples/s "
          f"({h['epoch_seconds']:.1f} s)")
    p50, p99 = bench_latency(cfg, F)
    print(f"inference, one (1, {T}, {F}) window, eval mode: p50 {p50:.2f} ms, p99 {p99:.2f} ms")


if __name__ == "__main__":
    main()
