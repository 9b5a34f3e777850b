#!/usr/bin/env python3
"""The crate's module graph from its `crate::` paths: lists the edges between modules, and fails
(exit 1) on a circle between two modules or an import of crate::cli from below cli/ (issue 17.4).

A module is a file under src/ (src/lab/train/run.rs is lab::train::run; a mod.rs is its folder).
An edge A -> B is any `crate::B...` or `super::` path in A's code outside its #[cfg(test)] items
and doc comments; B is the longest module the path names. Allowed: a folder's mod.rs naming its
own children (re-exports), and tensor <-> autograd (a tensor holds its node).

    python3 scripts/check_imports.py            # check; prints the circles it finds
    python3 scripts/check_imports.py --edges    # also list every edge
"""
import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
ALLOWED = {frozenset({"tensor", "autograd"})}


def module_of(path):
    rel = os.path.relpath(path, SRC)[:-3].split(os.sep)
    if rel[-1] == "mod":
        rel = rel[:-1]
    if rel in (["lib"], ["main"]):
        return ""
    return "::".join(rel)


def strip_tests(text):
    """The code without doc/line comments and without #[cfg(test)] items (inline test modules
    and `mod x;` declarations of test files)."""
    text = re.sub(r"//[^\n]*", "", text)
    out, i = [], 0
    while True:
        j = text.find("#[cfg(test)]", i)
        if j < 0:
            out.append(text[i:])
            break
        out.append(text[i:j])
        k = j + len("#[cfg(test)]")
        # the item: up to its `;` or its matching `}`
        depth, m = 0, k
        while m < len(text):
            c = text[m]
            if c == ";" and depth == 0:
                m += 1
                break
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    m += 1
                    break
            m += 1
        i = m
    return "".join(out)


def main():
    files = {}
    for root, _, names in os.walk(SRC):
        for n in names:
            if n.endswith(".rs"):
                p = os.path.join(root, n)
                files[module_of(p)] = p
    # test-only files (declared under #[cfg(test)]) are not part of the graph
    test_only = set()
    for mod, p in files.items():
        text = re.sub(r"//[^\n]*", "", open(p, encoding="utf-8").read())
        for m in re.finditer(r"#\[cfg\(test\)\]\s*(?:#\[path\s*=\s*\"([^\"]+)\"\]\s*)?mod\s+(\w+)\s*;", text):
            base = os.path.dirname(p) if p.endswith("mod.rs") or mod == "" else os.path.dirname(p)
            name = m.group(1)[:-3] if m.group(1) else m.group(2)
            parent = mod if p.endswith("mod.rs") or mod == "" else "::".join(mod.split("::")[:-1])
            test_only.add("::".join(x for x in [parent, name] if x))
    mods = set(files) - {""}
    edges = {}
    for mod, p in sorted(files.items()):
        if mod in test_only or mod == "":
            continue
        code = strip_tests(open(p, encoding="utf-8").read())
        targets = set()
        for m in re.finditer(r"\b(crate|super)((?:::\w+)+)", code):
            rest = m.group(2).split("::")[1:]
            if m.group(1) == "crate":
                parts = rest
            else:
                # super:: is the module's parent (for a file and for a mod.rs alike)
                parts = mod.split("::")[:-1]
                while rest and rest[0] == "super":
                    parts, rest = parts[:-1], rest[1:]
                parts = parts + rest
            target = None
            for k in range(len(parts), 0, -1):
                cand = "::".join(parts[:k])
                if cand in mods:
                    target = cand
                    break
            if target and target != mod and not target.startswith(mod + "::"):
                targets.add(target)
        edges[mod] = targets
    bad = []
    for a, ts in sorted(edges.items()):
        for b in sorted(ts):
            if a in edges.get(b, set()) and a < b and frozenset({a.split("::")[0], b.split("::")[0]}) not in ALLOWED:
                bad.append(f"circle: {a} <-> {b}")
            if (b == "cli" or b.startswith("cli::")) and not (a == "cli" or a.startswith("cli::")):
                bad.append(f"upward: {a} imports {b}")
    # circles of any length between modules (strongly connected components)
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    for comp in sccs:
        tops = {c.split("::")[0] for c in comp}
        if len(comp) == 2 and frozenset(tops) in ALLOWED:
            continue
        bad.append("circle through: " + ", ".join(comp))
    if "--edges" in sys.argv:
        for a, ts in sorted(edges.items()):
            for b in sorted(ts):
                print(f"{a} -> {b}")
    for b in sorted(set(bad)):
        print(b)
    n = sum(len(t) for t in edges.values())
    print(f"{len(edges)} modules, {n} edges, {len(set(bad))} problems", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
