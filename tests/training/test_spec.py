import hashlib
import json
from dataclasses import asdict, replace

from harness.contract import Budget
from harness.training.spec import RunSpec

SPEC = RunSpec(task="digits", algorithm="fa", seed=0, budget=Budget(1000), suite="quick")


def test_a_cpu_run_keeps_the_key_it_had_before_the_device_joined_the_identity():
    identity = {  # RunSpec.key's identity as it was before devices were part of it
        "suite": "quick",
        "task": "digits",
        "algorithm": "fa",
        "seed": 0,
        "budget": asdict(Budget(1000)),
        "config": {},
        "resolved_config": {"lr": 0.1},
        "numerics": SPEC.numerics,
        "code": "v",
    }
    before = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
    assert SPEC.key("v", {"lr": 0.1}) == before


def test_a_gpu_run_is_not_the_cpu_run_so_a_cuda_request_never_reuses_a_cpu_result():
    keys = {replace(SPEC, device=device).key("v", {"lr": 0.1}) for device in ("cpu", "cuda", "cuda:1")}
    assert len(keys) == 3
