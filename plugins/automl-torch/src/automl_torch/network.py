"""The network: embeddings for categorical columns, an MLP over them and the numeric columns."""

from __future__ import annotations

import torch
from torch import nn


def embedding_size(cardinality: int) -> int:
    """A common rule of thumb: grows with the number of levels, capped at 16."""
    return int(min(16, max(2, round(1.6 * cardinality ** 0.56))))


class TabularNet(nn.Module):
    """An MLP of ``n_layers`` blocks (linear, batch norm, SiLU, dropout) of width ``hidden``
    over the numeric inputs and one embedding per categorical input (index 0 = missing)."""

    def __init__(self, n_numeric: int, cardinalities: list[int], hidden: int, n_layers: int,
                 dropout: float, n_out: int) -> None:
        super().__init__()
        self.embeddings = nn.ModuleList(nn.Embedding(c, embedding_size(c))
                                        for c in cardinalities)
        width = n_numeric + sum(e.embedding_dim for e in self.embeddings)
        blocks: list[nn.Module] = []
        for _ in range(n_layers):
            blocks += [nn.Linear(width, hidden), nn.BatchNorm1d(hidden), nn.SiLU(),
                       nn.Dropout(dropout)]
            width = hidden
        self.body = nn.Sequential(*blocks)
        self.head = nn.Linear(width, n_out)

    def forward(self, numeric: torch.Tensor, categorical: torch.Tensor) -> torch.Tensor:
        parts = [numeric] + [emb(categorical[:, i]) for i, emb in enumerate(self.embeddings)]
        return self.head(self.body(torch.cat(parts, dim=1)))
