/*
 * `ftekit/environment`: the environment spec that a Pulumi stack file carries under
 * `ftekit:environment`, its loader, and the build of an environment's charts from it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FteValidationError } from '../errors';
import { EnvironmentSpec } from './spec';
import { loadStackSpec, STACK_FILE } from './stack-files';

export { ENVIRONMENT_CONFIG_KEY } from './spec';
export type { EnvironmentSpec, FteSpec, PoolSpec, IngressSpec, AccessSpec, DeploySpec } from './spec';
export type {
  DaprWorkerSpec, MonitoringSpec, PubSubSpec, PulumiSecretSpec, SecretKeyRef, StateStoreSpec, SubscriptionSpec, VaultSecretSpec, VaultSpec,
} from './platform';
export type { ChartSource, ManifestSource, OperatorsSpec } from './operator-sources';
export { buildEnvironment } from './build';
export type { EnvironmentCharts } from './build';

/**
 * Reads and validates one stack file, `Pulumi.<env>.yaml`, and returns its environment
 * spec; pass it to {@link buildEnvironment} to get the environment's charts. The
 * environment's name comes from the file name; relative paths in the spec (local operator
 * sources) are resolved against the Pulumi project folder: the file's own folder when it
 * holds a `Pulumi.yaml`, else its parent (stack files in `stacks/`, Pulumi.yaml
 * `stackConfigDir: stacks`).
 *
 * @param file path of the stack file, e.g. `stacks/Pulumi.prod.yaml`
 * @throws FteValidationError naming the file and field when the file is not a valid
 *   environment spec, or its name is not `Pulumi.<env>.yaml`
 */
export function loadEnvironment(file: string): EnvironmentSpec {
  const envName = STACK_FILE.exec(path.basename(file))?.[1];
  if (envName === undefined) throw new FteValidationError(file, 'is not named Pulumi.<env>.yaml; expected the environment name (lower-case letters, digits, dashes) between "Pulumi." and ".yaml"');
  const dir = path.dirname(path.resolve(file));
  const projectDir = fs.existsSync(path.join(dir, 'Pulumi.yaml')) ? dir : path.dirname(dir);
  return loadStackSpec(dir, envName, file, projectDir);
}
