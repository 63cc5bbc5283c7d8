/**
 * `ftekit/pulumi`: the Pulumi side of ftekit for your own programs,
 * `import { FtekitEnvironment } from 'ftekit/pulumi'`. It needs `@pulumi/pulumi` and
 * `@pulumi/kubernetes` (optional peer dependencies of ftekit); the other entry points never
 * load them, so cdk8s-only projects do not install them.
 *
 * @packageDocumentation
 */
export { FtekitEnvironment } from './ftekit-environment';
export type { FtekitEnvironmentArgs } from './ftekit-environment';
export { OPERATOR_SOURCES, OPERATOR_VERSIONS } from './operators';
export { deployStack, stackSpec } from './program';
export type { StackOutputs } from './program';
