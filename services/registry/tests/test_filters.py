"""An OR-group read where some conditions are known to hold (``filters.given``).

A search by organisation reads each side of the organisation with the caller's scope as it
reads on that side: what the side implies is not checked again on every match.
"""

from __future__ import annotations

from warmflow_registry.service_layer.filters import given, implies

AI = "/yuhang/ai/"
AI_RANGE = {"$gte": AI, "$lt": AI + "~"}
MOBILE_RANGE = {"$gte": "/yuhang/mobile/", "$lt": "/yuhang/mobile/~"}
HOMES = {"$in": ["yuhang", "external", "yuexi"]}


def test_a_side_drops_what_it_implies_and_what_contradicts_it() -> None:
    scope = [
        {"state.outflow_path": AI_RANGE},
        {"state.inflow_path": MOBILE_RANGE, "state.home_county": HOMES},  # contradicted
        {"state.inflow_path": AI_RANGE, "state.home_county": HOMES},  # path implied
        {"state.site_id": "s1", "state.home_county": HOMES},  # holds what the one above holds
    ]
    inflow_side = {"state.inflow_path": AI, "state.inflow_county": "yuhang"}

    assert given(scope, inflow_side) == [
        {"state.home_county": HOMES},  # the cheapest first
        {"state.outflow_path": AI_RANGE},
    ]
    # a side that implies one whole branch implies the group
    assert given(scope, {"state.outflow_path": AI, "state.home_county": "yuhang"}) is None
    assert given(scope, {"state.outflow_path": {"$in": [AI, AI + "b/"]}}) is None
    # one path outside the range: the branch is not implied; the group is only reordered
    outside = {"state.outflow_path": {"$in": [AI, "/yuhang/x/"]}}
    assert given(scope, outside) == [scope[0], scope[3], scope[1], scope[2]]


def test_nothing_is_implied_across_type_brackets_or_by_other_operators() -> None:
    assert implies("a", {"$gte": "a", "$lt": "b"})
    assert implies(3, {"$gt": 2.5})
    assert implies({"$in": ["x", "y"]}, {"$in": ["y", "x", "z"]})
    assert not implies({"$in": ["x", "q"]}, {"$in": ["y", "x"]})
    assert not implies(1, True) and not implies(True, 1) and not implies(True, {"$gte": False})
    assert not implies("1", 1) and not implies(1, "1") and not implies(1, {"$lt": "a"})
    assert not implies(None, None) and not implies(None, {"$exists": False})
    assert not implies({"$gte": "a", "$lt": "b"}, {"$gte": "a"})  # a range: not known
    assert not implies("a", {"$ne": "b"})  # an operator not compared here
    assert implies(True, True)


def test_a_group_is_unchanged_by_what_it_does_not_mention() -> None:
    scope = [{"state.home_county": "yuexi"}, {"state.inflow_county": "yuexi"}]
    assert given(scope, {"state.profile.name": {"$gte": "张", "$lt": "张\uffff"}}) == scope
    # each branch contradicted: nothing can match
    assert given(scope, {"state.home_county": "x", "state.inflow_county": "y"}) == []
