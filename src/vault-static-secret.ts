import { Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvValue, ISecretSource, RotatingEnvOptions, SecretMount } from './env-value';
import { constructError, describeValue, ProblemCollector } from './errors';
import { checkDnsSubdomain, checkInteger, secondsOf } from './_validate';
import { nameClash } from './_object-names';
import { IRolloutTarget, isRolloutTarget, rolloutTargetsIn } from './_rollout';
import { namespaceOf } from './_workload';
import { VaultStaticSecret as VaultStaticSecretObject, VaultStaticSecretSpecRolloutRestartTargets, VaultStaticSecretSpecRolloutRestartTargetsKind, VaultStaticSecretSpecType } from './imports/secrets.hashicorp.com';

/** API group and version of the Vault Secrets Operator resources. */
export const VSO_API_VERSION = VaultStaticSecretObject.GVK.apiVersion;

/** Version of a Vault KV secrets engine. */
export enum KvVersion {
  /** KV version 2 (versioned; Vault's default for new mounts). */
  V2 = 'kv-v2',
  /** KV version 1. */
  V1 = 'kv-v1',
}

/** Props for `VaultSync.addStaticSecret`. */
export interface VaultStaticSecretOptions {
  /**
   * Name of the Kubernetes Secret the operator creates and owns (also the name of the
   * VaultStaticSecret object).
   * @default - the construct id
   */
  readonly secretName?: string;
  /** KV mount in Vault, e.g. `secret`. */
  readonly mount: string;
  /** Path of the secret under the mount, e.g. `ftes/research-analyst/llm`. */
  readonly path: string;
  /**
   * Version of the KV secrets engine at `mount` (`spec.type` of the VaultStaticSecret).
   * @default KvVersion.V2
   */
  readonly kvVersion?: KvVersion;
  /**
   * Pin a KV v2 version.
   * @default - the latest version
   */
  readonly version?: number;
  /**
   * How often the operator re-reads Vault. A change rewrites the Secret and restarts the
   * rollout targets.
   * @default Duration.minutes(5)
   */
  readonly refreshAfter?: Duration;
}

/** Everything a VaultStaticSecret needs from its VaultSync. */
export interface VaultStaticSecretProps extends VaultStaticSecretOptions {
  /** Name of the VaultAuth to use (in the same namespace). */
  readonly vaultAuthName: string;
  /** Labels for the object and the Secret it creates. */
  readonly labels: Record<string, string>;
}

/**
 * One Vault KV secret synced into a Kubernetes Secret by the Vault Secrets Operator
 * (`VaultStaticSecret`, `secrets.hashicorp.com/v1beta1`). The operator creates and owns the
 * Secret (`destination.create`), HMACs its data so changes are detected, and
 * rollout-restarts every Deployment that uses it.
 *
 * Use it where a secret is expected: `secret.envValue(key)`, `secret.mount(path)`, or in a
 * Dapr component. Rollout restart targets are found at synth time: every workload in the
 * same namespace that is a registered `IRolloutTarget` (a DaprWorker) and references this
 * Secret is listed, so a new consumer cannot be forgotten. {@link restartOnRotation} adds
 * one explicitly. Agent sandboxes cannot be rolled out: mount the secret as files there,
 * which the kubelet refreshes in running pods (environment variables are read only at
 * container start).
 *
 * Created through `VaultSync.addStaticSecret(...)`; the object has id `Resource`.
 */
export class VaultStaticSecret extends Construct implements ISecretSource {
  public readonly secretName: string;
  /** The VaultStaticSecret object. */
  public readonly resource: VaultStaticSecretObject;
  /** Namespace of the Secret. */
  public readonly namespace?: string;
  private readonly explicitTargets: IRolloutTarget[] = [];

  public constructor(scope: Construct, id: string, props: VaultStaticSecretProps) {
    super(scope, id);
    const kind = 'VaultStaticSecret';
    this.secretName = props.secretName ?? id;
    this.namespace = namespaceOf(this);
    const problems = ProblemCollector.forConstruct(this, kind);
    if (problems.add('secretName', checkDnsSubdomain(this.secretName))) problems.add('secretName', nameClash(this, 'VaultStaticSecret', this.secretName));
    problems.add('mount', checkVaultPath(props.mount));
    problems.add('path', checkVaultPath(props.path));
    const kv = props.kvVersion ?? KvVersion.V2;
    // The version check depends on the KV version: only judged when that one is good.
    if (problems.add('kvVersion', Object.values(KvVersion).includes(kv) ? undefined : `${describeValue(kv)} is not a KvVersion; expected KvVersion.V2 or KvVersion.V1`) && props.version !== undefined) {
      problems.add('version', kv !== KvVersion.V2 ? 'is set for a kv-v1 secret; expected kvVersion KvVersion.V2 (only KV v2 is versioned)' : checkInteger(props.version, 1));
    }
    const refresh = secondsOf(props.refreshAfter ?? Duration.minutes(5), 10, 7 * 24 * 3600);
    problems.add('refreshAfter', typeof refresh === 'string' ? `${refresh} (10s to 7 days)` : undefined);
    problems.throwIfAny();

    this.resource = this._toKube(props, kv, refresh as number);
  }

  /** The VaultStaticSecret. */
  private _toKube(props: VaultStaticSecretProps, kv: KvVersion, refresh: number): VaultStaticSecretObject {
    return new VaultStaticSecretObject(this, 'Resource', {
      metadata: { name: this.secretName, labels: { ...props.labels } },
      spec: {
        vaultAuthRef: props.vaultAuthName,
        type: kv as string as VaultStaticSecretSpecType,
        mount: props.mount,
        path: props.path,
        ...(props.version !== undefined ? { version: props.version } : {}),
        refreshAfter: `${refresh}s`,
        // Rollout restarts only happen when the operator can detect a change, i.e. with HMAC on.
        hmacSecretData: true,
        destination: { name: this.secretName, create: true, overwrite: false, labels: { ...props.labels } },
        // Resolved at synth, so workloads added after this secret are found too.
        rolloutRestartTargets: Lazy.any({
          produce: (): VaultStaticSecretSpecRolloutRestartTargets[] | undefined => {
            const targets = this.rolloutTargets();
            return targets.length ? targets.map((t) => ({ kind: t.kind as VaultStaticSecretSpecRolloutRestartTargetsKind, name: t.name })) : undefined;
          },
        }),
      },
    });
  }

  /**
   * An environment variable read from `key`. Deployments (DaprWorker) are rolled out when the
   * secret rotates; agent sandboxes are not, so an FteSandbox or SandboxPool refuses this
   * value unless `options.acceptStaleAfterRotation`: mount the secret there
   * ({@link mount}), its files follow rotation.
   */
  public envValue(key: string, options: RotatingEnvOptions = {}): EnvValue {
    return EnvValue.fromSecretKey(this.secretName, key)._rotating(`the Vault-synced Secret ${this.secretName}`, options.acceptStaleAfterRotation === true);
  }

  public mount(path: string): SecretMount {
    return { secretName: this.secretName, mountPath: path };
  }

  /**
   * Restart `target` whenever the secret changes, even if it does not reference the
   * Secret through ftekit (e.g. the app reads it through the Kubernetes API). Returns this.
   */
  public restartOnRotation(target: IRolloutTarget): this {
    if (!target || !isRolloutTarget(target)) {
      throw constructError(this, 'VaultStaticSecret', 'restartOnRotation', `${describeValue((target as { workloadName?: string } | undefined)?.workloadName ?? target)} is not a rollout target; expected a DaprWorker (sandboxes cannot be rolled out: mount the secret as files instead)`);
    }
    if (target.namespace !== this.namespace) {
      throw constructError(this, 'VaultStaticSecret', 'restartOnRotation', `${target.workloadName} runs in namespace ${describeValue(target.namespace)}, not ${describeValue(this.namespace)}; expected a workload in the secret's namespace (the operator restarts only there)`);
    }
    if (!this.explicitTargets.includes(target)) this.explicitTargets.push(target);
    return this;
  }

  /** Deployments (and other rollout targets) restarted on change, sorted by kind and name. */
  public rolloutTargets(): Array<{ kind: string; name: string }> {
    const found = rolloutTargetsIn(this).filter((t) => t.namespace === this.namespace && t.usesSecret(this.secretName));
    const seen = new Set<string>();
    const targets: Array<{ kind: string; name: string }> = [];
    for (const t of [...this.explicitTargets, ...found]) {
      const key = `${t.rolloutKind}/${t.workloadName}`;
      if (seen.has(key)) continue;
      seen.add(key);
      targets.push({ kind: t.rolloutKind, name: t.workloadName });
    }
    return targets.sort((a, b) => (`${a.kind}/${a.name}` < `${b.kind}/${b.name}` ? -1 : 1));
  }
}

/** A Vault mount or path: slash-separated segments, no leading or trailing slash. */
export function checkVaultPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_.@-]+(\/[A-Za-z0-9_.@-]+)*$/.test(value) || value.split('/').some((s) => s === '.' || s === '..')) {
    return `${describeValue(value)} is not a Vault path; expected slash-separated segments without leading or trailing '/', e.g. "ftes/research-analyst/llm"`;
  }
  return undefined;
}
