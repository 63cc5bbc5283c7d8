export * from './rules';
export {
  evaluatePolicy, formatPolicyReport, describeObject, policyResourceKey, PolicyEvaluator,
  AGENT_POD_LABEL, UNSANDBOXED_POD_ANNOTATION,
} from './engine';
export { KubernetesVersion } from './kubernetes-version';
export { ManifestInputError } from './manifest-input-error';
export type { ManifestPosition } from './manifest-input-error';
export type { PolicyReport, PolicyFinding, ExceptedFinding, PolicyObjectRef, PolicyOptions, FormatOptions } from './engine';
export * from './exception';
export * from './jest-matchers';
export { FtekitPolicyValidation } from './cdk8s-plugin';
export type { FtekitPolicyValidationProps, ValidationContextLike } from './cdk8s-plugin';
export { writePolicyConstructMetadata, CONSTRUCT_METADATA_FILE, CONSTRUCT_METADATA_MARKER } from './construct-metadata';
