import warnings

import pytest

from harness.errors import HarnessError, PluginWarning
from harness.registry import build_registry
from tests.conftest import install_plugin

GOOD = """
from harness import Algorithm, Plausibility, hookimpl
CREDITBENCH_CONTRACT = 1
@hookimpl
def register_algorithms(register):
    register(Algorithm(name="third-party-rule", family="test", citation="Someone (2026)", build=print,
                       plausibility=Plausibility(False, False, True)))
"""

BROKEN = {
    "import-error": ("import not_a_module_anywhere\n", "failed to import: ModuleNotFoundError"),
    "wrong-contract": ("CREDITBENCH_CONTRACT = 99\n", "implements contract 99"),
    "no-contract": ("x = 1\n", "declares no CREDITBENCH_CONTRACT"),
    "no-metadata": (
        "from harness import Algorithm, hookimpl\nCREDITBENCH_CONTRACT = 1\n"
        "@hookimpl\ndef register_algorithms(register):\n"
        "    register(Algorithm(name='bare', family='', citation='', build=print))\n",
        "algorithm has no family",
    ),
    "hook-raises": (
        "from harness import hookimpl\nCREDITBENCH_CONTRACT = 1\n"
        "@hookimpl\ndef register_algorithms(register):\n    raise RuntimeError('boom')\n",
        "register_algorithms raised RuntimeError: boom",
    ),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_plugin_gets_one_warning_naming_it_and_the_rest_load(site, kind):
    source, problem = BROKEN[kind]
    install_plugin(site, "good-plugin", "fake_good", GOOD)
    install_plugin(site, f"broken-{kind}", f"fake_broken_{kind.replace('-', '_')}", source)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        registry = build_registry()
    messages = [str(w.message) for w in caught if issubclass(w.category, PluginWarning)]
    assert len(messages) == 1, messages
    assert f"'broken-{kind}'" in messages[0] and problem in messages[0]
    assert "third-party-rule" in registry.algorithms
    assert {"digits", "mnist5k", "mnist1d"} <= set(registry.tasks)


def test_allow_list_loads_only_the_named_plugins(site, monkeypatch):
    install_plugin(site, "good-plugin", "fake_good", GOOD)
    monkeypatch.setenv("CREDITBENCH_PLUGINS", "backprop")
    registry = build_registry()
    assert "third-party-rule" not in registry.algorithms
    assert "bp-sgd" in registry.algorithms and "fa" not in registry.algorithms
    monkeypatch.setenv("CREDITBENCH_PLUGINS", "good-plugin")
    assert set(build_registry().algorithms) == {"third-party-rule"}


def test_a_duplicate_name_is_refused_with_a_warning(site):
    install_plugin(site, "good-plugin", "fake_good", GOOD)
    install_plugin(site, "copycat", "fake_copycat", GOOD, dist="copycat")
    with pytest.warns(PluginWarning, match="already registered"):
        registry = build_registry()
    assert registry.versions["third-party-rule"] == "fake-good-plugin==0.1"


def test_unknown_names_raise_a_harness_error_listing_the_known_ones():
    registry = build_registry()
    with pytest.raises(
        HarnessError, match=r"unknown task 'imagenet' \(known: adaptive-trap, .*digits, .*mnist1d, .*mnist5k"
    ):
        registry.task("imagenet")


def test_the_harness_does_not_import_plugins():
    from pathlib import Path

    for path in Path(__file__).resolve().parent.parent.joinpath("harness").rglob("*.py"):
        text = path.read_text()
        assert "import creditbench_" not in text and "from creditbench_" not in text and "plugins/" not in text, path


def test_an_unknown_name_suggests_the_close_ones():
    registry = build_registry()
    with pytest.raises(HarnessError, match=r"unknown task 'mnist5'; did you mean 'mnist5k' or 'mnist' or 'mnist1d'\?"):
        registry.task("mnist5")


def test_plugins_import_only_the_public_api_outside_their_tests():
    from pathlib import Path

    plugins = Path(__file__).resolve().parent.parent / "plugins"
    for path in plugins.rglob("*.py"):
        if "tests" in path.relative_to(plugins).parts:
            continue
        for line in path.read_text().splitlines():
            stripped = line.strip()
            if stripped.startswith(("from harness", "import harness")):
                assert stripped.startswith(("from harness import", "from harness.testing import")), (
                    f"{path}: {stripped}"
                )
