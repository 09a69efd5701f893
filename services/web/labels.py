"""Words for the codes the slices use (statuses, kinds, steps, badges): English source text,
translated through the catalogue like every other label."""

from __future__ import annotations

KIND = {
    "rights_request": "Rights-protection request",
    "suggestion": "Feedback or suggestion",
    "sentiment": "Sentiment report",
}
URGENCY = {"urgent": "Urgent", "normal": "Normal", "complex": "Complex"}
STATUS = {
    "submitted": "Submitted",
    "accepted": "Accepted",
    "declined": "Declined",
    "merged": "Merged",
    "assigned": "Assigned",
    "in_progress": "In progress",
    "waiting": "Waiting for you",
    "answered": "Answered",
    "resolved": "Resolved",
    "rated": "Rated",
    "closed": "Closed",
    "withdrawn": "Withdrawn",
}
STEP = {
    "CaseSubmitted": "Submitted",
    "CaseAccepted": "Accepted",
    "CaseDeclined": "Declined",
    "CaseMerged": "Merged into another case",
    "CaseAssigned": "Assigned",
    "CaseSignedFor": "Signed for",
    "CaseReturned": "Returned",
    "MessagePosted": "Message",
    "RequesterAsked": "More information asked",
    "CaseResumed": "Resumed",
    "ExtensionRequested": "Extension requested",
    "ExtensionDecided": "Extension decided",
    "CaseAnswered": "Answered",
    "CaseResolved": "Resolved",
    "CaseRated": "Rated",
    "CaseClosedUnrated": "Closed without rating",
    "CaseReopened": "Reopened",
    "CaseEscalated": "Escalated",
    "CaseDueSoon": "Due soon",
    "CaseBreached": "Overdue",
    "CaseWithdrawn": "Withdrawn",
    "ContactErased": "Contact details erased",
}
BADGE = {
    "overdue": "Overdue",
    "due_soon": "Due soon",
    "escalated": "Escalated",
    "reopened": "Redo",
    "waiting": "Awaiting information",
}
SATISFACTION = {
    "satisfied": "Satisfied",
    "basically_satisfied": "Basically satisfied",
    "dissatisfied": "Dissatisfied",
}
VISIBILITY = {"public": "Public message", "internal": "Internal message", "note": "Private note"}
ROLE = {"admin": "Administrator", "leader": "Leading group", "handler": "Handler"}
ALL = {
    "KIND": KIND,
    "URGENCY": URGENCY,
    "STATUS": STATUS,
    "STEP": STEP,
    "BADGE": BADGE,
    "SATISFACTION": SATISFACTION,
    "VISIBILITY": VISIBILITY,
    "ROLE": ROLE,
}
DECLINE = {
    "out_of_scope": "Out of scope",
    "duplicate": "Duplicate",
    "insufficient_information": "Not enough information",
    "not_actionable": "Nothing can be done",
    "other": "Other reason",
}
STEP_TITLE = {
    "accept": "Accept (受理)",
    "decline": "Decline",
    "assign": "Assign to a unit (交办)",
    "sign": "Sign for it",
    "return": "Return it (not ours)",
    "messages": "Write a message",
    "ask": "Ask the requester for more",
    "resume": "Resume work",
    "extension": "Ask for more time",
    "answer": "Answer (答复)",
    "resolve": "Resolve (办结)",
    "escalate": "Escalate (督办)",
    "extension-decision": "Decide the extension",
    "reopen": "Reopen (重办)",
}
CLOCK = {"accept": "Acceptance", "respond": "First response", "resolve": "Resolution"}
EXTENSION = {"requested": "Requested", "approved": "Approved", "denied": "Refused"}
ALL.update(DECLINE=DECLINE, STEP_TITLE=STEP_TITLE, CLOCK=CLOCK, EXTENSION=EXTENSION)
UNIT_KIND = {
    "bureau": "Bureau",
    "school": "School",
    "department": "Department",
    "union": "Trade union",
    "league": "Youth League",
    "women": "Women's committee",
    "other": "Other",
}
SURVEY_STATUS = {"draft": "Draft", "published": "Published", "closed": "Closed"}
QUESTION_KIND = {
    "likert": "Satisfied / basically / dissatisfied",
    "rating5": "Rating 1–5",
    "recommend10": "Recommend 0–10",
    "single": "Single choice",
    "multiple": "Multiple choice",
    "text": "Free text",
}
ALL.update(UNIT_KIND=UNIT_KIND, SURVEY_STATUS=SURVEY_STATUS, QUESTION_KIND=QUESTION_KIND)
