from __future__ import annotations

from ml.concepts import concept_space, detect_concepts, detect_prefectures
from ml.text import char_ngrams, compact, normalize, tokenize


def test_it_folds_wafer_spelling_variants_to_one_token():
    keys = {tuple(tokenize(s)) for s in ("ウェハ", "ウエハー", "ウェーハ", "ウエハ", "ｳｪｰﾊ")}
    assert len(keys) == 1
    assert keys.pop() == ("ウエハ",)


def test_it_normalises_full_and_half_width():
    assert normalize("ＳｉＣ　パワー半導体") == "sic パワ半導体"
    assert normalize("ｶﾞﾘｳﾑ") == normalize("ガリウム")
    assert compact("ＩＳＯ ９００１、取得") == "iso9001取得"


def test_it_keeps_compounds_recognisable():
    toks = tokenize("当社は半導体製造装置向けの部品を製造")
    assert "半導体製造装置" in toks
    assert "半導体" in toks and "装置" in toks


def test_it_handles_mixed_scripts_and_english():
    toks = tokenize("We make CNC machined parts for 半導体 equipment")
    assert {"cnc", "machined", "parts", "equipment", "半導体"} <= set(toks)
    assert "we" not in toks and "for" not in toks


def test_it_makes_character_ngrams_robust_to_spacing():
    assert char_ngrams("ウェハ 加工") == char_ngrams("ウエハー加工")


def test_it_detects_vocabulary_labels_and_aliases_in_text():
    space = concept_space()
    found = detect_concepts("ウェーハ加工とＳｉＣパワーデバイス、ISO9001取得")
    assert space.col("capabilities", "wafer_processing") in found
    assert space.col("capabilities", "compound_semiconductor") in found
    assert space.col("certifications", "iso9001") in found


def test_it_does_not_match_short_latin_aliases_inside_words():
    space = concept_space()
    found = detect_concepts("our program team")
    assert space.col("capabilities", "additive_manufacturing") not in found  # "AM" in "program"


def test_it_detects_prefectures_without_confusing_tokyo_and_kyoto():
    assert detect_prefectures("東京都に本社") == ["13"]
    assert detect_prefectures("宮城と京都府") == ["04", "26"]


def test_threads_tokenise_at_once_without_sharing_a_tokenizer():
    """One SudachiPy tokenizer refuses a second caller while busy; each thread must have its own."""
    from concurrent.futures import ThreadPoolExecutor

    from ml.text import _tokenize_sentence

    texts = [f"真空チャンバーの溶接と気密試験を{i}回繰り返し、半導体製造装置の部品を検査します" for i in range(400)]
    expected = [_tokenize_sentence.__wrapped__(t) for t in texts]  # bypass the cache: every call tokenises
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(_tokenize_sentence.__wrapped__, texts))
    assert got == expected
