"""Record pycodetags 0.8.1's serializer output (`common_interfaces.dumps`) for every tag of the
reference corpus, read with the PEP350 and with the TDG schema, as is and with `id=42` added the
way `pycodetags id` adds it (`id_command.with_id`).

usage: python dumps_oracle.py CORPUS_DIR > dumps.json   (run with pycodetags 0.8.1's Python)
"""
import json
import sys
from pathlib import Path

from pycodetags.common_interfaces import dumps, load_all
from pycodetags.id_command import with_id

corpus = Path(sys.argv[1])
out = {}
for case in sorted(corpus.glob("case_*.py")):
    entry = {}
    for schema in ("PEP350", "TDG"):
        try:
            tags = load_all(case, schema=schema)
        except Exception as error:  # the reference aborts on the file: nothing to serialize
            entry[schema] = {"error": f"{type(error).__name__}: {error}"}
            continue
        records = []
        for tag in tags:
            record = {"offsets": list(tag.offsets)}
            for name, value in (("dumps", tag), ("dumps_with_id", with_id(tag, "42"))):
                try:
                    record[name] = dumps(value)
                except Exception as error:
                    record[name + "_error"] = f"{type(error).__name__}: {error}"
            records.append(record)
        entry[schema] = {"tags": records}
    out[case.name] = entry
json.dump(out, sys.stdout, indent=1, ensure_ascii=False, sort_keys=True)
sys.stdout.write("\n")
