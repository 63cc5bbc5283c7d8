/** How bad a finding is: errors fail the gate, warnings are reported only. */
export type PolicySeverity = 'error' | 'warning';

/** One rule of the policy gate. */
export interface PolicyRule<Id extends string = string> {
  /** Stable id, used in reports and in exception annotations. */
  readonly id: Id;
  /** Severity of every finding of this rule. */
  readonly severity: PolicySeverity;
  /** What the rule checks, in one sentence. */
  readonly description: string;
  /** How to fix a finding. */
  readonly fix: string;
  /** Whether an object may carry a deliberate exception for this rule. */
  readonly exceptable: boolean;
}

export { POLICY_EXCEPTION_PREFIX } from '../_labels';

/**
 * A rule's metadata, declared in the file of its check; its literal id becomes part of
 * `PolicyRuleId`. Checks report a finding with the rule object itself, never by id text.
 */
export function defineRule<Id extends string>(id: Id, description: string, fix: string, exceptable = true, severity: PolicySeverity = 'error'): PolicyRule<Id> {
  return { id, severity, description, fix, exceptable };
}
