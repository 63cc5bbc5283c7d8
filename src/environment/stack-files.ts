import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { FteValidationError } from '../errors';
import { ENVIRONMENT_CONFIG_KEY, EnvironmentSpec, parseEnvironmentSpec } from './spec';

/** A stack file's name, `Pulumi.<env>.yaml`; group 1 is the environment's name. */
export const STACK_FILE = /^Pulumi\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.yaml$/;

/** Names of the stacks in `stacksDir` (from `Pulumi.<env>.yaml`), sorted. */
export function stackNames(stacksDir: string): string[] {
  return fs.readdirSync(stacksDir).map((f) => STACK_FILE.exec(f)?.[1]).filter((n): n is string => n !== undefined).sort();
}

/**
 * Parses the raw `config` of a stack file into the environment spec. Relative paths in it
 * (local operator sources) are resolved against `projectDir`, the folder of Pulumi.yaml.
 */
export function specFromStackConfig(envName: string, config: Record<string, unknown>, file: string, projectDir: string = process.cwd()): EnvironmentSpec {
  const context = config['kubernetes:context'];
  return parseEnvironmentSpec(envName, config[ENVIRONMENT_CONFIG_KEY], file, typeof context === 'string' ? context : undefined, projectDir);
}

/**
 * Reads and validates `stacks/Pulumi.<env>.yaml`. `displayPath` is how errors name the
 * file (relative to the project, e.g. `stacks/Pulumi.prod.yaml`). The project is the parent
 * of `stacksDir` (Pulumi.yaml's `stackConfigDir: stacks`) unless `projectDir` says otherwise.
 */
export function loadStackSpec(stacksDir: string, envName: string, displayPath = `stacks/Pulumi.${envName}.yaml`, projectDir = path.dirname(path.resolve(stacksDir))): EnvironmentSpec {
  const file = path.join(stacksDir, `Pulumi.${envName}.yaml`);
  let doc: unknown;
  try {
    doc = parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new FteValidationError(displayPath, `cannot be read as YAML: ${(e as Error).message}`);
  }
  const config = (doc as { config?: unknown } | null)?.config;
  if (typeof config !== 'object' || config === null) throw new FteValidationError(displayPath, 'has no `config:` mapping; expected Pulumi stack config');
  return specFromStackConfig(envName, config as Record<string, unknown>, displayPath, projectDir);
}

/** Every stack of `stacksDir`, validated; the first bad one throws. */
export function loadAllStackSpecs(stacksDir: string): EnvironmentSpec[] {
  return stackNames(stacksDir).map((name) => loadStackSpec(stacksDir, name));
}
