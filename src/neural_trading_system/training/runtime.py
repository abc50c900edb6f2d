"""A small device / precision / DDP runtime in plain torch (the part of Lightning Fabric we use).

Plain ``torch.distributed`` instead of ``lightning.fabric``: importing Fabric pulls in
``torch._dynamo`` and more (seconds per process, paid again by every spawned DDP worker), and
the loop needs only this much: put the module on its device (wrapped in DDP when several
processes run), autocast, a gradient scaler for fp16, gradient clipping that unscales first,
skipping the all-reduce on accumulation micro-steps, and a few collectives.

:func:`launch` runs ``fn(runtime, *args)``: in this process (one device, or an external launcher
such as torchrun that set ``LOCAL_RANK``/``WORLD_SIZE``), or in ``devices`` spawned processes
joined in one process group (gloo on CPU, NCCL on GPUs), returning rank 0's result.
"""

from __future__ import annotations

import os
import queue as queue_mod
import socket
from contextlib import nullcontext
from typing import Any, Callable

import torch
import torch.distributed as dist
from torch import nn

__all__ = ["Runtime", "launch"]

_AMP = {"bf16-mixed": torch.bfloat16, "16-mixed": torch.float16}


class Runtime:
    """Device, precision and process-group facts of one training process, and the calls that use them."""

    def __init__(self, device: torch.device, precision: str, rank: int = 0, world_size: int = 1) -> None:
        self.device = device
        self.precision = precision
        self.global_rank = rank
        self.world_size = world_size
        self.amp_dtype = _AMP.get(precision)
        self.scaler = torch.amp.GradScaler(device.type) if precision == "16-mixed" else None

    def setup(self, module: nn.Module) -> nn.Module:
        """Move ``module`` to the device (in place) and wrap it in DDP when several processes run."""
        module.to(self.device)
        if self.world_size == 1:
            return module
        ids = [self.device.index] if self.device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(module, device_ids=ids)

    def autocast(self) -> Any:
        if self.amp_dtype is None:
            return nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def no_backward_sync(self, module: nn.Module, enabled: bool) -> Any:
        """Skip DDP's gradient all-reduce (accumulation micro-steps before the last)."""
        if enabled and isinstance(module, nn.parallel.DistributedDataParallel):
            return module.no_sync()
        return nullcontext()

    def backward(self, loss: torch.Tensor) -> None:
        (self.scaler.scale(loss) if self.scaler is not None else loss).backward()

    def clip_gradients(self, module: nn.Module, optimizer: torch.optim.Optimizer, max_norm: float) -> torch.Tensor:
        if self.scaler is not None:
            self.scaler.unscale_(optimizer)
        return nn.utils.clip_grad_norm_(module.parameters(), max_norm)

    def step(self, optimizer: torch.optim.Optimizer) -> None:
        if self.scaler is not None:
            self.scaler.step(optimizer)  # skipped when the scaled gradients overflowed
            self.scaler.update()
        else:
            optimizer.step()

    def all_reduce_mean(self, t: torch.Tensor) -> torch.Tensor:
        if self.world_size == 1:
            return t
        t = t.clone()
        dist.all_reduce(t)
        return t / self.world_size

    def all_gather(self, t: torch.Tensor) -> list[torch.Tensor]:
        """One tensor per rank (all the same shape)."""
        if self.world_size == 1:
            return [t]
        out = [torch.empty_like(t) for _ in range(self.world_size)]
        dist.all_gather(out, t.contiguous())
        return out

    def barrier(self) -> None:
        if self.world_size > 1:
            dist.barrier()

    def state_dict(self) -> dict[str, Any]:
        return {"scaler": self.scaler.state_dict()} if self.scaler is not None else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if self.scaler is not None and state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])


def _device(accelerator: str, local_rank: int) -> torch.device:
    if accelerator == "cuda":
        torch.cuda.set_device(local_rank)
        return torch.device("cuda", local_rank)
    return torch.device(accelerator)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _worker(rank: int, world: int, port: int, settings: dict[str, Any], fn: Callable[..., Any], args: tuple,
            results: Any) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), LOCAL_RANK=str(rank),
                      WORLD_SIZE=str(world))
    device = _device(settings["accelerator"], rank)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo", rank=rank, world_size=world)
    try:
        out = fn(Runtime(device, settings["precision"], rank, world), *args)
        if rank == 0:
            results.put(out)
    finally:
        dist.destroy_process_group()


def launch(settings: dict[str, Any], fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn(runtime, *args)`` on ``settings['devices']`` processes; return rank 0's result.

    With spawned workers, ``fn`` and ``args`` travel to the children by multiprocessing (they
    must be importable / picklable: a module-level function, plain data, numpy arrays).
    """
    world = int(settings["devices"])
    if world == 1:
        return fn(Runtime(_device(settings["accelerator"], 0), settings["precision"]), *args)
    if settings["strategy"] == "ddp":  # started by torchrun or similar: join its group
        rank, local = int(os.environ["RANK"]), int(os.environ["LOCAL_RANK"])
        device = _device(settings["accelerator"], local)
        if not dist.is_initialized():
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        return fn(Runtime(device, settings["precision"], rank, dist.get_world_size()), *args)
    import torch.multiprocessing as mp

    results = mp.get_context("spawn").Queue()
    ctx = mp.start_processes(_worker, args=(world, _free_port(), settings, fn, args, results), nprocs=world,
                             join=False, start_method="spawn")
    out, got = None, False
    while True:  # drain the queue while waiting, so a large result cannot block rank 0's exit
        done = ctx.join(timeout=0.2)  # raises if a worker failed, with its traceback
        try:
            out, got = results.get_nowait(), True
        except queue_mod.Empty:
            pass
        if done:
            break
    if not got:
        out = results.get(timeout=30)
    return out
