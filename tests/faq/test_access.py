"""Every FAQ and notices route declares who may call it."""

from portal.access import PUBLIC


def test_every_route_has_a_policy(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in ("faq", "faq_admin"):
            continue
        allowed = getattr(app.view_functions[rule.endpoint], "access_policy", None)
        if rule.endpoint.startswith("faq_admin."):
            assert allowed == frozenset({"association"}), rule
            assert rule.rule.startswith("/association/"), rule
        else:
            assert allowed == frozenset({PUBLIC}), rule
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
