"""Given/when/then on the unit tree decider: no I/O."""

from __future__ import annotations

import pytest

from events.base import Event
from events.units import HeadcountSet, UnitClosed, UnitCreated, UnitMoved, UnitRenamed
from services.units.commands import (
    CloseUnit,
    CreateUnit,
    MoveUnit,
    RenameUnit,
    SetHeadcount,
    UnitCommand,
)
from services.units.decider import (
    MoveIntoOwnSubtree,
    RootCannotMove,
    TreeState,
    UnitExists,
    UnitIsClosed,
    UnitNotFound,
    UnitState,
    decide,
    fold,
)

pytestmark = pytest.mark.unit
ROOT = UnitCreated(unit_id="root", parent_id=None, name="农业局", kind="bureau")
SCHOOL = UnitCreated(unit_id="school", parent_id="root", name="学校", kind="school", headcount=80)


def given(*events: Event) -> UnitState:
    return fold(list(events))


def when(
    command: UnitCommand, unit: UnitState, parent: UnitState | None = None, path: tuple[str, ...] = ()
) -> list[Event]:
    return decide(command, TreeState(unit=unit, parent=parent, parent_path=path))


def test_create_unit_under_open_parent_records_it() -> None:
    events = when(
        CreateUnit(unit_id="school", parent_id="root", name="学校", kind="school", headcount=80),
        given(),
        parent=given(ROOT),
        path=("root",),
    )
    assert events == [SCHOOL]


def test_create_unit_twice_refused() -> None:
    with pytest.raises(UnitExists):
        when(
            CreateUnit(unit_id="school", parent_id="root", name="x", kind="school"),
            given(SCHOOL),
            parent=given(ROOT),
            path=("root",),
        )


def test_create_unit_under_closed_parent_refused() -> None:
    closed_root = given(ROOT, UnitClosed(unit_id="root"))
    with pytest.raises(UnitIsClosed):
        when(
            CreateUnit(unit_id="d", parent_id="root", name="d", kind="department"),
            given(),
            parent=closed_root,
            path=("root",),
        )


def test_create_unit_under_missing_parent_refused() -> None:
    with pytest.raises(UnitNotFound):
        when(
            CreateUnit(unit_id="d", parent_id="nowhere", name="d", kind="department"),
            given(),
            parent=given(),
            path=(),
        )


def test_rename_unit_to_new_name_records_it_and_same_name_records_nothing() -> None:
    assert when(RenameUnit(unit_id="school", name="职校"), given(SCHOOL)) == [
        UnitRenamed(unit_id="school", name="职校")
    ]
    assert when(RenameUnit(unit_id="school", name="学校"), given(SCHOOL)) == []


def test_rename_missing_unit_refused() -> None:
    with pytest.raises(UnitNotFound):
        when(RenameUnit(unit_id="x", name="y"), given())


def test_move_unit_into_its_own_subtree_refused() -> None:
    department = given(UnitCreated(unit_id="dept", parent_id="school", name="教务处", kind="department"))
    # school is an ancestor of dept: moving school under dept would make a cycle
    with pytest.raises(MoveIntoOwnSubtree):
        when(
            MoveUnit(unit_id="school", parent_id="dept"),
            given(SCHOOL),
            parent=department,
            path=("root", "school", "dept"),
        )


def test_move_unit_under_itself_refused() -> None:
    with pytest.raises(MoveIntoOwnSubtree):
        when(
            MoveUnit(unit_id="school", parent_id="school"),
            given(SCHOOL),
            parent=given(SCHOOL),
            path=("root", "school"),
        )


def test_move_unit_under_other_branch_records_both_parents() -> None:
    station = given(UnitCreated(unit_id="station", parent_id="root", name="站", kind="other"))
    assert when(
        MoveUnit(unit_id="school", parent_id="station"),
        given(SCHOOL),
        parent=station,
        path=("root", "station"),
    ) == [UnitMoved(unit_id="school", parent_id="station", previous_parent_id="root")]


def test_move_unit_under_closed_parent_refused() -> None:
    station = given(
        UnitCreated(unit_id="station", parent_id="root", name="站", kind="other"),
        UnitClosed(unit_id="station"),
    )
    with pytest.raises(UnitIsClosed):
        when(
            MoveUnit(unit_id="school", parent_id="station"),
            given(SCHOOL),
            parent=station,
            path=("root", "station"),
        )


def test_move_root_refused() -> None:
    with pytest.raises(RootCannotMove):
        when(
            MoveUnit(unit_id="root", parent_id="school"),
            given(ROOT),
            parent=given(SCHOOL),
            path=("root", "school"),
        )


def test_set_headcount_records_only_a_change() -> None:
    assert when(SetHeadcount(unit_id="school", headcount=90), given(SCHOOL)) == [
        HeadcountSet(unit_id="school", headcount=90)
    ]
    assert when(SetHeadcount(unit_id="school", headcount=80), given(SCHOOL)) == []


def test_closed_unit_refuses_changes_and_closing_again_is_a_no_op() -> None:
    closed = given(SCHOOL, UnitClosed(unit_id="school"))
    assert when(CloseUnit(unit_id="school"), closed) == []
    with pytest.raises(UnitIsClosed):
        when(RenameUnit(unit_id="school", name="x"), closed)
    with pytest.raises(UnitIsClosed):
        when(SetHeadcount(unit_id="school", headcount=1), closed)


def test_fold_follows_every_event() -> None:
    state = given(
        SCHOOL,
        UnitRenamed(unit_id="school", name="职校"),
        UnitMoved(unit_id="school", parent_id="station", previous_parent_id="root"),
        HeadcountSet(unit_id="school", headcount=3),
        UnitClosed(unit_id="school"),
    )
    assert (state.name, state.parent_id, state.headcount, state.closed) == ("职校", "station", 3, True)
