"""asv benchmarks of creditbench; parameterised over the devices present."""

import torch

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
