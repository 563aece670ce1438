"""MinHash signatures with datasketch and rensa, in the benchmark-only environment (``make peer-datatrove``).

    benchmarks/_work/dt-venv/bin/python benchmarks/peers/minhash_signatures.py TEXTS.jsonl [--repeat N]

TEXTS: one ``{"text": ...}`` per line. Each way below turns every text into a 112-value signature
(14 bands x 8 rows, websieve's default), one core, best of ``--repeat`` passes, shingling included:
the text is lower-cased, digits become 0, its words (runs of letters and digits: ``[^\\W_]+``) are taken
and every run of 5 words joined by a space is one shingle (a set per document): websieve's ``shingles``
on these texts (``benchmarks/dedup.py`` checks that they agree).

- ``datasketch update``: ``MinHash(num_perm=112, seed=1)``, ``update(shingle.encode())`` per shingle
  (SHA-1 of the bytes, 32-bit; datasketch's README);
- ``datasketch update_batch``: the same with one ``update_batch`` call per document;
- ``rensa RMinHash.update``: ``RMinHash(num_perm=112, seed=1).update(list_of_shingles)`` (rensa's README);
- ``rensa digest_matrix_from_token_sets``: rensa's bulk call over all documents' shingle lists at once.

Prints one JSON object: way -> {"seconds": best pass, "shingle_seconds": the shingling's share of it}.
"""

import argparse
import json
import re
import time

try:
    from datasketch import MinHash
    from rensa import RMinHash
except ImportError:  # websieve's environment imports only `shingles`, to check it against websieve's
    MinHash = RMinHash = None

NUM_PERM = 112
SEED = 1
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[^\W_]+")


def shingles(text: str, n: int = 5) -> list[str]:
    words = _WORD.findall(_DIGIT.sub("0", text.lower()))
    if len(words) < n:
        return [" ".join(words)] if words else []
    return list({" ".join(words[i : i + n]) for i in range(len(words) - n + 1)})


def datasketch_update(texts: list[str]) -> float:
    shingled = 0.0
    for text in texts:
        t = time.perf_counter()
        grams = shingles(text)
        shingled += time.perf_counter() - t
        m = MinHash(num_perm=NUM_PERM, seed=SEED)
        for g in grams:
            m.update(g.encode("utf-8"))
        m.digest()
    return shingled


def datasketch_batch(texts: list[str]) -> float:
    shingled = 0.0
    for text in texts:
        t = time.perf_counter()
        grams = [g.encode("utf-8") for g in shingles(text)]
        shingled += time.perf_counter() - t
        m = MinHash(num_perm=NUM_PERM, seed=SEED)
        m.update_batch(grams)
        m.digest()
    return shingled


def rensa_update(texts: list[str]) -> float:
    shingled = 0.0
    for text in texts:
        t = time.perf_counter()
        grams = shingles(text)
        shingled += time.perf_counter() - t
        m = RMinHash(num_perm=NUM_PERM, seed=SEED)
        m.update(grams)
        m.digest()
    return shingled


def rensa_matrix(texts: list[str]) -> float:
    t = time.perf_counter()
    sets = [shingles(text) for text in texts]
    shingled = time.perf_counter() - t
    RMinHash.digest_matrix_from_token_sets(sets, NUM_PERM, SEED)
    return shingled


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("texts")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with open(args.texts, encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh]
    ways = {
        "datasketch update": datasketch_update,
        "datasketch update_batch": datasketch_batch,
        "rensa RMinHash.update": rensa_update,
        "rensa digest_matrix_from_token_sets": rensa_matrix,
    }
    out = {}
    for name, way in ways.items():
        best, shingle = float("inf"), 0.0
        for _ in range(args.repeat):
            t = time.perf_counter()
            s = way(texts)
            took = time.perf_counter() - t
            if took < best:
                best, shingle = took, s
        out[name] = {"seconds": best, "shingle_seconds": shingle}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
