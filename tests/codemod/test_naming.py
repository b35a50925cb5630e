"""The record_* naming rule: what a block records, then where it sits."""

from __future__ import annotations

from lockless.codemod.naming import record_method_name


class TestRecordMethodName:
    def test_one_field_names_the_method_after_the_field(self) -> None:
        name = record_method_name("route_fast", ["routing_errors"], [])

        assert name == "record_routing_errors"

    def test_leading_underscores_of_the_field_are_dropped(self) -> None:
        assert record_method_name("append", ["_appends"], []) == "record_appends"

    def test_several_fields_name_the_method_after_the_owner_method(self) -> None:
        name = record_method_name("_on_route_fast", ["total", "fast"], [])

        assert name == "record_route_fast"

    def test_a_taken_name_gets_the_next_number(self) -> None:
        taken = ["record_hits", "record_hits_2"]

        assert record_method_name("on_hit", ["hits"], taken) == "record_hits_3"

    def test_a_method_named_record_keeps_its_name(self) -> None:
        assert record_method_name("record", ["a", "b"], []) == "record"
