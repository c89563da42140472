"""Optimal one-to-one assignment on a sparse bipartite graph, in time near-linear in its edges.

Claims overlap in chains (a long quote re-cut many ways), so a connected component of
candidate pairs can hold thousands of claims with only a few edges each. A dense solver
(a full weight matrix) costs memory quadratic and time cubic in the component; this one
keeps only the edges.

Every row either takes one of its edges or stays alone. Staying alone is modelled as a
private column per row ("its own dummy"), so a full assignment always exists and the
problem is a min-cost assignment; rows are added one at a time, each by a shortest
augmenting path (Dijkstra over reduced costs with node potentials, the sparse form of
Jonker-Volgenant). A search stops at the first free column it reaches, so it only visits
the part of the graph whose reassignment could pay off.

Two objectives:

- ``pairs_first=True``: the most pairs, then the largest total weight (claim matching);
- ``pairs_first=False``: the largest total weight (CEAF alignment), an edge of weight 0 being
  as good as none.

Ties are broken by the order of the rows and of the columns given (the caller orders them by
content), never by chance, so the same graph always gives the same assignment.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

INF = float("inf")


def assign(n_rows: int, n_cols: int, edges: Sequence[tuple[int, int, float]], *,
           pairs_first: bool = True) -> dict[int, int]:
    """The optimal assignment as {row: column}, over ``edges`` (row, column, weight >= 0).

    Rows and columns are 0-based indices; earlier rows and columns win exact ties.
    """
    adjacent: list[list[tuple[int, float]]] = [[] for _ in range(n_rows)]
    top = max((w for _, _, w in edges), default=0.0)
    for r, c, w in edges:
        adjacent[r].append((c, top - w))  # costs >= 0: every row pays exactly once, so the shift is free
    for row in adjacent:
        row.sort()
    # leaving a row alone costs more than any set of real pairs can save (pairs first), or as a weight of 0
    alone = top + (n_rows * (top + 1.0) + 1.0 if pairs_first else 0.0)
    potential_row = [0.0] * n_rows
    potential_col = [0.0] * (n_cols + n_rows)  # columns, then each row's own dummy
    row_of = [-1] * (n_cols + n_rows)  # the row holding each column
    col_of = [-1] * n_rows
    for start in range(n_rows):
        dist: dict[int, float] = {}
        via: dict[int, int] = {}  # the row each column was reached from
        finished: list[int] = []  # columns whose distance is final, all held by a row
        heap: list[tuple[float, int]] = []

        def relax(r: int, base: float) -> None:
            shift = base + potential_row[r]
            for c, cost in (*adjacent[r], (n_cols + r, alone)):
                d = shift + cost - potential_col[c]
                if d < dist.get(c, INF) and c not in seen:  # a final distance stays final, rounding aside
                    dist[c], via[c] = d, r
                    heapq.heappush(heap, (d, c))

        seen: set[int] = set()
        relax(start, 0.0)
        while True:
            d, c = heapq.heappop(heap)
            if c in seen or d > dist[c]:
                continue
            seen.add(c)
            if row_of[c] < 0:
                end, reach = c, d
                break
            finished.append(c)
            relax(row_of[c], d)
        for c in finished:  # potentials keep every reduced cost >= 0 and every held pair tight
            potential_col[c] += dist[c] - reach
            potential_row[row_of[c]] += dist[c] - reach
        potential_row[start] -= reach
        c = end
        while True:  # augment: each row on the path moves to the column it reached
            r = via[c]
            previous = col_of[r]
            row_of[c], col_of[r] = r, c
            if r == start:
                break
            c = previous
    return {r: c for r, c in enumerate(col_of) if c < n_cols}
