import { k8s } from 'cdk8s-plus-28';
import { FteValidationError } from './errors';
import { checkDnsSubdomain, checkEnvName, looksSecret, Problem } from './_validate';

/** Options for {@link EnvValue.fromValue}. */
export interface LiteralEnvOptions {
  /**
   * Declare that a literal whose variable name looks like a secret (`*_TOKEN`,
   * `*_API_KEY`, `*PASSWORD*`...) really is not one, e.g. `MAX_TOKENS=4096`.
   * @default false
   */
  readonly notSecret?: boolean;
}

/**
 * The value of one environment variable: a literal, or a reference that Kubernetes
 * resolves at pod start. Secret values are only ever referenced, never written into a
 * manifest.
 */
export class EnvValue {
  /** A literal value, written into the manifest. */
  public static fromValue(value: string, options: LiteralEnvOptions = {}): EnvValue {
    if (typeof value !== 'string') {
      throw new FteValidationError('EnvValue.fromValue', `${JSON.stringify(value)} is not a string; expected a string literal (quote numbers)`);
    }
    return new EnvValue({ value }, options.notSecret ?? false);
  }

  /**
   * A key of a Kubernetes Secret, by reference (`valueFrom.secretKeyRef`). Prefer
   * `secret.envValue(key)` on an {@link ExistingSecret} or a VaultSync secret.
   */
  public static fromSecretKey(secretName: string, key: string, options: { readonly optional?: boolean } = {}): EnvValue {
    const problem = checkDnsSubdomain(secretName) ?? checkConfigKey(key);
    if (problem) throw new FteValidationError('EnvValue.fromSecretKey', problem);
    return new EnvValue({ valueFrom: { secretKeyRef: { name: secretName, key, ...(options.optional ? { optional: true } : {}) } } }, false);
  }

  /** A key of a ConfigMap, by reference. */
  public static fromConfigMapKey(configMapName: string, key: string): EnvValue {
    const problem = checkDnsSubdomain(configMapName) ?? checkConfigKey(key);
    if (problem) throw new FteValidationError('EnvValue.fromConfigMapKey', problem);
    return new EnvValue({ valueFrom: { configMapKeyRef: { name: configMapName, key } } }, false);
  }

  /** A field of the pod itself, e.g. `metadata.name` or `status.podIP`. */
  public static fromFieldPath(fieldPath: string): EnvValue {
    if (typeof fieldPath !== 'string' || !/^(metadata|spec|status)\.[A-Za-z0-9.[\]'/_-]+$/.test(fieldPath)) {
      throw new FteValidationError('EnvValue.fromFieldPath', `${JSON.stringify(fieldPath)} is not a pod field path; expected e.g. "metadata.name" or "status.podIP"`);
    }
    return new EnvValue({ valueFrom: { fieldRef: { fieldPath } } }, false);
  }

  private constructor(private readonly source: Omit<k8s.EnvVar, 'name'>, private readonly declaredNotSecret: boolean) {}

  /** True when the value is a literal written into the manifest. */
  public get isLiteral(): boolean {
    return 'value' in this.source;
  }

  /** Problem with using this value under `name`, or undefined. */
  public checkFor(name: string): Problem {
    const nameProblem = checkEnvName(name);
    if (nameProblem) return nameProblem;
    if (this.isLiteral && !this.declaredNotSecret && looksSecret(name)) {
      return `${JSON.stringify(name)} looks like a secret but has a literal value, which would be written into the manifest; expected a reference such as ExistingSecret.fromName('llm-api-keys').envValue('anthropic') (or EnvValue.fromValue(v, { notSecret: true }) if it is not a secret)`;
    }
    return undefined;
  }

  /** The Kubernetes `EnvVar` JSON for this value under `name`. */
  public toEnvVar(name: string): k8s.EnvVar {
    return { name, ...this.source };
  }
}

/** Secret and ConfigMap data keys. */
export function checkConfigKey(key: unknown): Problem {
  if (typeof key !== 'string' || key.length === 0 || key.length > 253 || !/^[-._a-zA-Z0-9]+$/.test(key)) {
    return `key ${JSON.stringify(key)} is not a valid Secret/ConfigMap key; expected alphanumerics, '-', '_' or '.'`;
  }
  return undefined;
}

/** A file mount of a Secret, as returned by `secret.mount(path)`. */
export interface SecretMount {
  /** Name of the Kubernetes Secret. */
  readonly secretName: string;
  /** Directory the Secret's keys appear in, one file per key. */
  readonly mountPath: string;
}

/** A Kubernetes Secret that workloads can reference, without ftekit ever seeing its values. */
export interface ISecretSource {
  /** Name of the Kubernetes Secret. */
  readonly secretName: string;
  /** An environment variable value read from `key` of this Secret. */
  envValue(key: string): EnvValue;
  /**
   * Mount the Secret as files under `path`. Files follow rotation (unlike env vars, which
   * are read once at container start).
   */
  mount(path: string): SecretMount;
}

/**
 * A Secret that exists in the cluster already (created by Pulumi from encrypted stack
 * config, by an operator, or by hand). ftekit references it by name only.
 */
export class ExistingSecret implements ISecretSource {
  /** Reference the Secret `name` in the workload's namespace. */
  public static fromName(name: string): ExistingSecret {
    const problem = checkDnsSubdomain(name);
    if (problem) throw new FteValidationError('ExistingSecret.fromName', problem);
    return new ExistingSecret(name);
  }

  private constructor(public readonly secretName: string) {}

  public envValue(key: string): EnvValue {
    return EnvValue.fromSecretKey(this.secretName, key);
  }

  public mount(path: string): SecretMount {
    return { secretName: this.secretName, mountPath: path };
  }
}
