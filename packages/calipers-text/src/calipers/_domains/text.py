"""Names calipers-text adds to the `calipers` and `calipers.functional` namespaces."""

MODULE_NAMES: tuple[str, ...] = (
    "BLEUScore",
    "CHRFScore",
    "CharErrorRate",
    "ExtendedEditDistance",
    "MatchErrorRate",
    "Perplexity",
    "SQuAD",
    "SacreBLEUScore",
    "TranslationEditRate",
    "WordErrorRate",
    "WordInfoLost",
    "WordInfoPreserved",
)
FUNCTIONAL_NAMES: tuple[str, ...] = (
    "bleu_score",
    "char_error_rate",
    "chrf_score",
    "extended_edit_distance",
    "match_error_rate",
    "perplexity",
    "rouge_score",
    "sacre_bleu_score",
    "squad",
    "translation_edit_rate",
    "word_error_rate",
    "word_information_lost",
    "word_information_preserved",
)
