/*
 * What the gate reports: findings, the report, and how reports name objects and print.
 */
import type { PolicySeverity } from './_rule';
import type { PolicyRuleId } from './rules';

/** Which object a finding is about. Fields are absent when the object lacks them. */
export interface PolicyObjectRef {
  /** Position of the object in the input. */
  readonly index: number;
  /** `apiVersion`, when it is a non-empty string. */
  readonly apiVersion?: string;
  /** `kind`, when it is a non-empty string. */
  readonly kind?: string;
  /** `metadata.namespace`, when set. */
  readonly namespace?: string;
  /** `metadata.name`, when set. */
  readonly name?: string;
}

/** One rule violated by one object. */
export interface PolicyFinding {
  /** Id of the rule (see POLICY_RULES). */
  readonly ruleId: PolicyRuleId;
  /** The rule's severity. */
  readonly severity: PolicySeverity;
  /** The object the finding is about. */
  readonly object: PolicyObjectRef;
  /** Where in the object, e.g. `spec.template.spec.containers[0].securityContext.privileged`. */
  readonly path: string;
  /** What is wrong, naming the value found. */
  readonly message: string;
  /** How to fix it (the rule's fix hint). */
  readonly fix: string;
}

/** A finding that a deliberate exception on the object suppresses. */
export interface ExceptedFinding extends PolicyFinding {
  /** The reason given with the exception. */
  readonly reason: string;
}

/** What `evaluatePolicy` and `PolicyEvaluator.finish()` return. */
export interface PolicyReport {
  /** Number of objects evaluated. */
  readonly objectCount: number;
  /** Every finding not excepted, errors and warnings, in input order. */
  readonly findings: readonly PolicyFinding[];
  /** Findings suppressed by an exception, with its reason. */
  readonly excepted: readonly ExceptedFinding[];
  /** The findings of severity `error`. */
  readonly errors: readonly PolicyFinding[];
  /** The findings of severity `warning`. */
  readonly warnings: readonly PolicyFinding[];
  /** True when there are no errors. */
  readonly ok: boolean;
}

/** `apps/v1 Deployment agents/web`: how reports name an object. */
export function describeObject(ref: PolicyObjectRef): string {
  if (!ref.kind && !ref.name) return `object #${ref.index}`;
  const ns = ref.namespace ? `${ref.namespace}/` : '';
  return `${ref.apiVersion ?? '?'} ${ref.kind ?? '?'} ${ns}${ref.name ?? '?'}`;
}

/** Options for {@link formatPolicyReport}. */
export interface FormatOptions {
  /** Extra location of an object (file, construct path), shown after its name. */
  readonly locate?: (object: PolicyObjectRef) => string | undefined;
}

/**
 * The human report: a summary line, then each finding (severity, rule, object, location,
 * path, message, fix), then each excepted finding with its reason.
 */
export function formatPolicyReport(report: PolicyReport, options: FormatOptions = {}): string {
  const lines: string[] = [];
  const where = (f: PolicyFinding): string => {
    const extra = options.locate?.(f.object);
    return `${describeObject(f.object)}${extra ? ` (${extra})` : ''}`;
  };
  const n = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;
  lines.push(`ftekit policy: ${report.ok ? 'PASSED' : 'FAILED'}: ${n(report.errors.length, 'error')}, ${n(report.warnings.length, 'warning')}, ${n(report.excepted.length, 'excepted finding')} in ${n(report.objectCount, 'object')}`);
  for (const f of report.findings) {
    lines.push('');
    lines.push(`${f.severity.toUpperCase()} [${f.ruleId}] ${where(f)}`);
    if (f.path) lines.push(`  at:  ${f.path}`);
    lines.push(`  why: ${f.message}`);
    lines.push(`  fix: ${f.fix}`);
  }
  for (const f of report.excepted) {
    lines.push('');
    lines.push(`EXCEPTED [${f.ruleId}] ${where(f)}`);
    if (f.path) lines.push(`  at:     ${f.path}`);
    lines.push(`  why:    ${f.message}`);
    lines.push(`  reason: ${f.reason}`);
  }
  return lines.join('\n');
}

/**
 * The key naming an object in construct metadata and in `cdk8s synth` reports:
 * `<Kind> <namespace>/<name>`, or `<Kind> <name>` when it has no namespace.
 */
export function policyResourceKey(ref: { readonly kind?: string; readonly namespace?: string; readonly name?: string }): string {
  return `${ref.kind ?? '?'} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name ?? '?'}`;
}
