"""Route inventory helpers shared by the access, tenancy and CSRF tests."""

import re

# Each URL parameter name maps to the model it identifies. A new route with an
# unknown parameter fails the tests until it is added here (and so replayed).
PARAM_MODELS = {
    "user_id": "User",
    "branch_id": "Branch",
    "account_id": "OssAccount",
    "change_id": "ChangeRequest",
    "org_id": "Organization",
    "run_id": "JobRun",
}


def app_rules(app):
    """Every (rule, method, view) except static files."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, view


def build_path(rule, ids: dict[str, object]) -> str:
    """Fill a rule's parameters from ``ids`` (by parameter name)."""
    path = rule.rule
    for name in rule.arguments:
        if name not in ids:
            raise KeyError(f"route {rule.rule}: no id for parameter {name!r}")
        path = re.sub(r"<(?:[^:<>]+:)?" + name + ">", str(ids[name]), path)
    return path
