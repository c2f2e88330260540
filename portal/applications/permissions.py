"""Who may do what with an application, beyond seeing it (tenancy decides that).

Route policies already keep admins out of every changing route; these checks
add the state and the party: the owner edits its own drafts, the agent edits
what a requester handed it, the requester only hands over and follows.
"""

from portal.models import ApplicationState as S

# 申請エラー: OSS refused the data or the send failed; it is fixed here and sent again.
OWN_EDITABLE = frozenset({S.DRAFT, S.READY, S.SEND_ERROR})
REQUEST_OWNER_EDITABLE = frozenset({S.DRAFT, S.RETURNED})
REQUEST_AGENT_EDITABLE = frozenset({S.REQUESTED, S.READY, S.SEND_ERROR})


def _staff(user) -> bool:
    return user.is_authenticated and user.is_staff


def is_agent_side(user, app) -> bool:
    """The user's organisation files this application (its own, or handed to it)."""
    if app.is_request:
        return app.agent_org_id == user.org_id and app.state in REQUEST_AGENT_EDITABLE
    return app.org_id == user.org_id


def can_edit(user, app) -> bool:
    if not _staff(user):
        return False
    if app.is_request:
        if app.requester_org_id == user.org_id:
            return app.state in REQUEST_OWNER_EDITABLE
        return app.agent_org_id == user.org_id and app.state in REQUEST_AGENT_EDITABLE
    return app.org_id == user.org_id and app.state in OWN_EDITABLE


def can_mark_ready(user, app) -> bool:
    return can_edit(user, app) and user.organization.kind.is_agent and is_agent_side(user, app)


def can_hand_over(user, app) -> bool:
    return (_staff(user) and app.is_request and app.requester_org_id == user.org_id
            and app.state in REQUEST_OWNER_EDITABLE)


def can_return(user, app) -> bool:
    return (_staff(user) and app.is_request and app.agent_org_id == user.org_id
            and app.state in REQUEST_AGENT_EDITABLE)


def can_reuse(user, app) -> bool:
    return _staff(user)


# Never filed: nothing at OSS, no list, no billing refers to it.
DELETABLE = frozenset({S.DRAFT, S.READY})
REQUEST_DELETABLE = frozenset({S.DRAFT, S.RETURNED})


def can_delete(user, app) -> bool:
    """The owner deletes its own data that was never filed: an office its drafts and ready
    data; a requester its request before it is handed over, or once it is returned (never
    while the office holds it). An office never deletes a requester's data."""
    if not _staff(user) or app.org_id != user.org_id:
        return False
    if app.is_request:
        return app.state == S.RETURNED or (app.state == S.DRAFT and app.agent_org_id is None)
    return app.state in DELETABLE


def edit_refusal(user, app) -> str:
    """Why ``user`` may not edit ``app`` (shown when the edit page is refused)."""
    if app.is_request and app.requester_org_id == user.org_id and app.state == S.REQUESTED:
        return "代理人に依頼中のため編集できません。差戻しを受けると編集できます。"
    return f"状態が「{app.state.label}」の申請データは編集できません。"
