"""Data-parallel training across processes started by torchrun: setup, rank queries, teardown.

torchrun sets RANK, WORLD_SIZE and MASTER_ADDR/PORT; we join the group (gloo on CPU, nccl on
CUDA) and let DistributedDataParallel average gradients. No process management of our own.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist


def launched() -> bool:
    """Whether this process was started by torchrun with more than one process."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def setup(device: str = "cpu") -> tuple[int, int]:
    """Join the process group if torchrun launched us; returns (rank, world size)."""
    if not launched():
        return 0, 1
    if not dist.is_initialized():
        backend = "nccl" if device == "cuda" else "gloo"
        dist.init_process_group(backend=backend)
        if device == "cuda":
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    return dist.get_rank(), dist.get_world_size()


def active() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def rank() -> int:
    return dist.get_rank() if active() else 0


def world_size() -> int:
    return dist.get_world_size() if active() else 1


def is_main() -> bool:
    """Rank 0 alone writes runs and prints progress."""
    return rank() == 0


def cleanup() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
