"""Two DDP ranks (gloo on 127.0.0.1) map one processed-dataset cache and iterate disjoint shards."""

import os
import socket
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

sys.path.insert(0, os.path.dirname(__file__))


def _even():
    from deepSTRF.datasets.audio import SimulatedDataset

    return SimulatedDataset(seed=2, n_neurons=4, n_est=4, n_val=2, n_site_b=2, cache=False)  # 6 stimuli: 3 per rank


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rank(rank: int, world: int, port: int, data: str, log: str, out: str) -> None:
    import numpy as np
    from torch.utils.data import DataLoader, DistributedSampler

    from deepSTRF.cache import load_or_build
    from deepSTRF.datasets.audio import SimulatedDataset
    from deepSTRF.utils import neural_collate

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)

    def build():
        with open(log, "a") as f:
            f.write(f"rank {rank} built\n")
        return _even()

    ds = load_or_build(SimulatedDataset, {"seed": 2}, data, build)
    assert isinstance(ds._store().chunks[0], np.memmap)
    sampler = DistributedSampler(ds, num_replicas=world, rank=rank, shuffle=True, seed=0)
    seen, total = [], torch.zeros(1, dtype=torch.float64)
    for batch in DataLoader(ds, batch_size=2, sampler=sampler, collate_fn=neural_collate):
        seen.extend(m["name"] for m in batch["stim_meta"])
        total += torch.nansum(batch["responses"].double())
    gathered = [None] * world
    dist.all_gather_object(gathered, seen)
    dist.all_reduce(total)
    if rank == 0:
        with open(out, "w") as f:
            f.write(repr((gathered, float(total))))
    dist.destroy_process_group()


def test_two_gloo_ranks_share_one_cache_and_disjoint_shards(tmp_path):
    from deepSTRF.utils import neural_collate

    data = tmp_path / "data"
    data.mkdir()
    (data / "source.bin").write_bytes(b"abc")
    log, out = tmp_path / "builds.log", tmp_path / "out.txt"
    mp.spawn(_rank, args=(2, _free_port(), str(data), str(log), str(out)), nprocs=2, join=True)
    assert len(log.read_text().splitlines()) == 1  # one process built; the other mapped its cache
    gathered, total = eval(out.read_text())  # noqa: S307 - written by this test
    ref = _even()
    assert len(ref) == 6
    names = [m["name"] for m in ref.stim_meta]
    assert not set(gathered[0]) & set(gathered[1])  # disjoint shards
    assert sorted(gathered[0] + gathered[1]) == sorted(names)  # together: every stimulus exactly once
    expected = sum(float(torch.nansum(neural_collate([ref[i]])["responses"].double())) for i in range(len(ref)))
    assert abs(total - expected) < 1e-6 * max(1.0, abs(expected))
