"""Train a tiny classifier with PyTorch Lightning, logging calipers metrics as objects; write what was logged.

Usage: ``python lightning_train.py OUT_DIR single|ddp``. Every rank writes ``rank<r>.json`` with the predictions
and targets it saw per stage and epoch (for the test to recompute the metrics by hand); rank 0 also writes every
value the logger received. Only observes: the test decides what is right.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from pytorch_lightning.loggers.logger import Logger
from torch.utils.data import DataLoader, TensorDataset

from calipers import MeanMetric, MetricCollection
from calipers.classification import MulticlassAccuracy, MulticlassF1Score

NUM_CLASSES = 4


class MemoryLogger(Logger):
    """Keeps every logged ``(step, name, value)``."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[tuple[int, str, float]] = []

    @property
    def name(self) -> str:
        return "memory"

    @property
    def version(self) -> int:
        return 0

    def log_hyperparams(self, params: Any, *args: Any, **kwargs: Any) -> None:
        pass

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        for key, value in metrics.items():
            self.records.append((int(step or 0), key, float(value)))


class Classifier(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(6, NUM_CLASSES)
        self.train_acc = MulticlassAccuracy(
            num_classes=NUM_CLASSES, average="micro"
        )  # logged as an object, on step and epoch
        self.val_metrics = MetricCollection(  # logged through log_dict, update only, on epoch
            {
                "acc": MulticlassAccuracy(num_classes=NUM_CLASSES, average="micro"),
                "f1": MulticlassF1Score(num_classes=NUM_CLASSES),
            },
            prefix="val_",
        )
        self.val_loss = MeanMetric()  # forward's value logged by hand, compute() logged by hand at epoch end
        self.test_acc = MulticlassAccuracy(num_classes=NUM_CLASSES, average="micro")
        self.seen: dict[str, dict[str, list[Any]]] = {}

    def _record(self, key: str, logits: torch.Tensor, target: torch.Tensor) -> None:
        seen = self.seen.setdefault(key, {"preds": [], "target": [], "loss": [], "batches": []})
        seen["preds"].extend(logits.argmax(1).tolist())
        seen["target"].extend(target.tolist())
        seen["loss"].extend(torch.nn.functional.cross_entropy(logits, target, reduction="none").tolist())
        seen["batches"].append(len(target))

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y = batch
        logits = self.layer(x)
        self._record(f"train/{self.current_epoch}", logits, y)
        self.train_acc(logits, y)
        self.log("train_acc", self.train_acc, on_step=True, on_epoch=True)
        return torch.nn.functional.cross_entropy(logits, y)

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        x, y = batch
        logits = self.layer(x)
        self._record(f"val/{self.current_epoch}", logits, y)
        self.val_metrics.update(logits, y)
        self.log_dict(self.val_metrics, on_step=False, on_epoch=True)
        loss = torch.nn.functional.cross_entropy(logits, y, reduction="none")
        self.log("val_loss_step", self.val_loss(loss), on_step=True, on_epoch=False)

    def on_validation_epoch_end(self) -> None:
        self.log("val_loss_manual", self.val_loss.compute())
        self.val_loss.reset()

    def test_step(self, batch: Any, batch_idx: int) -> None:
        x, y = batch
        logits = self.layer(x)
        self._record("test/0", logits, y)
        self.test_acc(logits, y)
        self.log("test_acc", self.test_acc, on_step=False, on_epoch=True)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.5)


def _loader(seed: int, n: int) -> DataLoader:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 6, generator=g)
    y = (x[:, :NUM_CLASSES] + 0.8 * torch.randn(n, NUM_CLASSES, generator=g)).argmax(1)
    return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=False)


def main() -> None:
    out, mode = Path(sys.argv[1]), sys.argv[2]
    torch.manual_seed(0)
    strategy: dict[str, Any] = {"devices": 1} if mode == "single" else {"devices": 2, "strategy": "ddp"}
    common = {
        "accelerator": "cpu",
        "enable_progress_bar": False,
        "enable_model_summary": False,
        "log_every_n_steps": 1,
        "num_sanity_val_steps": 0,
    }
    logger = MemoryLogger()
    model = Classifier()
    trainer = pl.Trainer(max_epochs=2, logger=logger, enable_checkpointing=False, **strategy, **common)
    trainer.fit(model, _loader(1, 64), _loader(2, 40))
    rank = trainer.global_rank
    ckpt = out / "model.ckpt"
    trainer.save_checkpoint(ckpt)
    epoch_values = {k: float(v) for k, v in trainer.callback_metrics.items()}
    state_keys = sorted(model.state_dict())

    # resume from the checkpoint for one more epoch, then validate and test
    resumed = Classifier()
    trainer2 = pl.Trainer(max_epochs=3, logger=logger, enable_checkpointing=False, **strategy, **common)
    trainer2.fit(resumed, _loader(1, 64), _loader(2, 40), ckpt_path=ckpt)
    validated = trainer2.validate(resumed, _loader(2, 40), verbose=False)
    tested = trainer2.test(resumed, _loader(3, 24), verbose=False)
    report = {
        "rank": rank,
        "world_size": trainer.world_size,
        "records": logger.records,
        "epoch_values": epoch_values,
        "state_keys": state_keys,
        "resumed_epoch": trainer2.current_epoch,
        "validated": validated,
        "tested": tested,
        "seen": {**model.seen, **{f"resumed:{k}": v for k, v in resumed.seen.items()}},
        "registered": __import__("calipers.integrations.lightning", fromlist=["x"]).registered(),
        "env_rank": os.environ.get("LOCAL_RANK"),
    }
    (out / f"rank{rank}.json").write_text(json.dumps(report))


if __name__ == "__main__":
    main()
