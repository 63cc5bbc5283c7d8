/*
 * One run's findings, as the checks report them.
 */
import { detach } from './_detach';
import type { PolicyRule } from './_rule';
import type { ExceptedFinding, PolicyFinding, PolicyObjectRef } from './report';
import type { PolicyRuleId } from './rules';

/** Collects findings, deciding for each whether an exception on its object suppresses it. */
export class Evaluation {
  public readonly findings: PolicyFinding[] = [];
  public readonly excepted: ExceptedFinding[] = [];
  public readonly refs: PolicyObjectRef[] = [];
  /** Exception annotations, for the objects that have any. */
  public readonly exceptions = new Map<number, Map<string, string>>();

  public report(index: number, rule: PolicyRule<PolicyRuleId>, path: string, message: string, excuse?: string): void {
    const ruleId = rule.id;
    // Findings live until the end of a run: copy their text out of the parsed input.
    const finding: PolicyFinding = { ruleId, severity: rule.severity, object: this.refs[index], path: detach(path), message: detach(message), fix: rule.fix };
    const reason = rule.exceptable ? this.exceptions.get(index)?.get(ruleId) ?? excuse : undefined;
    if (reason !== undefined) this.excepted.push({ ...finding, reason: detach(reason) }); else this.findings.push(finding);
  }
}

/** How a check about one object reports: the rule, where in the object, what is wrong. */
export type Reporter = (rule: PolicyRule<PolicyRuleId>, path: string, message: string, excuse?: string) => void;
