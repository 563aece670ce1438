"""Write spaCy's English tokenizer rules to src/websieve/steps/quality/data/spacy_en_tokenizer.json.

websieve splits words as spaCy's blank English pipeline does (the FineWeb filters' counts depend on it)
without depending on spaCy: this exports the rules once (spaCy is MIT-licensed; the file says which
version). Run it where spaCy is installed (`make peer-datatrove` builds such an environment):

    benchmarks/_work/dt-venv/bin/python tools/export_spacy_tokenizer.py
"""

import json
from pathlib import Path

import spacy

OUT = Path(__file__).resolve().parents[1] / "src/websieve/steps/quality/data/spacy_en_tokenizer.json"


def main() -> None:
    tokenizer = spacy.blank("en").tokenizer
    rules = {key: [t.get("ORTH", t.get(65)) for t in value] for key, value in tokenizer.rules.items()}
    data = {
        "source": f"spaCy {spacy.__version__}, spacy.blank('en').tokenizer (MIT License, (c) Explosion AI)",
        "prefix": tokenizer.prefix_search.__self__.pattern,
        "suffix": tokenizer.suffix_search.__self__.pattern,
        "infix": tokenizer.infix_finditer.__self__.pattern,
        "url": tokenizer.url_match.__self__.pattern,
        "special_cases": dict(sorted(rules.items())),
    }
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(rules)} special cases)")


if __name__ == "__main__":
    main()
