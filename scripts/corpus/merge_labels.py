#!/usr/bin/env python3
"""Merges the two labellers' files of every batch and the settled
disagreements into corpus/labels.tsv.

    python3 scripts/corpus/merge_labels.py LABEL_DIR SETTLED.tsv [--append]

LABEL_DIR holds `<batch>-a.tsv` and `<batch>-b.tsv` (id, category, note);
SETTLED.tsv holds `id, category, note` for every id the two disagree on.
A disagreement without a settled label is an error, and so is a settled
label that is neither labeller's. With --append the new rows join the
rows corpus/labels.tsv already has (a tool labelled there already is an
error: labels are never silently replaced); without it the file is written
from LABEL_DIR alone.
"""
import glob
import os
import sys

CLASSES = {"read", "write", "execute", "destructive", "financial", "other"}


def read(path):
    out = {}
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        cols = line.split("\t")
        out[cols[0]] = (cols[1].strip(), cols[2].strip() if len(cols) > 2 else "")
    return out


def main():
    label_dir, settled_path = sys.argv[1], sys.argv[2]
    append = "--append" in sys.argv[3:]
    settled = read(settled_path)
    rows = {}
    problems = []
    kept = {}
    if append:
        for i, line in enumerate(open("corpus/labels.tsv", encoding="utf-8")):
            cols = line.rstrip("\n").split("\t")
            if i == 0 or len(cols) < 4:
                continue
            kept[cols[0]] = tuple((cols + [""])[1:5])
    for a_path in sorted(glob.glob(os.path.join(label_dir, "*-a.tsv"))):
        b_path = a_path[: -len("-a.tsv")] + "-b.tsv"
        if not os.path.exists(b_path):
            problems.append(f"{a_path}: no second labeller's file")
            continue
        a, b = read(a_path), read(b_path)
        if set(a) != set(b):
            problems.append(f"{a_path}: the two files label different tools ({len(set(a) ^ set(b))})")
        for id_ in sorted(set(a) & set(b)):
            la, lb = a[id_][0], b[id_][0]
            for l in (la, lb):
                if l not in CLASSES:
                    problems.append(f"{id_}: `{l}` is not a category")
            if la == lb:
                rows[id_] = (la, lb, la, "")
            elif id_ in settled:
                s, note = settled[id_]
                if s not in (la, lb):
                    problems.append(f"{id_}: settled `{s}` is neither `{la}` nor `{lb}`")
                rows[id_] = (la, lb, s, note)
            else:
                problems.append(f"{id_}: `{la}` against `{lb}`, not settled")
    for id_ in sorted(set(rows) & set(kept)):
        problems.append(f"{id_}: already labelled in corpus/labels.tsv")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)
    new = len(rows)
    rows.update(kept)
    with open("corpus/labels.tsv", "w", encoding="utf-8") as f:
        f.write("id\tlabel_a\tlabel_b\tlabel\tnote\n")
        for id_ in sorted(rows):
            f.write("\t".join((id_,) + rows[id_]) + "\n")
    agree = sum(1 for r in rows.values() if r[0] == r[1])
    print(f"{len(rows)} tools ({new} new); the labellers agree on {agree} ({100 * agree / len(rows):.1f} %)")


if __name__ == "__main__":
    main()
