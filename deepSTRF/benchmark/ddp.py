"""One large fit, data-parallel over processes (``torchrun`` + DistributedDataParallel).

Every rank loads the same dataset, which for a release means mapping the same
processed-data cache (one process builds it, the others wait and map: the
pages are shared, not copied); the training stimuli are sharded across ranks
(``DistributedSampler``), gradients are averaged by DDP, and the validation
loss is summed over ranks, so every rank takes the same early-stopping
decision. Rank 0 saves the model (:func:`deepSTRF.evaluation.save_fitted`)
and its scores on the test stimuli.

Run it with, for example::

    torchrun --nproc_per_node 4 -m deepSTRF.benchmark.ddp --dataset Wingert2026 \\
        --path /data/Wingert2026 --model cnn --out fitted/ --device cuda

``gloo`` is the backend on the CPU, ``nccl`` with ``--device cuda``.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

from .._checks import refuse_credentials
from ..models import CNNPopulation, LNModel, fit_ridge, split_stims
from ..models.training import LOSSES, StimSubset
from ..paradigm.collate import neural_collate


def fit_ddp(model: torch.nn.Module, dataset, train_stims, val_stims, loss: str = "poisson", lr: float = 3e-3,
            max_epochs: int = 200, patience: int = 8, batch_size: int = 8, seed: int = 0, device: str = "cpu",
            log=print) -> dict:
    """:func:`deepSTRF.models.fit`, data-parallel over the ranks of an initialised process group.

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(B, 1, F, T)`` to ``(B, N, 1, T)``; the same initial weights on every rank (DDP
        broadcasts rank 0's).
    dataset : NeuralDataset
        The same dataset on every rank.
    train_stims, val_stims : list of int
        Absolute stimulus indices; each rank trains on its shard of ``train_stims`` and scores its
        shard of ``val_stims``.
    loss : {'poisson', 'mse'}, default 'poisson'
        The training loss.
    lr, max_epochs, patience, batch_size, seed
        As :func:`deepSTRF.models.fit` (``batch_size`` per rank).
    device : str, default 'cpu'
        ``'cuda'`` trains rank ``r`` on GPU ``LOCAL_RANK``.
    log : callable, default print
        Where rank 0 reports each epoch.

    Returns
    -------
    dict
        ``train_loss``, ``val_loss`` (summed over ranks, per stimulus), ``best_epoch``, ``world_size``.

    Examples
    --------
    A group of one process (``torchrun`` starts several):

    >>> import os, tempfile
    >>> import torch.distributed as dist
    >>> from deepSTRF.benchmark.ddp import fit_ddp
    >>> from deepSTRF.datasets.audio import SimulatedDataset
    >>> from deepSTRF.models import LNModel
    >>> os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT="29517")
    >>> dist.init_process_group("gloo", rank=0, world_size=1)
    >>> ds = SimulatedDataset(seed=0, n_neurons=4, n_est=6, n_val=2)
    >>> history = fit_ddp(LNModel(ds.F, 4, 10), ds, [0, 1, 2, 3], [4, 5], max_epochs=2, log=None)
    >>> dist.destroy_process_group()
    >>> history["world_size"], len(history["val_loss"])
    (1, 2)
    """
    from torch.nn.parallel import DistributedDataParallel as DDP

    rank, world = dist.get_rank(), dist.get_world_size()
    dev = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}") if device == "cuda" else torch.device("cpu")
    model.to(dev)
    net = DDP(model, device_ids=[dev.index] if dev.type == "cuda" else None)
    loss_fn = LOSSES[loss]
    train = StimSubset(dataset, list(train_stims))
    val = StimSubset(dataset, list(val_stims))
    sampler = DistributedSampler(train, num_replicas=world, rank=rank, shuffle=True, seed=seed)
    val_sampler = DistributedSampler(val, num_replicas=world, rank=rank, shuffle=False)
    train_loader = DataLoader(train, batch_size=batch_size, sampler=sampler, collate_fn=neural_collate)
    val_loader = DataLoader(val, batch_size=batch_size, sampler=val_sampler, collate_fn=neural_collate)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    history = {"train_loss": [], "val_loss": [], "world_size": world}
    best = (math.inf, -1, copy.deepcopy(model.state_dict()))
    for epoch in range(max_epochs):
        sampler.set_epoch(epoch)
        net.train()
        total = torch.zeros(2, dtype=torch.float64, device=dev)
        for batch in train_loader:
            opt.zero_grad()
            value = loss_fn(net(batch["stims"].to(dev)), batch["responses"].to(dev))
            value.backward()
            opt.step()
            total += torch.tensor([float(value.detach()) * len(batch["stim_meta"]), len(batch["stim_meta"])],
                                  dtype=torch.float64, device=dev)
        net.eval()
        vtotal = torch.zeros(2, dtype=torch.float64, device=dev)
        with torch.no_grad():
            for batch in val_loader:
                value = loss_fn(net(batch["stims"].to(dev)), batch["responses"].to(dev))
                vtotal += torch.tensor([float(value) * len(batch["stim_meta"]), len(batch["stim_meta"])],
                                       dtype=torch.float64, device=dev)
        dist.all_reduce(total)
        dist.all_reduce(vtotal)  # every rank sees the same validation loss: the same stopping decision
        history["train_loss"].append(float(total[0] / total[1].clamp(min=1)))
        v = float(vtotal[0] / vtotal[1].clamp(min=1))
        history["val_loss"].append(v)
        if v < best[0]:
            best = (v, epoch, copy.deepcopy(model.state_dict()))
        if rank == 0 and log is not None:
            log(f"epoch {epoch + 1}: train {history['train_loss'][-1]:.4f}, val {v:.4f} (best {best[0]:.4f} at "
                f"epoch {best[1] + 1}), {world} ranks")
        if epoch - best[1] >= patience:
            break
    model.load_state_dict(best[2])
    model.eval()
    history["best_epoch"] = best[1]
    return history


def main(argv=None) -> int:
    """``torchrun ... -m deepSTRF.benchmark.ddp``: fit one model data-parallel, save and score it on rank 0."""
    from ..datasets.zoo import BUILT_IN, canonical_name, dataset_class
    from ..evaluation import collate_stims, save_fitted, score

    p = argparse.ArgumentParser(prog="python -m deepSTRF.benchmark.ddp", description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", required=True)
    p.add_argument("--path", default=None)
    p.add_argument("--model", choices=("cnn", "ln"), default="cnn")
    p.add_argument("--out", required=True, help="rank 0 writes the fitted model and scores.json here")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-epochs", type=int, default=200)
    p.add_argument("--dataset-kwargs", default="{}", help="JSON of extra loader arguments")
    args = p.parse_args(argv)
    dist.init_process_group("nccl" if args.device == "cuda" else "gloo")
    try:
        name = canonical_name(args.dataset)
        cls = dataset_class(name)
        kwargs = dict(cls.evaluation.loader_kwargs, **json.loads(args.dataset_kwargs))
        refuse_credentials(kwargs, "--dataset-kwargs")  # rank 0 writes them into model.json
        if dist.get_rank() != 0:
            dist.barrier()  # rank 0 builds the processed cache first; the others then map it
        ds = cls(**kwargs) if name in BUILT_IN else cls(args.path, **kwargs)
        if dist.get_rank() == 0:
            dist.barrier()
        from .scoring import prepare

        est, test = prepare(ds, cls.evaluation)
        train, val = split_stims(est, 0.15, args.seed)
        torch.manual_seed(args.seed)
        if args.model == "cnn":
            model = CNNPopulation(ds.F, len(ds.active_neurons))
        else:
            model = LNModel.from_linear(fit_ridge(ds, train, seed=args.seed, n_folds=min(5, len(train))), ds, train)
        history = fit_ddp(model, ds, train, val, seed=args.seed, device=args.device, max_epochs=args.max_epochs)
        if dist.get_rank() == 0:
            save_fitted(model.cpu(), args.out, dataset=name, dataset_kwargs=kwargs, seed=args.seed,
                        split={"train": train, "val": val, "test": test}, world_size=history["world_size"])
            sc = score(model, collate_stims(ds, test))
            with open(os.path.join(args.out, "scores.json"), "w", encoding="utf-8") as f:
                json.dump({"history": history, "cc": [None if x != x else float(x) for x in sc["cc"]],
                           "cc_norm": [None if x != x else float(x) for x in sc["cc_norm"]]}, f)
            print(f"rank 0: saved to {args.out}; {history['world_size']} ranks, best epoch {history['best_epoch'] + 1}")
    finally:
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
