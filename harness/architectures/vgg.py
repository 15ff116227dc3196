"""The small VGG of the predictive-coding benchmark PCX (Pinchetti et al. 2024), as a ``CNN`` spec."""

from __future__ import annotations

from harness.architectures.cnn import CNN, Conv

VGG5_CHANNELS = (128, 256, 512, 512)


def vgg5(outputs: int, input_shape: tuple[int, int, int] = (3, 32, 32)) -> CNN:
    """VGG-5 as PCX trains it on CIFAR: four 3×3 convolutions (padding 1) of ``VGG5_CHANNELS``, each followed by a
    ReLU and a 2×2 max-pool, then one linear layer to ``outputs`` (3.85 M parameters on 32×32 inputs).  It is a
    plain chain of layers, so every rule that runs on a ``CNN`` runs on it."""
    return CNN(input_shape, tuple(Conv(channels, 3, padding=1, pool=2) for channels in VGG5_CHANNELS), (), outputs)
