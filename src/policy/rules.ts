/*
 * Every rule of the policy gate, in report order. Each rule's metadata sits beside its check
 * (the underscore files of src/policy); this file only lists them.
 */
import { SANDBOXED_RUNTIME, SERVICE_ACCOUNT_TOKEN } from './_agent-pods';
import { CLUSTER_SCOPED_NAMESPACE } from './_cluster-scope';
import { CONTAINER_RESOURCES, ENV_SECRET_LITERAL, PINNED_IMAGE } from './_containers';
import { DAPR_SIDECAR_HARDENING } from './_dapr';
import { POLICY_EXCEPTION_INVALID } from './_exceptions';
import { API_SERVER_EGRESS, NAMESPACE_DEFAULT_DENY, NAMESPACE_DNS_EGRESS, POD_EGRESS_POLICY } from './_network-policies';
import { OBJECT_MALFORMED } from './_objects';
import { POD_SECURITY_RULES } from './_pod-security';
import { PolicyRule } from './_rule';

export { POLICY_EXCEPTION_PREFIX } from './_rule';
export type { PolicyRule, PolicySeverity } from './_rule';

const RULES = [
  OBJECT_MALFORMED,
  POLICY_EXCEPTION_INVALID,
  ...POD_SECURITY_RULES,
  SANDBOXED_RUNTIME,
  SERVICE_ACCOUNT_TOKEN,
  CONTAINER_RESOURCES,
  ENV_SECRET_LITERAL,
  PINNED_IMAGE,
  NAMESPACE_DEFAULT_DENY,
  NAMESPACE_DNS_EGRESS,
  POD_EGRESS_POLICY,
  API_SERVER_EGRESS,
  CLUSTER_SCOPED_NAMESPACE,
  DAPR_SIDECAR_HARDENING,
] as const;

/** The id of a rule of the gate: a misspelt id does not compile. */
export type PolicyRuleId = (typeof RULES)[number]['id'];

/**
 * Every rule of the policy gate, in report order. The README's "Policy" section lists the
 * same ids (a test keeps them in step).
 */
export const POLICY_RULES: readonly PolicyRule<PolicyRuleId>[] = RULES;

/** Every rule by id, in report order. */
export const RULES_BY_ID: ReadonlyMap<string, PolicyRule<PolicyRuleId>> = new Map(POLICY_RULES.map((r) => [r.id, r]));

/** The rule with `id`, or undefined. */
export function policyRule(id: string): PolicyRule<PolicyRuleId> | undefined {
  return RULES_BY_ID.get(id);
}

