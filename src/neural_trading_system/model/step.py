"""One new bar through a trained model in numpy: the live predictor's kernel of ``model.stream``.

``NeuralTradingModel.stream`` on one bar costs a few hundred small torch calls; on a small CPU
their dispatch (10–30 µs each) is milliseconds, most of a live bar's budget. :class:`BarStepper`
computes the same function for one bar with the model's own weights (read from the module, in
float32) as a few dozen numpy operations on ring buffers, ~10× faster. It is an *inference
kernel*, not a second model: every weight comes from the module, tests hold it equal to
``model.stream`` (and so to the windowed ``forward``) within 1e-5 over long series, and the
backtest's bulk pass stays on ``model.stream`` itself.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import erf

from .network import LOGIT_HEADS, VOL_EPS
from .regime import CHANGE_SCORES, REGIME_CHANGE_NAMES

__all__ = ["BarStepper"]

_SQRT1_2 = np.float32(1.0 / math.sqrt(2.0))


def _np(t: Any) -> np.ndarray:
    return t.detach().cpu().numpy().astype(np.float32)


def _lin(m: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """``nn.Linear`` → ``(W.T (in, out), bias (out,) | None)``."""
    return np.ascontiguousarray(_np(m.weight).T), None if m.bias is None else _np(m.bias)


def _ln(m: Any) -> tuple[np.ndarray, np.ndarray, np.float32, np.float32]:
    """``nn.LayerNorm`` → ``(weight, bias, eps, 1 / width)``."""
    return _np(m.weight), _np(m.bias), np.float32(m.eps), np.float32(1.0 / m.weight.shape[0])


def _layer_norm(x: np.ndarray, p: tuple[np.ndarray, np.ndarray, np.float32, np.float32]) -> np.ndarray:
    d = x - x.sum(-1, keepdims=True) * p[3]  # sum × 1/n: ndarray.mean costs more than the math here
    return d / np.sqrt((d * d).sum(-1, keepdims=True) * p[3] + p[2]) * p[0] + p[1]


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x * _SQRT1_2))


def _affine(x: np.ndarray, p: tuple[np.ndarray, np.ndarray | None]) -> np.ndarray:
    y = x @ p[0]
    return y if p[1] is None else y + p[1]


def _softplus(x: np.ndarray | float) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return np.where(x > 20.0, x, np.log1p(np.exp(np.minimum(x, 20.0))))  # torch's threshold=20


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class BarStepper:
    """``BarStepper(model)``; ``step(x (F,)) -> {key: value}`` for each new bar of one series, in order.

    Keys as :func:`~..training.predict` 's (scalars as 0-d arrays, ``regime_mu`` / ``regime_logvar``
    ``(latent_dim,)``). ``reset()`` starts a new series. The weights are copied at construction:
    build a new stepper after changing the model. Eval-mode semantics (no dropout, ``z = mu``).
    """

    def __init__(self, model: Any) -> None:
        enc = model.encoder
        self.span = enc.span
        self.pool = model.pool
        self.input = _lin(enc.input_proj)
        self.input_norm = _ln(enc.input_norm)
        self.blocks = []
        for b in enc.blocks:
            a = b.attn
            self.blocks.append(dict(
                ln_1=_ln(b.ln_1), qkv=_lin(a.qkv), proj=_lin(a.proj), ls_1=_np(b.ls_1.gamma), ln_2=_ln(b.ln_2),
                ff_1=_lin(b.ffn[0]), ff_2=_lin(b.ffn[2]), ls_2=_np(b.ls_2.gamma),
                rel_bias=_np(a.rel_bias), H=a.num_heads, hd=a.head_dim,
            ))
        self.ln_f = _ln(enc.ln_f)
        rp = model.rep_proj
        self.rep = (_lin(rp[0]), _lin(rp[2]), _ln(model.rep_norm))
        v = model.vae
        self.vae_enc, self.vae_mu, self.vae_logvar = _lin(v.enc[0]), _lin(v.mu), _lin(v.logvar)
        self.logvar_range = (v.logvar_min, v.logvar_max)
        det = model.detector
        self.det_proj, self.det_k = _lin(det.proj), det.k
        self.det = {n: _np(getattr(det, n)) for n in ("gain", "bias", "stab_gain", "stab_bias", "mix", "drift_gain",
                                                      "comb_bias")}
        self.det_soft = {n: _softplus(self.det[n]) for n in ("gain", "stab_gain", "mix", "drift_gain")}
        h = model.heads
        self.heads_fc, self.heads_w, self.heads_b = _lin(h.fc), _np(h.out_weight), _np(h.out_bias)
        self.head_names = model.head_names
        self.D = enc.input_proj.out_features
        self.reset()

    def reset(self) -> None:
        """Forget the series: the next bar is its first."""
        W = self.span
        self._k = [np.zeros((W, b["H"], b["hd"]), np.float32) for b in self.blocks]  # ring of the last W keys
        self._v = [np.zeros((W, b["H"], b["hd"]), np.float32) for b in self.blocks]
        self._recent = np.zeros((self.pool, self.D), np.float32)  # ring of the last P final states
        self.bars = 0

    def step(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """The model's outputs at the next bar of the series, from its feature row ``x`` ``(F,)``."""
        x = np.asarray(x, dtype=np.float32).reshape(-1)
        W, t = self.span, self.bars
        slot = t % W
        n_keys = min(t + 1, W)
        # ring slots in time order, oldest first, and each one's lag behind this bar
        order = (np.arange(slot - n_keys + 1, slot + 1)) % W
        lags = np.arange(n_keys - 1, -1, -1)
        h = _layer_norm(_affine(x, self.input), self.input_norm)  # (D,)
        for i, b in enumerate(self.blocks):
            H, hd = b["H"], b["hd"]
            qkv = _affine(_layer_norm(h, b["ln_1"]), b["qkv"])  # (3D,)
            D = qkv.shape[0] // 3
            q, k, v = qkv[:D], qkv[D:2 * D], qkv[2 * D:]
            self._k[i][slot] = k.reshape(H, hd)
            self._v[i][slot] = v.reshape(H, hd)
            keys, vals = self._k[i][order], self._v[i][order]  # (n, H, hd)
            s = np.einsum("hd,nhd->hn", q.reshape(H, hd), keys) / np.float32(math.sqrt(hd)) + b["rel_bias"][:, lags]
            p = np.exp(s - s.max(-1, keepdims=True))
            p /= p.sum(-1, keepdims=True)  # (H, n)
            y = np.einsum("hn,nhd->hd", p, vals).reshape(-1)  # (D,)
            h = h + b["ls_1"] * _affine(y, b["proj"])
            h = h + b["ls_2"] * _affine(_gelu(_affine(_layer_norm(h, b["ln_2"]), b["ff_1"])), b["ff_2"])
        cur = _layer_norm(h, self.ln_f)  # (D,)
        P = self.pool
        self._recent[t % P] = cur
        n_hist = min(t + 1, P)
        hist = self._recent[(np.arange(t - n_hist + 1, t + 1)) % P].sum(0) / np.float32(n_hist)
        self.bars = t + 1
        return self._outputs(cur, hist)

    def _represent(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        l1, l2, ln = self.rep
        return _layer_norm(_affine(_gelu(_affine(np.concatenate([a, b], -1), l1)), l2), ln)

    def _outputs(self, cur: np.ndarray, hist: np.ndarray) -> dict[str, np.ndarray]:
        rr = self._represent(np.stack([cur, hist]), np.stack([hist, hist]))  # (2, D): r, history-only r
        e = _gelu(_affine(rr, self.vae_enc))  # (2, D)
        mus = _affine(e, self.vae_mu)  # (2, L)
        mu, mu_hist = mus[0], mus[1]
        logvar = np.clip(_affine(e[0], self.vae_logvar), *self.logvar_range)
        d, ds = self.det, self.det_soft
        diff = (_affine(cur, self.det_proj) - _affine(hist, self.det_proj)).reshape(len(CHANGE_SCORES), self.det_k)
        dist = np.sqrt((diff * diff).sum(-1) * np.float32(1.0 / self.det_k) + np.float32(1e-6))  # (4,)
        logits = ds["gain"] * dist + d["bias"]  # (4,)
        dm = mu - mu_hist
        drift = np.sqrt((dm * dm).sum() * np.float32(1.0 / len(dm)) + np.float32(1e-6))
        change = dict(zip(CHANGE_SCORES, _sigmoid(logits)))
        change["stability_index"] = _sigmoid(d["stab_bias"] - ds["stab_gain"] * drift)
        change["regime_change"] = _sigmoid((ds["mix"] * logits).sum() + ds["drift_gain"] * drift + d["comb_bias"])
        head_in = np.concatenate([rr[0], mu, np.array([change[n] for n in REGIME_CHANGE_NAMES], np.float32)])
        a = _gelu(_affine(head_in, self.heads_fc)).reshape(len(self.head_names), -1)
        raw = dict(zip(self.head_names, (a * self.heads_w).sum(-1) + self.heads_b))
        out = {f"{k}_prob": _sigmoid(raw[k]) for k in LOGIT_HEADS}
        out.update(expected_return=raw["expected_return"], volatility=_softplus(raw["volatility"]) + np.float32(VOL_EPS),
                   position_size=_sigmoid(raw["position_size"]), regime_mu=mu, regime_logvar=logvar)
        out.update({k: np.asarray(v) for k, v in change.items()})
        return out
