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

  private constructor(
    private readonly source: Omit<k8s.EnvVar, 'name'>,
    private readonly declaredNotSecret: boolean,
    private readonly rotation?: SecretRotation,
  ) {}

  /**
   * This value, read from a Secret that `rotatesAs` describes (e.g. "the Vault-synced Secret
   * llm-api-keys"): sandboxes refuse it unless `acceptStale` (the value is read once, at
   * container start). For secret sources such as VaultStaticSecret; not for users.
   * @internal
   */
  public _rotating(rotatesAs: string, acceptStale: boolean): EnvValue {
    return new EnvValue(this.source, this.declaredNotSecret, { rotatesAs, acceptStale });
  }

  /** The Secret and key this value references, if it is a `secretKeyRef`. */
  public get secretKeyRef(): { readonly secretName: string; readonly key: string } | undefined {
    const ref = this.source.valueFrom?.secretKeyRef;
    return ref ? { secretName: ref.name as string, key: ref.key } : undefined;
  }

  /**
   * Problem with reading this value under `name` in a pod that cannot be restarted when the
   * Secret rotates (an agent sandbox), or undefined.
   */
  public checkRotationFor(name: string): Problem {
    const r = this.rotation;
    if (!r || r.acceptStale) return undefined;
    return `${JSON.stringify(name)} reads ${r.rotatesAs} as an environment variable, which a running sandbox never sees change (env is read once at container start, and a sandbox cannot be rolled out); expected the Secret mounted as files, which the kubelet refreshes: secretMounts (in code secret.mount(path)), or in code secret.envValue(key, { acceptStaleAfterRotation: true }) to keep the old value until the pod restarts`;
  }

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

/** What rotates behind an {@link EnvValue} read from a rotating Secret. */
interface SecretRotation {
  /** The Secret, in words. */
  readonly rotatesAs: string;
  /** The user accepted the stale value (`acceptStaleAfterRotation`). */
  readonly acceptStale: boolean;
}

/** Options for `envValue(key, ...)` of a Secret that rotates (a VaultStaticSecret). */
export interface RotatingEnvOptions {
  /**
   * Accept that a sandbox reading this variable keeps the old value after rotation until its
   * pod restarts (agent sandboxes cannot be rolled out). For agents that cannot read files;
   * mount the Secret instead where possible. Deployments are restarted on rotation anyway.
   * @default false - sandboxes refuse the value; mount the Secret as files
   */
  readonly acceptStaleAfterRotation?: boolean;
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
