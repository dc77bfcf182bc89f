"""Authorisation rules, defaults in code (SPEC section 3.1).

The defaults follow Barbican's; an operator overrides any of them in the
file named by ``[oslo_policy] policy_file``.  ``list_rules`` feeds
``oslopolicy-sample-generator``.
"""

from oslo_config import cfg
from oslo_context import context as oslo_context
from oslo_policy import policy

from barbican_certs.common import exception

_ENFORCER: policy.Enforcer | None = None

_BASE_RULES = [
    policy.RuleDefault("admin", "role:admin"),
    policy.RuleDefault("observer", "role:observer"),
    policy.RuleDefault("creator", "role:creator"),
    policy.RuleDefault("audit", "role:audit"),
    policy.RuleDefault("service_admin", "role:key-manager:service-admin"),
    policy.RuleDefault("admin_or_creator", "rule:admin or rule:creator"),
    policy.RuleDefault("all_but_audit",
                       "rule:admin or rule:observer or rule:creator"),
    policy.RuleDefault("all_users",
                       "rule:admin or rule:observer or rule:creator or "
                       "rule:audit or rule:service_admin"),
]


def _rule(name: str, check: str, description: str, method: str,
          path: str) -> policy.DocumentedRuleDefault:
    return policy.DocumentedRuleDefault(
        name, check, description, [{"method": method, "path": path}])


_API_RULES = [
    _rule("orders:post", "rule:admin_or_creator", "Create an order.",
          "POST", "/v1/orders"),
    _rule("orders:get", "rule:all_but_audit", "List orders.",
          "GET", "/v1/orders"),
    _rule("order:get", "rule:all_users", "Show an order.",
          "GET", "/v1/orders/{order-id}"),
    _rule("order:put", "rule:admin_or_creator",
          "Change the requestor fields of a pending certificate order.",
          "PUT", "/v1/orders/{order-id}"),
    _rule("order:delete", "rule:admin_or_creator", "Delete an order.",
          "DELETE", "/v1/orders/{order-id}"),
    _rule("secrets:post", "rule:admin_or_creator", "Store a secret.",
          "POST", "/v1/secrets"),
    _rule("secrets:get", "rule:all_but_audit", "List secrets.",
          "GET", "/v1/secrets"),
    _rule("secret:get", "rule:all_users", "Show a secret's metadata.",
          "GET", "/v1/secrets/{secret-id}"),
    _rule("secret:decrypt", "rule:all_but_audit",
          "Read a secret's payload.", "GET",
          "/v1/secrets/{secret-id}/payload"),
    _rule("secret:put", "rule:admin_or_creator",
          "Add the payload of a secret stored without one.",
          "PUT", "/v1/secrets/{secret-id}"),
    _rule("secret:delete", "rule:admin_or_creator", "Delete a secret.",
          "DELETE", "/v1/secrets/{secret-id}"),
    _rule("containers:post", "rule:admin_or_creator", "Create a container.",
          "POST", "/v1/containers"),
    _rule("containers:get", "rule:all_but_audit", "List containers.",
          "GET", "/v1/containers"),
    _rule("container:get", "rule:all_users", "Show a container.",
          "GET", "/v1/containers/{container-id}"),
    _rule("container:delete", "rule:admin_or_creator",
          "Delete a container.", "DELETE", "/v1/containers/{container-id}"),
]


_CA = "/v1/cas/{ca-id}"
_CA_RULES = [
    _rule("certificate_authorities:get", "rule:all_users",
          "List the CAs the project can use.", "GET", "/v1/cas"),
    _rule("certificate_authorities:post", "rule:admin",
          "Create a subordinate CA of the project.", "POST", "/v1/cas"),
    _rule("certificate_authorities:get_preferred_ca", "rule:all_users",
          "Show the project's preferred CA.", "GET", "/v1/cas/preferred"),
    _rule("certificate_authorities:get_global_preferred_ca",
          "rule:service_admin", "Show the global preferred CA.", "GET",
          "/v1/cas/global-preferred"),
    _rule("certificate_authorities:unset_global_preferred",
          "rule:service_admin", "Unset the global preferred CA.", "POST",
          "/v1/cas/unset-global-preferred"),
    _rule("certificate_authority:get", "rule:all_users",
          "Show a CA and its enrollment profiles.", "GET", _CA),
    _rule("certificate_authority:delete", "rule:admin",
          "Delete a subordinate CA of the project.", "DELETE", _CA),
    _rule("certificate_authority:get_cacert", "rule:all_users",
          "Download a CA's signing certificate.", "GET", _CA + "/cacert"),
    _rule("certificate_authority:get_ca_cert_chain", "rule:all_users",
          "Download a CA's chain.", "GET", _CA + "/intermediates"),
    _rule("certificate_authority:get_projects", "rule:service_admin",
          "List the projects whose CA list holds a CA.", "GET",
          _CA + "/projects"),
    _rule("certificate_authority:add_to_project", "rule:admin",
          "Add a CA to the project's CA list.", "POST",
          _CA + "/add-to-project"),
    _rule("certificate_authority:remove_from_project", "rule:admin",
          "Remove a CA from the project's CA list.", "POST",
          _CA + "/remove-from-project"),
    _rule("certificate_authority:set_preferred", "rule:admin",
          "Make a CA the project's preferred CA.", "POST",
          _CA + "/set-preferred"),
    _rule("certificate_authority:set_global_preferred",
          "rule:service_admin", "Make a CA the global preferred CA.",
          "POST", _CA + "/set-global-preferred"),
]


def list_rules() -> list[policy.RuleDefault]:
    """Every default rule, for the sample policy generator."""
    return _BASE_RULES + _API_RULES + _CA_RULES


def get_enforcer() -> policy.Enforcer:
    """The process's enforcer, created on first use."""
    global _ENFORCER
    if _ENFORCER is None:
        _ENFORCER = policy.Enforcer(cfg.CONF)
        _ENFORCER.register_defaults(list_rules())
    return _ENFORCER


def reset() -> None:
    global _ENFORCER
    if _ENFORCER is not None:
        _ENFORCER.clear()
    _ENFORCER = None


def enforce(context: oslo_context.RequestContext, action: str) -> None:
    """Allow ``action`` for ``context`` or raise PolicyNotAuthorized."""
    credentials = context.to_policy_values()
    target = {"project_id": context.project_id}
    if not get_enforcer().enforce(action, target, credentials):
        raise exception.PolicyNotAuthorized(action=action)
