import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { describeValue, FteValidationError } from '../errors';
import { POLICY_EXCEPTION_PREFIX, POLICY_RULES, policyRule } from './rules';

/**
 * Deliberate exceptions to the policy gate: one object, one rule, with a reason. The
 * exception is the annotation `policy.ftekit.dev/exception.<rule-id>: <reason>` on the
 * object, so it travels with the manifest (into `npm run check` and code review), and every
 * excepted finding is listed, with its reason, in the report.
 */
export class PolicyException {
  /**
   * Excepts the object of `target` (an ApiObject, or a construct whose default child is
   * one, such as FteSandbox or DaprWorker) from rule `ruleId`.
   * @throws FteValidationError if the rule does not exist or cannot be excepted, the reason is
   * empty, or `target` has no ApiObject
   */
  public static add(target: IConstruct, ruleId: string, reason: string): void {
    const where = `PolicyException.add(${describeValue(ruleId)})`;
    const rule = typeof ruleId === 'string' ? policyRule(ruleId) : undefined;
    if (!rule) {
      throw new FteValidationError(where, `${describeValue(ruleId)} is not a policy rule; expected one of ${POLICY_RULES.filter((r) => r.exceptable).map((r) => r.id).join(', ')}`);
    }
    if (!rule.exceptable) throw new FteValidationError(where, `rule ${describeValue(ruleId)} cannot be excepted`);
    if (typeof reason !== 'string' || reason.trim().length === 0) {
      throw new FteValidationError(where, `reason ${describeValue(reason)} is empty; expected a sentence saying why the object is safe anyway`);
    }
    let apiObject: ApiObject;
    try {
      apiObject = ApiObject.of(target);
    } catch {
      throw new FteValidationError(where, `${describeValue(target?.node?.path)} is not an ApiObject and has no default ApiObject child; expected e.g. an FteSandbox, a DaprWorker or ApiObject.of(...)`);
    }
    apiObject.metadata.addAnnotation(PolicyException.annotationKey(ruleId), reason.trim());
  }

  /** The annotation key that excepts an object from `ruleId`. */
  public static annotationKey(ruleId: string): string {
    return `${POLICY_EXCEPTION_PREFIX}${ruleId}`;
  }
}
