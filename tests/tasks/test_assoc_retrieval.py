import warnings

import numpy as np

from harness.errors import DatasetDriftWarning
from harness.tasks import assoc_retrieval
from harness.tasks.cards import checksum, verify


def test_strings_have_distinct_keys_digit_values_and_a_query_among_the_keys():
    codes, targets = assoc_retrieval.generate(500, 4, np.random.default_rng(1))
    assert codes.shape == (500, 11) and targets.shape == (500,)
    for string, target in zip(map(assoc_retrieval.text, codes), targets):
        keys, values, separator, query = string[0:8:2], string[1:8:2], string[8:10], string[10]
        assert len(set(keys)) == 4 and set(keys) <= set(assoc_retrieval.LETTERS)
        assert set(values) <= set(assoc_retrieval.DIGITS) and separator == "??"
        assert query in keys and values[keys.index(query)] == str(target)


def test_every_key_position_and_every_digit_is_asked_for():
    codes, targets = assoc_retrieval.generate(2000, 4, np.random.default_rng(2))
    positions = [assoc_retrieval.text(c)[0:8:2].index(assoc_retrieval.text(c)[10]) for c in codes]
    assert set(positions) == {0, 1, 2, 3}
    assert set(targets.tolist()) == set(range(10))


def test_splits_are_one_hot_sized_as_documented_and_match_their_card():
    splits = assoc_retrieval.load()
    for name, n in assoc_retrieval.SIZES.items():
        x, y = getattr(splits, f"x_{name}"), getattr(splits, f"y_{name}")
        assert x.shape == (n, 11, 37) and x.dtype == np.float32 and y.dtype == np.int64
        assert np.array_equal(x.sum(axis=2), np.ones((n, 11)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DatasetDriftWarning)
        assert verify("assoc-retrieval", splits) == checksum(splits)


def test_generation_is_seeded():
    first = assoc_retrieval.generate(50, 4, np.random.default_rng(7))
    again = assoc_retrieval.generate(50, 4, np.random.default_rng(7))
    other = assoc_retrieval.generate(50, 4, np.random.default_rng(8))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[0], other[0])
