#!/usr/bin/env python3
"""The architecture rules of docs/architecture.md, checked over the sources.

  check_layering.py [--root DIR]

Fails (exit 1, one line per finding) when
  - a file of area A includes a header of area B and the area graph does not let A use B;
  - the graph has a cycle, or names an area with no folder, or a folder is not in it;
  - src/A/CMakeLists.txt links other areas than the graph lists for A (ghh_area(A USES ...));
  - a C++ string literal outside src/store/ holds SQL, or code outside src/store/ includes
    sqlite3.h or calls the sqlite3_ API;
  - any file mentions the design folder outside the project ("../shared").
The graph is the fenced block after the line "<!-- area graph -->" in docs/architecture.md,
one line per area: "area: used-area used-area ...".
"""
import argparse
import os
import re
import subprocess
import sys

SOURCE_EXT = (".cpp", ".hpp", ".h", ".cc")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# SQL as this code base writes it: upper-case keywords that start a statement or clause.
SQL = re.compile(
    r"\b(SELECT\s+\S|INSERT\s+(OR\s+\w+\s+)?INTO\b|UPDATE\s+\w+\s+SET\b|DELETE\s+FROM\b|"
    r"CREATE\s+(TABLE|INDEX|VIEW|TRIGGER)\b|DROP\s+(TABLE|INDEX|VIEW)\b|PRAGMA\s+\w|"
    r"BEGIN(\s+IMMEDIATE)?\s*;?$|ROLLBACK\b|ATTACH\s+DATABASE\b|WITH\s+RECURSIVE\b)")
# Literal text, raw strings included; comments are dropped first.
STRING = re.compile(r'R"(?P<d>[^(]*)\((?P<raw>.*?)\)(?P=d)"|"(?P<s>(?:\\.|[^"\\\n])*)"', re.S)
COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
SHARED = re.compile(r"\.\./shared\b|\bshared/spec/")


def tracked_files(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z"], check=True,
                             capture_output=True).stdout.decode()
        files = [f for f in out.split("\0") if f]
        if files:
            return files
    except (OSError, subprocess.CalledProcessError):
        pass
    files = []
    for d, dirs, names in os.walk(root):
        dirs[:] = [x for x in dirs if not x.startswith(".") and x != "build"]
        for n in names:
            files.append(os.path.relpath(os.path.join(d, n), root))
    return files


def read_graph(root, problems):
    path = os.path.join(root, "docs", "architecture.md")
    try:
        text = open(path, encoding="utf-8").read()
    except OSError as e:
        problems.append(f"docs/architecture.md: cannot read: {e}")
        return {}
    m = re.search(r"<!-- area graph -->\s*```[^\n]*\n(.*?)```", text, re.S)
    if not m:
        problems.append("docs/architecture.md: no fenced block after '<!-- area graph -->'")
        return {}
    graph = {}
    for n, line in enumerate(m.group(1).splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if ":" not in line:
            problems.append(f"docs/architecture.md: area graph line {n}: want 'area: uses...'")
            continue
        area, uses = line.split(":", 1)
        graph[area.strip()] = set(uses.split())
    return graph


def find_cycle(graph):
    state = {}

    def visit(a, path):
        state[a] = 1
        for b in sorted(graph.get(a, ())):
            if state.get(b) == 1:
                return path + [a, b]
            if b not in state:
                c = visit(b, path + [a])
                if c:
                    return c
        state[a] = 2
        return None

    for a in sorted(graph):
        if a not in state:
            c = visit(a, [])
            if c:
                return c[c.index(c[-1]):]
    return None


def area_of(path):
    parts = path.split("/")
    if len(parts) >= 3 and parts[0] == "src":
        return parts[1]
    if len(parts) >= 4 and parts[0] == "include" and parts[1] == "ghharvest":
        return parts[2]
    return None


def included_area(inc, areas):
    parts = inc.split("/")
    if parts[0] == "ghharvest" and len(parts) >= 3:
        return parts[1]
    if len(parts) >= 2 and parts[0] in areas:  # a private header: "github/etag_cache.hpp"
        return parts[0]
    return None


def check(root):
    problems = []
    graph = read_graph(root, problems)
    files = tracked_files(root)
    areas = set(graph)

    for a, uses in sorted(graph.items()):
        for b in sorted(uses - areas):
            problems.append(f"docs/architecture.md: area {a} uses {b}, which is not an area")
    cycle = find_cycle(graph)
    if cycle:
        problems.append("docs/architecture.md: the area graph has a cycle: " + " -> ".join(cycle))

    folders = {f.split("/")[1] for f in files if f.startswith("src/") and f.count("/") >= 2}
    for a in sorted(folders - areas):
        problems.append(f"src/{a}/: a folder that is not an area of docs/architecture.md")
    for a in sorted(areas - folders):
        problems.append(f"docs/architecture.md: area {a} has no folder src/{a}/")

    for f in sorted(files):
        full = os.path.join(root, f)
        if not os.path.isfile(full):
            continue
        try:
            text = open(full, encoding="utf-8").read()
        except (OSError, UnicodeDecodeError):
            continue
        if f != "tests/architecture/check_layering.py" and f != "tests/architecture/layering_selftest.py":
            for n, line in enumerate(text.splitlines(), 1):
                if SHARED.search(line):
                    problems.append(f"{f}:{n}: points outside the project ({line.strip()[:60]})")
        if not f.endswith(SOURCE_EXT):
            continue
        a = area_of(f)
        if a is not None and a in graph:
            for m in INCLUDE.finditer(text):
                b = included_area(m.group(1), areas)
                if b is None or b == a or b in graph[a]:
                    continue
                n = text.count("\n", 0, m.start()) + 1
                problems.append(f"{f}:{n}: area {a} may not use {b} (includes \"{m.group(1)}\")")
        if f.startswith("src/store/"):
            continue
        if f.startswith(("src/", "include/")):
            code = COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
            for m in STRING.finditer(code):
                lit = m.group("raw") if m.group("raw") is not None else m.group("s")
                if SQL.search(lit):
                    n = code.count("\n", 0, m.start()) + 1
                    problems.append(f"{f}:{n}: SQL outside src/store/ (\"{lit[:50]}\")")
            for n, line in enumerate(code.splitlines(), 1):
                if re.search(r"#\s*include\s*<sqlite3\.h>|\bsqlite3_\w+\s*\(", line):
                    problems.append(f"{f}:{n}: the SQLite API outside src/store/")

    for a in sorted(areas & folders):
        path = os.path.join(root, "src", a, "CMakeLists.txt")
        try:
            cm = open(path, encoding="utf-8").read()
        except OSError:
            problems.append(f"src/{a}/CMakeLists.txt: missing (every area is its own library)")
            continue
        m = re.search(r"ghh_area\(\s*" + re.escape(a) + r"\b(.*?)\)", cm, re.S)
        if not m:
            problems.append(f"src/{a}/CMakeLists.txt: no ghh_area({a} ...)")
            continue
        u = re.search(r"\bUSES\b(.*?)(\b(LIBS|PUBLIC_LIBS|SOURCES)\b|$)", m.group(1), re.S)
        links = set(u.group(1).split()) if u else set()
        if links != graph[a]:
            problems.append(f"src/{a}/CMakeLists.txt: links {sorted(links)}, the graph allows "
                            f"{sorted(graph[a])}")
    return problems


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    p.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    args = p.parse_args()
    problems = check(os.path.abspath(args.root))
    for line in problems:
        print(line)
    if problems:
        print(f"layering: {len(problems)} problems")
        return 1
    print("layering: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
