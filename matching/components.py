"""Connected components of an undirected graph given as arc arrays (vectorised label propagation)."""

from __future__ import annotations

import numpy as np

from matching.model import IntArray


def components(n_nodes: int, tail: IntArray, head: IntArray) -> IntArray:
    """Label connected components (undirected) with their smallest node index."""
    label = np.arange(n_nodes, dtype=np.int64)
    if len(tail) == 0:
        return label
    while True:
        low = np.minimum(label[tail], label[head])
        new = label.copy()
        np.minimum.at(new, tail, low)
        np.minimum.at(new, head, low)
        # Pointer jumping: follow labels to their own labels until stable.
        while True:
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, label):
            return label
        label = new
