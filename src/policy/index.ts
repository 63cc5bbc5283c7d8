/**
 * `ftekit/policy`: the policy gate over plain Kubernetes objects (evaluatePolicy,
 * PolicyEvaluator), its rules, per-object exceptions, the report, a jest matcher, and the
 * cdk8s validation plugin (also `ftekit/policy/cdk8s-plugin`, for cdk8s.yaml).
 *
 * @packageDocumentation
 */
export { evaluatePolicy, PolicyEvaluator } from './engine';
export type { PolicyOptions } from './engine';
export { describeObject, formatPolicyReport, policyResourceKey } from './report';
export type { ExceptedFinding, FormatOptions, PolicyFinding, PolicyObjectRef, PolicyReport } from './report';
export { POLICY_EXCEPTION_PREFIX, POLICY_RULES, policyRule } from './rules';
export type { PolicyRule, PolicyRuleId, PolicySeverity } from './rules';
export { AGENT_POD_LABEL, API_ACCESS_POD_LABEL, UNSANDBOXED_POD_ANNOTATION } from './_agent-pods';
export { KubernetesVersion } from './kubernetes-version';
export { ManifestInputError } from './manifest-input-error';
export type { ManifestPosition } from './manifest-input-error';
export { PolicyException } from './exception';
export { ftekitPolicyMatchers } from './jest-matchers';
export type { PolicyMatcherResult } from './jest-matchers';
export { FtekitPolicyValidation } from './cdk8s-plugin';
export type { FtekitPolicyValidationProps, ValidationContextLike } from './cdk8s-plugin';
export { writePolicyConstructMetadata, CONSTRUCT_METADATA_FILE } from './construct-metadata';
