import { POLICY_RULES, policyRule, PolicyRuleId } from '../../src/policy/rules';

describe('POLICY_RULES', () => {
  test('ids are unique and typed: a misspelt id does not compile', () => {
    const ids: PolicyRuleId[] = POLICY_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const known: PolicyRuleId = 'pss-privileged';
    // @ts-expect-error 'pss-privilegd' is not a rule id
    const misspelt: PolicyRuleId = 'pss-privilegd';
    expect(policyRule(known)?.id).toBe('pss-privileged');
    expect(policyRule(misspelt)).toBeUndefined();
  });

  test('the report order starts with the rules about unreadable input and ends with Dapr', () => {
    expect(POLICY_RULES[0].id).toBe('object-malformed');
    expect(POLICY_RULES[1].id).toBe('policy-exception-invalid');
    expect(POLICY_RULES[POLICY_RULES.length - 1].id).toBe('dapr-sidecar-hardening');
    expect(POLICY_RULES.filter((r) => !r.exceptable).map((r) => r.id)).toEqual(['object-malformed', 'policy-exception-invalid']);
  });
});
