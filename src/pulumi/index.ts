/**
 * The Pulumi side of ftekit for your own programs: `import { FtekitEnvironment } from
 * 'ftekit/pulumi'`. Kept apart from the library entry so that cdk8s-only users
 * never load @pulumi/pulumi.
 */
export { FtekitEnvironment, ENVIRONMENT_TYPE } from './ftekit-environment';
export type { FtekitEnvironmentArgs } from './ftekit-environment';
export { deployObjects } from './objects';
export type { KubeObject, ObjectOptions, ObjectResourceOptions } from './objects';
export { DAPR_HELM_VALUES, installOperators, keepCustomResourceDefinitions, OPERATOR_SOURCES, OPERATOR_VERSIONS, operatorsNeededBy } from './operators';
export type { OperatorInstalls } from './operators';
export { deployStack, stackSpec } from './program';
export type { StackOutputs } from './program';
