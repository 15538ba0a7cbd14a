#!/usr/bin/env python3
"""Writes the labelling batches: every sampled tool of the corpus, shown as
its definition alone (server, name, title, description, annotations, input
schema), in files of about N tools, for labellers who see nothing else.

    python3 scripts/corpus/batches.py OUT_DIR [--size 450]

The sample is the one the evaluation uses (corpus::sample in the
classify_eval example): at most 40 tools a server, chosen by a hash of the
tool name so that it does not depend on the order a server lists them in.
"""
import argparse
import glob
import hashlib
import json
import os

PER_SERVER = 40


def sampled(tools):
    named = {}
    for t in tools:
        named.setdefault(t["name"], t)
    keyed = sorted(named.values(), key=lambda t: hashlib.sha256(t["name"].encode()).hexdigest())
    return sorted(keyed[:PER_SERVER], key=lambda t: t["name"])


def compact_schema(schema, depth=0):
    if not isinstance(schema, dict) or depth > 3:
        return schema
    out = {}
    for k in ("type", "description", "enum", "default", "required", "const"):
        if k in schema:
            v = schema[k]
            if k == "description" and isinstance(v, str) and len(v) > 400:
                v = v[:400] + "…"
            out[k] = v
    if isinstance(schema.get("properties"), dict):
        out["properties"] = {k: compact_schema(v, depth + 1) for k, v in schema["properties"].items()}
    if "items" in schema:
        out["items"] = compact_schema(schema["items"], depth + 1)
    for k in ("anyOf", "oneOf"):
        if isinstance(schema.get(k), list):
            out[k] = [compact_schema(v, depth + 1) for v in schema[k][:4]]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--size", type=int, default=450)
    ap.add_argument("--corpus", default="corpus/servers")
    a = ap.parse_args()
    items = []
    for path in sorted(glob.glob(os.path.join(a.corpus, "*.json"))):
        rec = json.load(open(path, encoding="utf-8"))
        for t in sampled(rec["tools"]):
            desc = t.get("description") or ""
            if len(desc) > 2500:
                desc = desc[:2500] + "…"
            item = {"id": f'{rec["slug"]}/{t["name"]}', "server": rec["slug"], "name": t["name"]}
            if t.get("title"):
                item["title"] = t["title"]
            item["description"] = desc
            if t.get("annotations"):
                item["annotations"] = t["annotations"]
            item["inputSchema"] = compact_schema(t.get("inputSchema") or {})
            items.append(item)
    os.makedirs(a.out, exist_ok=True)
    # Whole servers stay in one batch, so a labeller sees a server's tools together.
    batches, current, last = [], [], None
    for it in items:
        if len(current) >= a.size and it["server"] != last:
            batches.append(current)
            current = []
        current.append(it)
        last = it["server"]
    if current:
        batches.append(current)
    for i, b in enumerate(batches, 1):
        with open(os.path.join(a.out, f"batch-{i}.jsonl"), "w", encoding="utf-8") as f:
            for it in b:
                f.write(json.dumps(it, ensure_ascii=False) + "\n")
    print(f"{len(items)} tools in {len(batches)} batches")


if __name__ == "__main__":
    main()
