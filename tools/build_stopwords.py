"""Build ``src/websieve/steps/clean/data/stopwords.json`` from FineWeb-2's per-language configs.

FineWeb-2 (Apache-2.0) ships, for each language/script, the most frequent function words it uses in its
Gopher-style "enough stop words" check. The line cleaner uses them as a stop-word density signal, keyed by
the ISO 639-1 code fastText's lid.176 predicts. English is absent from FineWeb-2: we use Gopher's list
(the one FineWeb v1 uses), extended with the commonest English function words.

    .venv/bin/python tools/build_stopwords.py [--configs ../shared/data/fineweb2-filter-configs/configs]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml

# ISO 639-3 + script (FineWeb-2 names) -> ISO 639-1 / lid.176 label
ISO3_TO_LID = {
    "afr_Latn": "af",
    "als_Latn": "sq",
    "amh_Ethi": "am",
    "arb_Arab": "ar",
    "ars_Arab": "ar",
    "asm_Beng": "as",
    "azj_Latn": "az",
    "bak_Cyrl": "ba",
    "bel_Cyrl": "be",
    "ben_Beng": "bn",
    "bod_Tibt": "bo",
    "bos_Latn": "bs",
    "bre_Latn": "br",
    "bul_Cyrl": "bg",
    "cat_Latn": "ca",
    "ces_Latn": "cs",
    "ckb_Arab": "ckb",
    "cmn_Hani": "zh",
    "cym_Latn": "cy",
    "dan_Latn": "da",
    "deu_Latn": "de",
    "ekk_Latn": "et",
    "ell_Grek": "el",
    "epo_Latn": "eo",
    "eus_Latn": "eu",
    "fao_Latn": "fo",
    "fil_Latn": "tl",
    "fin_Latn": "fi",
    "fra_Latn": "fr",
    "fry_Latn": "fy",
    "gla_Latn": "gd",
    "gle_Latn": "ga",
    "glg_Latn": "gl",
    "guj_Gujr": "gu",
    "heb_Hebr": "he",
    "hin_Deva": "hi",
    "hrv_Latn": "hr",
    "hun_Latn": "hu",
    "hye_Armn": "hy",
    "ind_Latn": "id",
    "isl_Latn": "is",
    "ita_Latn": "it",
    "jpn_Jpan": "ja",
    "kat_Geor": "ka",
    "kaz_Cyrl": "kk",
    "khk_Cyrl": "mn",
    "khm_Khmr": "km",
    "kan_Knda": "kn",
    "kir_Cyrl": "ky",
    "kor_Hang": "ko",
    "lao_Laoo": "lo",
    "lit_Latn": "lt",
    "ltz_Latn": "lb",
    "lvs_Latn": "lv",
    "mal_Mlym": "ml",
    "mar_Deva": "mr",
    "mkd_Cyrl": "mk",
    "mlt_Latn": "mt",
    "mya_Mymr": "my",
    "nds_Latn": "nds",
    "nld_Latn": "nl",
    "nno_Latn": "nn",
    "nob_Latn": "no",
    "npi_Deva": "ne",
    "oci_Latn": "oc",
    "ory_Orya": "or",
    "pan_Guru": "pa",
    "pes_Arab": "fa",
    "pol_Latn": "pl",
    "por_Latn": "pt",
    "ron_Latn": "ro",
    "rus_Cyrl": "ru",
    "sin_Sinh": "si",
    "slk_Latn": "sk",
    "slv_Latn": "sl",
    "spa_Latn": "es",
    "srp_Cyrl": "sr",
    "swh_Latn": "sw",
    "swe_Latn": "sv",
    "tam_Taml": "ta",
    "tat_Cyrl": "tt",
    "tel_Telu": "te",
    "tgk_Cyrl": "tg",
    "tha_Thai": "th",
    "tuk_Latn": "tk",
    "tur_Latn": "tr",
    "uig_Arab": "ug",
    "ukr_Cyrl": "uk",
    "urd_Arab": "ur",
    "uzn_Latn": "uz",
    "vie_Latn": "vi",
    "yue_Hani": "yue",
    "zsm_Latn": "ms",
    "lat_Latn": "la",
    "war_Latn": "war",
    "ceb_Latn": "ceb",
    "jav_Latn": "jv",
    "sun_Latn": "su",
    "som_Latn": "so",
    "hau_Latn": "ha",
    "yor_Latn": "yo",
    "ibo_Latn": "ig",
    "zul_Latn": "zu",
    "xho_Latn": "xh",
    "pus_Arab": "ps",
    "snd_Arab": "sd",
    "kmr_Latn": "ku",
    "mlg_Latn": "mg",
    "ast_Latn": "ast",
    "arz_Arab": "arz",
}

ENGLISH = [
    "the",
    "be",
    "to",
    "of",
    "and",
    "that",
    "have",
    "with",
    "a",
    "in",
    "is",
    "it",
    "for",
    "on",
    "was",
    "are",
    "as",
    "this",
    "by",
    "at",
    "from",
    "but",
    "not",
    "or",
    "an",
    "they",
    "we",
    "you",
    "he",
    "she",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--configs", type=Path, default=Path("../shared/data/fineweb2-filter-configs/configs")
    )
    parser.add_argument("--out", type=Path, default=Path("src/websieve/steps/clean/data/stopwords.json"))
    args = parser.parse_args()
    table: dict[str, list[str]] = {"en": ENGLISH}
    for name, code in sorted(ISO3_TO_LID.items()):
        path = args.configs / f"{name}.yml"
        if not path.exists() or code in table:
            continue
        words = yaml.safe_load(path.read_text(encoding="utf-8")).get("stopwords") or []
        table[code] = [str(w).lower() for w in words]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(table, ensure_ascii=False, sort_keys=True, indent=0) + "\n", encoding="utf-8"
    )
    print(f"{len(table)} languages -> {args.out}")


if __name__ == "__main__":
    main()
