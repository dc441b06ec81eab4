#!/usr/bin/env python3
"""Breaks the architecture rules on purpose in a small tree and checks that
check_layering.py reports each break (and passes the same tree unbroken)."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import check_layering  # noqa: E402

GRAPH = """# Architecture
<!-- area graph -->
```text
util:
store: util
github: util
```
"""


def write(root, path, text):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8") as f:
        f.write(text)


def tree(root):
    write(root, "docs/architecture.md", GRAPH)
    write(root, "src/util/CMakeLists.txt", "ghh_area(util PUBLIC_LIBS fmt::fmt)\n")
    write(root, "src/store/CMakeLists.txt", "ghh_area(store USES util LIBS x)\n")
    write(root, "src/github/CMakeLists.txt", "ghh_area(github USES util)\n")
    write(root, "src/util/a.cpp", '#include "ghharvest/util/a.hpp"\n')
    write(root, "src/store/db.cpp",
          '#include "ghharvest/util/a.hpp"\nconst char* q = "SELECT id FROM t";\n')
    write(root, "src/github/client.cpp",
          '#include "ghharvest/util/a.hpp"\n// SELECT in a comment is fine\n'
          'const char* ok = "Selected items";\n')


def expect(problems, needle, failures, what):
    if not any(needle in p for p in problems):
        failures.append(f"{what}: no report containing {needle!r} in {problems}")


def main():
    failures = []
    with tempfile.TemporaryDirectory() as root:
        tree(root)
        clean = check_layering.check(root)
        if clean:
            failures.append(f"the unbroken tree has problems: {clean}")

    cases = [
        ("a forbidden include", "src/github/client.cpp",
         '#include "ghharvest/store/db.hpp"\n', "area github may not use store"),
        ("a forbidden private include", "src/github/x.cpp",
         '#include "store/internal.hpp"\n', "area github may not use store"),
        ("SQL outside the store", "src/github/y.cpp",
         'const char* q =\n    "INSERT INTO http_cache (url) VALUES (?1)";\n', "SQL outside src/store/"),
        ("raw SQL string", "src/github/z.cpp",
         'const char* q = R"(DELETE FROM t WHERE a = 1)";\n', "SQL outside src/store/"),
        ("the SQLite API outside the store", "src/github/w.cpp",
         "#include <sqlite3.h>\n", "the SQLite API outside src/store/"),
        ("a pointer outside the project", "docs/x.md",
         "see ../shared/spec/product.md\n", "points outside the project"),
        ("a folder that is no area", "src/extra/e.cpp", "int e;\n", "not an area"),
        ("a CMake link the graph forbids", "src/github/CMakeLists.txt",
         "ghh_area(github USES util store)\n", "links ['store', 'util']"),
        ("a cycle", "docs/architecture.md",
         GRAPH.replace("util:\n", "util: github\n"), "has a cycle"),
    ]
    for what, path, text, needle in cases:
        with tempfile.TemporaryDirectory() as root:
            tree(root)
            write(root, path, text)
            expect(check_layering.check(root), needle, failures, what)

    for f in failures:
        print("FAIL:", f)
    print(f"{len(cases) + 1 - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
