"""The shipped line model: its fused evaluation must say what the members say one by one."""

from __future__ import annotations

import dataclasses

import numpy as np

from conftest import SEED
from websieve.steps.clean.features import line_features, split_lines
from websieve.steps.clean.model import LineModel


def test_fused_members_score_like_the_members_one_by_one() -> None:
    model = LineModel.load()
    assert model._fused is not None  # the shipped model is evaluated fused
    features = line_features(split_lines(SEED.read_text(encoding="utf-8")), "fr")
    fused = model.score(features)
    one_by_one = dataclasses.replace(model)  # same members, rebuilt ...
    object.__setattr__(one_by_one, "_fused", None)  # ... and evaluated member by member
    plain = one_by_one.score(features)
    assert np.abs(fused - plain).max() < 1e-3
    assert np.array_equal(fused >= model.threshold, plain >= model.threshold)
    assert fused.dtype == np.float32 and fused.shape == (len(features),)


def test_a_model_whose_members_disagree_on_standardisation_is_not_fused() -> None:
    model = LineModel.load()
    first = model.members[0].first
    shifted = dataclasses.replace(model.members[0], first=dataclasses.replace(first, mean=first.mean + 1.0))
    mixed = LineModel(members=(shifted, *model.members[1:]), threshold=model.threshold)
    assert mixed._fused is None
    features = line_features(split_lines(SEED.read_text(encoding="utf-8")), "fr")
    assert mixed.score(features).shape == (len(features),)
