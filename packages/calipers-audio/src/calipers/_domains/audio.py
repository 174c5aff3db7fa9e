"""Names calipers-audio adds to the `calipers` and `calipers.functional` namespaces."""

MODULE_NAMES: tuple[str, ...] = (
    "PermutationInvariantTraining",
    "ScaleInvariantSignalDistortionRatio",
    "ScaleInvariantSignalNoiseRatio",
    "SignalDistortionRatio",
    "SignalNoiseRatio",
)
FUNCTIONAL_NAMES: tuple[str, ...] = (
    "permutation_invariant_training",
    "pit_permutate",
    "scale_invariant_signal_distortion_ratio",
    "scale_invariant_signal_noise_ratio",
    "signal_distortion_ratio",
    "signal_noise_ratio",
)
