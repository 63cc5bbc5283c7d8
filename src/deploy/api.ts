/**
 * The Pulumi side of ftekit for your own programs: `import { FtekitEnvironment } from
 * 'ftekit/lib/src/deploy/api'`. Kept apart from the library entry so that cdk8s-only users
 * never load @pulumi/pulumi.
 */
export { FtekitEnvironment, FtekitEnvironmentArgs, ENVIRONMENT_TYPE } from './environment';
export { deployObjects, KubeObject, ObjectOptions, ObjectResourceOptions } from './objects';
export { DAPR_HELM_VALUES, installOperators, OPERATOR_SOURCES, OPERATOR_VERSIONS, OperatorInstalls, operatorsNeededBy } from './operators';
export { deployStack, stackSpec, StackOutputs } from './program';
