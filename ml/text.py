"""Japanese text normalisation and tokenisation.

Why these choices:

* NFKC first: source texts carry full-width Latin (ＳｉＣ), half-width kana and
  Kangxi-radical look-alikes; NFKC maps them onto ordinary characters.
* Katakana folding: loanwords are spelt many ways (ウェハ / ウエハー / ウェーハ).
  Enlarging small vowels and dropping the long-vowel mark gives one key
  (ウエハ) for all of them, for words and for character n-grams alike.
* SudachiPy mode C keeps named entities and long units together; its
  ``normalized_form`` unifies okurigana and some spellings. Mode A sub-tokens
  are added too so a query for 装置 still meets 半導体製造装置.
* Runs of adjacent nouns are also emitted joined (半導体+製造+装置 ->
  半導体製造装置, and the adjacent pairs) because sudachidict-core splits many
  technical compounds that matter as units.
* Character 2/3-grams give robustness to spellings and words the dictionary
  does not know.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # SudachiPy ships a .pyi but no py.typed marker, so mypy sees these as Any;
    # the names still document what flows through the tokeniser.
    from sudachipy import Morpheme, SplitMode, Tokenizer

_SMALL_TO_LARGE = str.maketrans(
    {
        "ァ": "ア",
        "ィ": "イ",
        "ゥ": "ウ",
        "ェ": "エ",
        "ォ": "オ",
        "ャ": "ヤ",
        "ュ": "ユ",
        "ョ": "ヨ",
        "ヮ": "ワ",
        "ヵ": "カ",
        "ヶ": "ケ",
    }
)
_KATA_RUN = re.compile(r"[\u30A0-\u30FF]+")
_SPACE = re.compile(r"\s+")
# Characters that carry no meaning for n-grams (punctuation, symbols, spaces).
_NON_CONTENT = re.compile(r"[\s\u3000-\u303F\uFF01-\uFF0F!-/:-@\[-`{-~・「」『』（）()【】〔〕、。，．､｡･]+")
_ASCII_WORD = re.compile(r"^[a-z0-9][a-z0-9+\-./]*$")

# Sudachi refuses very long inputs (byte limit); split beforehand.
_MAX_CHARS = 4000


@lru_cache(maxsize=200_000)
def fold_token(token: str) -> str:
    """fold_katakana for a single token; tokens repeat, so this is cached."""
    return fold_katakana(token)


def fold_katakana(text: str) -> str:
    """ウェーハ / ウエハー / ウェハ -> ウエハ (only inside katakana runs)."""

    def fold(m: re.Match[str]) -> str:
        s = m.group(0).translate(_SMALL_TO_LARGE).replace("ー", "")
        return s or m.group(0)

    return _KATA_RUN.sub(fold, text)


def normalize(text: str | None) -> str:
    return _normalize(text or "")


@lru_cache(maxsize=256)  # one document's text is normalised by several callers
def _normalize(text: str) -> str:
    """NFKC, lower case, folded katakana, single spaces."""
    if not text:
        return ""
    t = unicodedata.normalize("NFKC", text).lower()
    t = fold_katakana(t)
    return _SPACE.sub(" ", t).strip()


def compact(text: str | None) -> str:
    """Normalised text without spaces and punctuation, for substring matching."""
    return _compact(text or "")


@lru_cache(maxsize=256)
def _compact(text: str) -> str:
    return _NON_CONTENT.sub("", normalize(text))


@lru_cache(maxsize=1)
def _dictionary() -> Any:
    from sudachipy import Dictionary

    return Dictionary(dict="core")


_PER_THREAD = threading.local()


def _tokenizers() -> tuple[Tokenizer, SplitMode]:
    """This thread's tokenizer: a SudachiPy tokenizer refuses a second caller while busy
    ("Tokenizer is already in use"), so threads (gunicorn threads, test servers) each get one."""
    made: tuple[Tokenizer, SplitMode] | None = getattr(_PER_THREAD, "tokenizers", None)
    if made is None:
        from sudachipy import SplitMode

        dic = _dictionary()
        make = getattr(dic, "tokenizer", None) or dic.create
        made = (make(mode=SplitMode.C), SplitMode.A)
        _PER_THREAD.tokenizers = made
    return made


_CONTENT_POS = {"名詞", "動詞", "形容詞", "形状詞", "接頭辞"}
_STOP = {
    "当社",
    "弊社",
    "私",
    "我々",
    "こと",
    "もの",
    "よう",
    "ため",
    "等",
    "など",
    "事",
    "物",
    "行う",
    "居る",
    "為る",
    "する",
    "有る",
    "ある",
    "成る",
    "なる",
    "出来る",
    "できる",
    "いる",
    "対応",
    "可能",
    "様",
    "方",
    "中",
    "的",
    "化",
    "性",
    "お",
    "ご",
    "御",
    "考える",
    "思う",
    "求める",
    "探す",
    "希望",
    "募集",
    "探索",
    "必要",
    "件",
    # English function words that survive as nouns in mixed text
    "a",
    "an",
    "the",
    "and",
    "or",
    "of",
    "for",
    "to",
    "in",
    "on",
    "with",
    "we",
    "our",
    "is",
    "are",
    "be",
    "by",
    "at",
    "as",
    "from",
    "that",
    "this",
    "it",
    "us",
    "you",
}


def _chunks(text: str) -> list[str]:
    if len(text) <= _MAX_CHARS:
        return [text]
    return [text[i : i + _MAX_CHARS] for i in range(0, len(text), _MAX_CHARS)]


# Pieces end after a sentence end, comma, nakaguro or space. None of these
# is a content word, so a noun run never crosses them anyway, and short
# pieces repeat a lot (phrases, code labels, boilerplate such as
# 短納期・小ロットにも対応。), so tokenising piece by piece through a cache
# saves most Sudachi calls. The tokens are the same except where Sudachi's
# lattice used to look across the boundary (rare, e.g. 69 山口県).
_SENTENCE_END = re.compile(r"(?<=[。！？!?、,・ ])")


def tokenize(text: str | None) -> list[str]:
    """Content-word tokens (with compounds and sub-tokens) of a text."""
    out: list[str] = []
    # line by line too: a name line ("製作所123") must not make the first
    # sentence of every description unique to the cache
    for line in (text or "").split("\n"):
        t = normalize(line)
        for piece in _chunks(t) if t else ():
            for sentence in _SENTENCE_END.split(piece):
                if sentence:
                    out.extend(_tokenize_sentence(sentence))
    return out


# What one morpheme contributes, cached by (word id, surface, POS id): the
# same dictionary words recur in every document, and asking Sudachi for the
# POS, normalised form and mode-A split costs more than the lookup.
# Value: (content word?, form inside a noun run or "", token to emit or "", mode-A sub-tokens)
_Morph = tuple[bool, str, str, tuple[str, ...]]
_MORPH_CACHE: dict[tuple[int, str, int], _Morph] = {}
_MORPH_CACHE_MAX = 500_000


def _morph_info(m: Morpheme, mode_a: SplitMode) -> _Morph:
    pos = m.part_of_speech()
    p0 = pos[0]
    if p0 not in _CONTENT_POS:
        return (False, "", "", ())
    surface = m.surface()
    # Sudachi "normalises" English words to katakana readings (we -> ウィー);
    # keep Latin-script words as written.
    norm = surface if surface.isascii() else fold_token(m.normalized_form().lower())
    in_run = norm if p0 == "名詞" and pos[1] != "数詞" else ""
    if norm in _STOP or (len(norm) == 1 and not norm.isalnum()):
        return (True, in_run, "", ())
    if p0 == "名詞" and pos[1] == "数詞" and not _ASCII_WORD.match(norm):
        return (True, in_run, "", ())
    subs: list[str] = []
    if len(surface) >= 3:
        split = m.split(mode_a)
        if len(split) > 1:
            for x in split:
                sn = fold_token(x.normalized_form().lower())
                if len(sn) >= 2 and sn not in _STOP:
                    subs.append(sn)
    return (True, in_run, norm, tuple(subs))


@lru_cache(maxsize=100_000)
def _tokenize_sentence(piece: str) -> tuple[str, ...]:
    tok, mode_a = _tokenizers()
    cache = _MORPH_CACHE
    if len(cache) > _MORPH_CACHE_MAX:
        cache.clear()
    out: list[str] = []
    run: list[str] = []  # current run of adjacent nouns

    def flush() -> None:
        if len(run) >= 2:
            # adjacent pairs and the whole run (capped: long runs are rare noise)
            out.extend(run[i] + run[i + 1] for i in range(len(run) - 1))
            if 2 < len(run) <= 5:
                out.append("".join(run))
        run.clear()

    for m in tok.tokenize(piece):
        key = (m.word_id(), m.surface(), m.part_of_speech_id())
        info = cache.get(key)
        if info is None:
            info = cache[key] = _morph_info(m, mode_a)
        content, in_run, norm, subs = info
        if not content:
            flush()
            continue
        if in_run:
            run.append(in_run)
        else:
            flush()
        if norm:
            out.append(norm)
            out.extend(subs)
    flush()
    return tuple(out)


def char_ngrams(text: str | None, ns: tuple[int, ...] = (2, 3)) -> list[str]:
    """Character n-grams of the compacted text (spelling-robust features)."""
    c = compact(text)
    grams: list[str] = []
    for n in ns:
        if len(c) >= n:
            grams.extend(c[i : i + n] for i in range(len(c) - n + 1))
    if not grams and c:
        grams.append(c)
    return grams


# Nouns that make no keyword: pronouns and dependent nouns are excluded by POS;
# these are ordinary nouns too vague to explain a match.
_VAGUE = {
    "当社",
    "弊社",
    "御社",
    "貴社",
    "私",
    "我々",
    "こと",
    "もの",
    "ため",
    "よう",
    "方",
    "中",
    "等",
    "件",
    "感じ",
    "ところ",
}
_HAS_DIGIT = re.compile(r"[0-9０-９〇一二三四五六七八九十百千万億]+[年月日時分歳%％件名社円]|[0-9０-９]")


def _keyword_noun(m: Morpheme) -> bool:
    pos = m.part_of_speech()
    if pos[0] != "名詞" or pos[1] in ("数詞", "代名詞"):
        return False
    if pos[1] == "普通名詞" and pos[2] == "助数詞可能" and len(m.surface()) == 1:
        return False
    if "非自立" in pos[1] or "非自立" in pos[2]:
        return False
    s = m.surface()
    return bool(s.strip()) and not _HAS_DIGIT.search(s) and s not in _VAGUE


@lru_cache(maxsize=4096)
def keyword_surfaces(text: str | None) -> dict[str, str]:
    """Index term -> the words as written in ``text`` (NFKC only), for nouns and noun runs.

    The index stores normalised terms (folded katakana, Sudachi normalised
    forms: 真空チヤンバ); reasons must show what the user wrote (真空チャンバー).
    Only nouns qualify (no verbs such as 来る / 出す, no auxiliaries, no
    numbers, dates or pronouns), so a keyword is always a content word.
    """
    out: dict[str, str] = {}
    if not text:
        return out
    tok, _ = _tokenizers()
    runs: list[str] = []
    for line in unicodedata.normalize("NFKC", text).split("\n"):
        for piece in _chunks(line):
            run: list[str] = []
            for m in tok.tokenize(piece):
                if _keyword_noun(m):
                    s = m.surface().strip()
                    if len(s) >= 2 or (len(s) == 1 and not s.isascii() and not _is_kana(s)):
                        out.setdefault(fold_token(normalize(s)), s)
                        for t in _tokenize_sentence(normalize(s)):
                            out.setdefault(t, s)
                    run.append(s)
                else:
                    if len(run) >= 2:
                        runs.append("".join(run))
                        runs.extend(run[i] + run[i + 1] for i in range(len(run) - 1))
                    run = []
            if len(run) >= 2:
                runs.append("".join(run))
                runs.extend(run[i] + run[i + 1] for i in range(len(run) - 1))
    for r in runs:
        for t in _tokenize_sentence(normalize(r)):
            out.setdefault(t, r)
    return out


def _is_kana(s: str) -> bool:
    return all("\u3040" <= ch <= "\u30ff" for ch in s)
