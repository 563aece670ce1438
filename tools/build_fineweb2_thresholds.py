"""Build the package table of FineWeb-2's per-language filter settings (``steps/quality/data/``).

FineWeb-2 (Penedo et al. 2025; Apache-2.0) tuned the Gopher and FineWeb filters for each language/script:
duplicate-line and n-gram limits, line punctuation and line-break ratios, word-length bounds, the share of
words with a letter, and the stop words of the "enough stop words" rule. This keeps those settings for every
language websieve's language id (fastText lid.176) predicts, keyed by its label, in one small package table
that ``websieve.steps.quality.languages`` reads. English is not in FineWeb-2: its entry is FineWeb's
(datatrove's defaults, Gopher's stop words).

lid.176 labels are mapped to FineWeb-2's ISO 639-3 + script names by datatrove's tokenizer assignment table
(the default code and script of each ISO 639-1 code), checked by hand: lid.176's ``als`` is Alemannic
(``gsw``), its ``ku`` Northern Kurdish in Latin script, ``no`` Bokmal, ``tl`` Filipino, ``bh`` Bhojpuri,
``sh`` Serbo-Croatian in Latin script (FineWeb-2's Serbian, Latin).

A few languages have a line punctuation threshold of -1 (the rule off: null here) or n-gram limits above 1
(the most frequent n-gram's occurrences can overlap, so its share can exceed 1; kept as they are).

    .venv/bin/python tools/build_fineweb2_thresholds.py  # --configs DIR: another copy of the configs
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml

LID_TO_FINEWEB2 = {
    "af": "afr_Latn",
    "als": "gsw_Latn",
    "am": "amh_Ethi",
    "an": "arg_Latn",
    "ar": "arb_Arab",
    "arz": "arz_Arab",
    "as": "asm_Beng",
    "ast": "ast_Latn",
    "av": "ava_Cyrl",
    "az": "azj_Latn",
    "azb": "azb_Arab",
    "ba": "bak_Cyrl",
    "bar": "bar_Latn",
    "bcl": "bcl_Latn",
    "be": "bel_Cyrl",
    "bg": "bul_Cyrl",
    "bh": "bho_Deva",
    "bn": "ben_Beng",
    "bo": "bod_Tibt",
    "bpy": "bpy_Beng",
    "br": "bre_Latn",
    "bs": "bos_Latn",
    "bxr": "bxr_Cyrl",
    "ca": "cat_Latn",
    "cbk": "cbk_Latn",
    "ce": "che_Cyrl",
    "ceb": "ceb_Latn",
    "ckb": "ckb_Arab",
    "co": "cos_Latn",
    "cs": "ces_Latn",
    "cv": "chv_Cyrl",
    "cy": "cym_Latn",
    "da": "dan_Latn",
    "de": "deu_Latn",
    "diq": "diq_Latn",
    "dsb": "dsb_Latn",
    "dty": "dty_Deva",
    "dv": "div_Thaa",
    "el": "ell_Grek",
    "eml": "eml_Latn",
    "eo": "epo_Latn",
    "es": "spa_Latn",
    "et": "ekk_Latn",
    "eu": "eus_Latn",
    "fa": "fas_Arab",
    "fi": "fin_Latn",
    "fr": "fra_Latn",
    "frr": "frr_Latn",
    "fy": "fry_Latn",
    "ga": "gle_Latn",
    "gd": "gla_Latn",
    "gl": "glg_Latn",
    "gn": "gug_Latn",
    "gom": "gom_Latn",
    "gu": "guj_Gujr",
    "gv": "glv_Latn",
    "he": "heb_Hebr",
    "hi": "hin_Deva",
    "hif": "hif_Latn",
    "hr": "hrv_Latn",
    "hsb": "hsb_Latn",
    "ht": "hat_Latn",
    "hu": "hun_Latn",
    "hy": "hye_Armn",
    "ia": "ina_Latn",
    "id": "ind_Latn",
    "ie": "ile_Latn",
    "ilo": "ilo_Latn",
    "io": "ido_Latn",
    "is": "isl_Latn",
    "it": "ita_Latn",
    "ja": "jpn_Jpan",
    "jbo": "jbo_Latn",
    "jv": "jav_Latn",
    "ka": "kat_Geor",
    "kk": "kaz_Cyrl",
    "km": "khm_Khmr",
    "kn": "kan_Knda",
    "ko": "kor_Hang",
    "krc": "krc_Cyrl",
    "ku": "kmr_Latn",
    "kv": "kpv_Cyrl",
    "kw": "cor_Latn",
    "ky": "kir_Cyrl",
    "la": "lat_Latn",
    "lb": "ltz_Latn",
    "lez": "lez_Cyrl",
    "li": "lim_Latn",
    "lmo": "lmo_Latn",
    "lo": "lao_Laoo",
    "lrc": "lrc_Arab",
    "lt": "lit_Latn",
    "lv": "lvs_Latn",
    "mai": "mai_Deva",
    "mg": "plt_Latn",
    "mhr": "mhr_Cyrl",
    "min": "min_Latn",
    "mk": "mkd_Cyrl",
    "ml": "mal_Mlym",
    "mn": "khk_Cyrl",
    "mr": "mar_Deva",
    "mrj": "mrj_Cyrl",
    "ms": "zsm_Latn",
    "mt": "mlt_Latn",
    "mwl": "mwl_Latn",
    "my": "mya_Mymr",
    "myv": "myv_Cyrl",
    "mzn": "mzn_Arab",
    "nah": "nah_Latn",
    "nap": "nap_Latn",
    "nds": "nds_Latn",
    "ne": "npi_Deva",
    "new": "new_Deva",
    "nl": "nld_Latn",
    "nn": "nno_Latn",
    "no": "nob_Latn",
    "oc": "oci_Latn",
    "or": "ory_Orya",
    "os": "oss_Cyrl",
    "pa": "pan_Guru",
    "pam": "pam_Latn",
    "pfl": "pfl_Latn",
    "pl": "pol_Latn",
    "pms": "pms_Latn",
    "pnb": "pnb_Arab",
    "ps": "pbt_Arab",
    "pt": "por_Latn",
    "qu": "quh_Latn",
    "rm": "roh_Latn",
    "ro": "ron_Latn",
    "ru": "rus_Cyrl",
    "rue": "rue_Cyrl",
    "sa": "san_Deva",
    "sah": "sah_Cyrl",
    "sc": "srd_Latn",
    "scn": "scn_Latn",
    "sco": "sco_Latn",
    "sd": "snd_Arab",
    "sh": "srp_Latn",
    "si": "sin_Sinh",
    "sk": "slk_Latn",
    "sl": "slv_Latn",
    "so": "som_Latn",
    "sq": "als_Latn",
    "sr": "srp_Cyrl",
    "su": "sun_Latn",
    "sv": "swe_Latn",
    "sw": "swh_Latn",
    "ta": "tam_Taml",
    "te": "tel_Telu",
    "tg": "tgk_Cyrl",
    "th": "tha_Thai",
    "tk": "tuk_Latn",
    "tl": "fil_Latn",
    "tr": "tur_Latn",
    "tt": "tat_Cyrl",
    "tyv": "tyv_Cyrl",
    "ug": "uig_Arab",
    "uk": "ukr_Cyrl",
    "ur": "urd_Arab",
    "uz": "uzn_Latn",
    "vec": "vec_Latn",
    "vep": "vep_Latn",
    "vi": "vie_Latn",
    "vls": "vls_Latn",
    "vo": "vol_Latn",
    "wa": "wln_Latn",
    "war": "war_Latn",
    "wuu": "wuu_Hani",
    "xal": "xal_Cyrl",
    "xmf": "xmf_Geor",
    "yi": "ydd_Hebr",
    "yo": "yor_Latn",
    "yue": "yue_Hani",
    "zh": "cmn_Hani",
}
"""lid.176 label -> FineWeb-2 config (ISO 639-3 + script); English is FineWeb's own, below."""

ENGLISH = {
    "config": "FineWeb (English)",
    "language_score": 0.65,
    "dup_line_frac": 0.3,
    "top_n_grams": [[2, 0.2], [3, 0.18], [4, 0.16]],
    "dup_n_grams": [[5, 0.15], [6, 0.14], [7, 0.13], [8, 0.12], [9, 0.11], [10, 0.1]],
    "line_punct_thr": 0.12,
    "new_line_ratio": 0.3,
    "min_avg_word_length": 3,
    "max_avg_word_length": 10,
    "max_non_alpha_words_ratio": 0.8,
    "stop_words": ["the", "be", "to", "of", "and", "that", "have", "with"],
}
KEYS = (
    "language_score", "dup_line_frac", "top_n_grams", "dup_n_grams", "line_punct_thr", "new_line_ratio",
    "min_avg_word_length", "max_avg_word_length", "max_non_alpha_words_ratio",
)  # fmt: skip


def entry(path: Path) -> dict[str, object]:
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    missing = [key for key in (*KEYS, "stopwords") if key not in config]
    if missing:
        raise SystemExit(f"{path}: no {', '.join(missing)}")
    out: dict[str, object] = {"config": path.stem}
    out.update({key: config[key] for key in KEYS})
    if out["line_punct_thr"] < 0:  # FineWeb-2 writes -1 for "no least share": off
        out["line_punct_thr"] = None
    out["stop_words"] = [str(word) for word in config["stopwords"]]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--configs", type=Path, default=Path("../shared/data/fineweb2-filter-configs/configs")
    )
    parser.add_argument(
        "--out", type=Path, default=Path("src/websieve/steps/quality/data/fineweb2_thresholds.json")
    )
    args = parser.parse_args()
    languages: dict[str, object] = {"en": ENGLISH}
    for label, name in sorted(LID_TO_FINEWEB2.items()):
        languages[label] = entry(args.configs / f"{name}.yml")
    table = {
        "source": "FineWeb-2 filter configs (github.com/huggingface/fineweb-2, configs/), Apache-2.0; "
        "English: FineWeb (datatrove defaults)",
        "languages": languages,
    }
    args.out.write_text(json.dumps(table, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{len(languages)} languages -> {args.out} ({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
