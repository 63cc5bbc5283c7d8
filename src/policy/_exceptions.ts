/*
 * Deliberate exceptions: `policy.ftekit.dev/exception.<rule-id>: <reason>` annotations, read
 * per object; a malformed one is itself a finding.
 */
import { detach } from './_detach';
import { Evaluation } from './_evaluation';
import { isRec, q, Rec } from './_objects';
import { defineRule, POLICY_EXCEPTION_PREFIX, PolicyRule } from './_rule';

export const POLICY_EXCEPTION_INVALID = defineRule('policy-exception-invalid',
  `Every exception annotation (${POLICY_EXCEPTION_PREFIX}<rule-id>) names an existing rule that can be excepted and gives a non-empty reason.`,
  'Use PolicyException.add(construct, ruleId, reason) or fix the annotation key and value.', false);

/**
 * The valid exception annotations of object `i` (rule id → reason); invalid ones are
 * findings. `rules` is every rule of the gate, by id, in report order.
 */
export function readExceptions(ev: Evaluation, i: number, meta: Rec, rules: ReadonlyMap<string, PolicyRule>): Map<string, string> | undefined {
  const annotations = meta.annotations;
  if (!isRec(annotations)) return undefined;
  let found: Map<string, string> | undefined;
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith(POLICY_EXCEPTION_PREFIX)) continue;
    const id = key.slice(POLICY_EXCEPTION_PREFIX.length);
    const rule = rules.get(id);
    const path = `metadata.annotations[${JSON.stringify(key)}]`;
    if (!rule) {
      ev.report(i, POLICY_EXCEPTION_INVALID, path, `exception for unknown rule ${q(id)}; expected one of ${[...rules.values()].filter((r) => r.exceptable).map((r) => r.id).join(', ')}`);
    } else if (!rule.exceptable) {
      ev.report(i, POLICY_EXCEPTION_INVALID, path, `rule ${q(id)} cannot be excepted`);
    } else if (typeof value !== 'string' || value.trim().length === 0) {
      ev.report(i, POLICY_EXCEPTION_INVALID, path, `exception for ${q(id)} has no reason (${q(value)}); expected a sentence saying why the object is safe anyway`);
    } else {
      found ??= new Map();
      found.set(id, detach(value.trim()));
    }
  }
  return found;
}
