"""Every transition of the case lifecycle and its refusals, with no database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from events import cases as ev
from services.cases import commands as c
from services.cases.decider import Refused
from services.problems import NotFound
from tests.unit.cases.spec import MON, given, in_progress, submitted, when

pytestmark = pytest.mark.unit


def test_submit_new_case_records_it() -> None:
    [e] = when(given(), c.SubmitCase(case_id="c1", kind="suggestion", unit_id="u1", text="建议"))
    assert isinstance(e, ev.CaseSubmitted) and e.at == MON and e.anonymous


def test_submit_existing_case_refused() -> None:
    with pytest.raises(Refused):
        when(given(submitted()), c.SubmitCase(case_id="c1", kind="suggestion", unit_id="u1", text="x"))


def test_command_on_missing_case_is_not_found() -> None:
    with pytest.raises(NotFound):
        when(given(), c.AcceptCase())


def test_accept_may_reclassify_kind_and_urgency() -> None:
    [e] = when(given(submitted()), c.AcceptCase(kind="sentiment", urgency="urgent"))
    assert isinstance(e, ev.CaseAccepted) and (e.kind, e.urgency) == ("sentiment", "urgent")


@pytest.mark.parametrize("cmd", [c.AcceptCase(), c.DeclineCase(reason="other", text="x")])
def test_accept_or_decline_twice_refused(cmd: c.AnyCommand) -> None:
    with pytest.raises(Refused):
        when(given(submitted(), ev.CaseAccepted(kind="suggestion", urgency="normal", at=MON)), cmd)


def test_decline_needs_a_reason_text() -> None:
    with pytest.raises(Refused):
        when(given(submitted()), c.DeclineCase(reason="out_of_scope", text="  "))


def test_merge_into_itself_refused_into_another_accepted() -> None:
    with pytest.raises(Refused):
        when(given(submitted()), c.MergeCase(into_case_id="c1"))
    [e] = when(given(submitted()), c.MergeCase(into_case_id="c0"))
    assert isinstance(e, ev.CaseMerged)


def test_assign_sign_and_return_follow_the_order() -> None:
    accepted = given(submitted(), ev.CaseAccepted(kind="suggestion", urgency="normal", at=MON))
    with pytest.raises(Refused):
        when(accepted, c.SignForCase())
    assigned = [*accepted, ev.CaseAssigned(unit_id="u2", at=MON)]
    assert isinstance(when(assigned, c.ReturnCase(reason="不属本部门"))[0], ev.CaseReturned)
    assert isinstance(when(assigned, c.SignForCase())[0], ev.CaseSignedFor)
    with pytest.raises(Refused):
        when([*assigned, ev.CaseSignedFor(at=MON)], c.ReturnCase(reason="x"))


def test_requester_reply_while_waiting_resumes_the_case() -> None:
    waiting = [*in_progress(), ev.RequesterAsked(question="哪一天?", at=MON)]
    events = when(
        waiting, c.PostMessage(message_id="m1", visibility="public", text="周三", from_requester=True)
    )
    assert [type(e) for e in events] == [ev.MessagePosted, ev.CaseResumed]


def test_requester_cannot_post_internal_notes() -> None:
    with pytest.raises(Refused):
        when(
            in_progress(), c.PostMessage(message_id="m", visibility="internal", text="x", from_requester=True)
        )


def test_extension_once_before_due_and_decided_only_by_a_leader() -> None:
    ok = when(in_progress(), c.RequestExtension(working_days=3, reason="需协调"))
    assert isinstance(ok[0], ev.ExtensionRequested)
    with pytest.raises(Refused):  # after the deadline
        when(in_progress(), c.RequestExtension(working_days=3, reason="x"), now=MON + timedelta(days=30))
    requested = [*in_progress(), *ok]
    with pytest.raises(Refused):  # a second request
        when(requested, c.RequestExtension(working_days=1, reason="again"))
    with pytest.raises(Refused):  # approval by a non-leader
        when(requested, c.DecideExtension(approved=True, reason="ok", by_leader=False))
    [d] = when(requested, c.DecideExtension(approved=True, reason="ok", by_leader=True))
    with pytest.raises(Refused):  # decided once
        when([*requested, d], c.DecideExtension(approved=False, reason="no", by_leader=True))


def test_resolve_needs_an_answer_first() -> None:
    with pytest.raises(Refused):
        when(in_progress(), c.ResolveCase(summary="done"))
    answered = [*in_progress(), ev.CaseAnswered(text="已增加窗口", at=MON)]
    assert isinstance(when(answered, c.ResolveCase(summary="done"))[0], ev.CaseResolved)


def resolved() -> list[ev.Event]:
    return [*in_progress(), ev.CaseAnswered(text="a", at=MON), ev.CaseResolved(summary="s", at=MON)]


def test_rate_only_resolved_and_close_unrated_only_after_the_window() -> None:
    with pytest.raises(Refused):
        when(in_progress(), c.RateCase(solved=True, satisfaction="satisfied"))
    assert isinstance(
        when(resolved(), c.RateCase(solved=False, satisfaction="dissatisfied"))[0], ev.CaseRated
    )
    with pytest.raises(Refused):
        when(resolved(), c.CloseUnrated(), now=MON + timedelta(days=6))
    assert isinstance(
        when(resolved(), c.CloseUnrated(), now=MON + timedelta(days=7))[0], ev.CaseClosedUnrated
    )


def test_reopen_by_requester_within_window_and_by_leader_any_time() -> None:
    rated = [*resolved(), ev.CaseRated(solved=False, satisfaction="dissatisfied", at=MON)]
    assert isinstance(when(rated, c.ReopenCase(reason="没解决", by_leader=False))[0], ev.CaseReopened)
    late = MON + timedelta(days=60)
    with pytest.raises(Refused):
        when(rated, c.ReopenCase(reason="没解决", by_leader=False), now=late)
    assert when(rated, c.ReopenCase(reason="督办重办", by_leader=True), now=late)


def test_breach_escalates_exactly_once_per_breach() -> None:
    due = MON + timedelta(days=1)  # accept due: Tuesday 10:00
    history = given(submitted())
    [breach] = when(history, c.MarkDue(clock="accept", breach=True), now=due + timedelta(minutes=1))
    assert isinstance(breach, ev.CaseBreached)
    breached = [*history, breach]
    assert when(breached, c.MarkDue(clock="accept", breach=True), now=due + timedelta(minutes=2)) == []
    [esc] = when(breached, c.EscalateCase(reason="逾期", breach="accept"))
    assert isinstance(esc, ev.CaseEscalated) and esc.automatic
    assert when([*breached, esc], c.EscalateCase(reason="逾期", breach="accept")) == []


def test_due_soon_an_hour_before_and_breach_a_minute_after() -> None:
    due = MON + timedelta(days=1)
    assert (
        when(given(submitted()), c.MarkDue(clock="accept", breach=True), now=due - timedelta(hours=1)) == []
    )
    [soon] = when(given(submitted()), c.MarkDue(clock="accept", breach=False), now=due - timedelta(hours=1))
    assert isinstance(soon, ev.CaseDueSoon) and soon.due_at == due


def test_withdraw_only_open_cases() -> None:
    assert isinstance(when(in_progress(), c.WithdrawCase())[0], ev.CaseWithdrawn)
    rated = [*resolved(), ev.CaseRated(solved=True, satisfaction="satisfied", at=MON)]
    with pytest.raises(Refused):
        when(rated, c.WithdrawCase())
