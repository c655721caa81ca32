"""The import graph of the product code (tests left out), between files: how many modules,
how many imports between them (an import inside a function counts), and the circles (a
set of modules each reaching the others). ``docs/architecture.md`` gives these figures.

    .venv/bin/python -m spotcheck.core.tests.import_graph
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import grimp

PACKAGES = ("spotcheck", "verifier", "receiver")


def _product(module: str) -> bool:
    return ".tests" not in module and not module.endswith(".conftest")


@dataclass
class Figures:
    modules: int
    imports: int
    circles: list[list[str]]


def figures() -> Figures:
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False)
    modules = sorted(m for m in graph.modules if _product(m))
    edges = {m: sorted(t for t in graph.find_modules_directly_imported_by(m) if _product(t) and t != m)
             for m in modules}
    return Figures(len(modules), sum(len(ts) for ts in edges.values()), _circles(edges))


def _circles(edges: dict[str, list[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            advanced = False
            for target in targets:
                if target not in edges:
                    continue
                if target not in index:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(edges[target])))
                    advanced = True
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def main() -> int:
    f = figures()
    print(f"modules {f.modules}, imports between them {f.imports}, circles {len(f.circles)}")
    for circle in f.circles:
        print("circle: " + " ↔ ".join(circle))
    return 1 if f.circles else 0


if __name__ == "__main__":
    sys.exit(main())
