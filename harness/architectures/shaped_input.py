"""What the specs of networks on shaped inputs (a CNN, a ResNet) share: flat inputs reshaped to ``input_shape``."""

from __future__ import annotations

import math


class ShapedInput:
    """``input_size`` from the spec's ``input_shape`` and ``output_size`` from its ``outputs``."""

    @property
    def input_size(self) -> int:
        return math.prod(self.input_shape)

    @property
    def output_size(self) -> int:
        return self.outputs
