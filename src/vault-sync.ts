import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ISecretSource } from './env-value';
import { describeValue, ensure, FteValidationError, ProblemCollector } from './errors';
import { checkDnsLabel, checkDnsSubdomain, secondsOf } from './_validate';
import { nameClash } from './_object-names';
import { checkVaultPath, VaultStaticSecret, VaultStaticSecretOptions } from './vault-static-secret';
import { workloadLabels } from './_workload';
import { VaultAuth, VaultAuthSpecMethod, VaultConnection, VaultConnectionSpec } from './imports/secrets.hashicorp.com';

/** Options for {@link VaultServer.connect}. */
export interface VaultConnectOptions {
  /** Vault address, `https://vault.vault.svc:8200`. */
  readonly address: string;
  /**
   * Secret holding the CA certificate of Vault's TLS certificate under the key `ca.crt`,
   * in the VaultSync's namespace.
   * @default - the operator's system trust store
   */
  readonly caCert?: ISecretSource;
  /**
   * Server name for TLS verification (SNI).
   * @default - the host of `address`
   */
  readonly tlsServerName?: string;
  /**
   * Timeout of the operator's requests to Vault (`spec.timeout` of the VaultConnection).
   * @default - the operator's default
   */
  readonly timeout?: Duration;
  /**
   * Allow an `http://` address (a dev-mode Vault on a local cluster). Tokens and secrets
   * then cross the network in clear text.
   * @default false
   */
  readonly allowPlainHttp?: boolean;
}

/**
 * The Vault server a VaultSync talks to: a new `VaultConnection`, or one that already
 * exists (e.g. shared by several namespaces, or the operator's `default`).
 */
export class VaultServer {
  /** Create a VaultConnection to `address`. TLS is always verified. */
  public static connect(options: VaultConnectOptions): VaultServer {
    const fail = (problem: string): never => {
      throw new FteValidationError('VaultServer.connect', problem);
    };
    const address = options?.address;
    let url: URL | undefined;
    try {
      url = new URL(address);
    } catch {
      url = undefined;
    }
    if (!url || !['https:', 'http:'].includes(url.protocol) || url.pathname !== '/' || url.search || url.hash) {
      fail(`address ${describeValue(address)} is not a Vault address; expected e.g. "https://vault.vault.svc:8200"`);
    }
    if (url?.username || url?.password) {
      fail(`address ${describeValue(address)} carries credentials, which would be written into the VaultConnection; expected an address without user:password@`);
    }
    if (url?.protocol === 'http:' && !options.allowPlainHttp) {
      fail(`address ${describeValue(address)} is plain HTTP, which sends tokens and secrets in clear text; expected https://, or allowPlainHttp: true for a local dev Vault`);
    }
    if (options.tlsServerName !== undefined && checkDnsSubdomain(options.tlsServerName)) fail(`tlsServerName: ${checkDnsSubdomain(options.tlsServerName)}`);
    if (options.caCert !== undefined && typeof options.caCert?.secretName !== 'string') fail(`caCert ${describeValue(options.caCert)} is not a secret; expected ExistingSecret.fromName('vault-ca') (key ca.crt)`);
    const timeout = options.timeout === undefined ? undefined : secondsOf(options.timeout, 1, 3600);
    if (typeof timeout === 'string') fail(`timeout: ${timeout}`);
    return new VaultServer({
      address: address.replace(/\/$/, ''),
      skipTlsVerify: false,
      ...(options.caCert ? { caCertSecretRef: options.caCert.secretName } : {}),
      ...(options.tlsServerName ? { tlsServerName: options.tlsServerName } : {}),
      ...(timeout !== undefined ? { timeout: `${timeout}s` } : {}),
    }, undefined);
  }

  /**
   * Use a VaultConnection that exists already.
   * @param name its name
   * @param namespace its namespace, when not the VaultSync's own (the operator must allow the reference)
   */
  public static existingConnection(name: string, namespace?: string): VaultServer {
    const problem = checkDnsSubdomain(name) ?? (namespace !== undefined ? checkDnsLabel(namespace) : undefined);
    if (problem) throw new FteValidationError('VaultServer.existingConnection', problem);
    return new VaultServer(undefined, namespace ? `${namespace}/${name}` : name);
  }

  private constructor(
    /** Spec of a VaultConnection to create. */
    public readonly connectionSpec: VaultConnectionSpec | undefined,
    /** Reference to an existing connection. */
    public readonly existingRef: string | undefined,
  ) {}
}

/** Props for {@link VaultSync}. */
export interface VaultSyncProps {
  /**
   * Name of the VaultConnection, VaultAuth and ServiceAccount.
   * @default - the construct id
   */
  readonly name?: string;
  /** The Vault server. */
  readonly server: VaultServer;
  /** Vault role of the Kubernetes auth method bound to this ServiceAccount and namespace. */
  readonly role: string;
  /**
   * Mount path of the Kubernetes auth method in Vault (`spec.mount` of the VaultAuth).
   * @default 'kubernetes'
   */
  readonly authMount?: string;
  /**
   * Audiences of the ServiceAccount tokens the operator presents; must match the role's
   * `audience` in Vault.
   * @default - the operator's default
   */
  readonly audiences?: string[];
  /**
   * Lifetime of those tokens (the operator's minimum is 10 minutes).
   * @default Duration.minutes(10)
   */
  readonly tokenExpiration?: Duration;
  /**
   * Vault Enterprise namespace.
   * @default - none
   */
  readonly vaultNamespace?: string;
}

/**
 * Secrets from HashiCorp Vault through the Vault Secrets Operator (VSO,
 * `secrets.hashicorp.com/v1beta1`): a `VaultConnection` (or an existing one), a
 * `VaultAuth` with the kubernetes method and its own ServiceAccount, and one
 * `VaultStaticSecret` per secret from {@link VaultSync.addStaticSecret}. Secret values
 * never pass through ftekit: the operator writes the Kubernetes Secrets in the cluster.
 *
 * Objects: VaultAuth (id `Resource`), VaultConnection (id `Connection`, unless existing),
 * ServiceAccount (id `ServiceAccount`), VaultStaticSecret per secret.
 */
export class VaultSync extends Construct {
  /** Name of the VaultAuth. */
  public readonly authName: string;
  /** The VaultAuth object. */
  public readonly resource: VaultAuth;
  /** Name of the ServiceAccount Vault's role must be bound to. */
  public readonly serviceAccountName: string;
  private readonly labels: Record<string, string>;
  private readonly secrets: VaultStaticSecret[] = [];

  public constructor(scope: Construct, id: string, props: VaultSyncProps) {
    super(scope, id);
    const kind = 'VaultSync';
    const name = props.name ?? id;
    const problems = ProblemCollector.forConstruct(this, kind);
    if (problems.add('name', checkDnsLabel(name))) {
      problems.add('name', nameClash(this, 'VaultAuth', name) ?? nameClash(this, 'ServiceAccount', `${name}-vault-auth`));
    }
    problems.add('server', props.server instanceof VaultServer ? undefined : `${describeValue(props.server)} is not a VaultServer; expected VaultServer.connect({ address }) or VaultServer.existingConnection(name)`);
    problems.add('role', typeof props.role === 'string' && /^[A-Za-z0-9_.-]{1,128}$/.test(props.role) ? undefined : `${describeValue(props.role)} is not a Vault role name; expected letters, digits, '_', '.' or '-'`);
    const mount = props.authMount ?? 'kubernetes';
    problems.add('authMount', checkVaultPath(mount));
    const audiences = props.audiences;
    problems.add('audiences', audiences === undefined || (Array.isArray(audiences) && audiences.length > 0 && audiences.every((a) => typeof a === 'string' && a.length > 0)) ? undefined : `${describeValue(audiences)} is not a non-empty list of audiences; expected e.g. ["vault"]`);
    const ttl = secondsOf(props.tokenExpiration ?? Duration.minutes(10), 600, 86400);
    problems.add('tokenExpiration', typeof ttl === 'string' ? `${ttl} (600 is the operator's minimum)` : undefined);
    if (props.vaultNamespace !== undefined) problems.add('vaultNamespace', checkVaultPath(props.vaultNamespace));
    problems.throwIfAny();

    this.labels = workloadLabels(name, 'vault-sync');
    this.authName = name;
    this.serviceAccountName = `${name}-vault-auth`;
    this.resource = this._toKube(name, props, mount, audiences, ttl as number);
  }

  /** The ServiceAccount, the VaultConnection (unless an existing one is used) and the VaultAuth (returned). */
  private _toKube(name: string, props: VaultSyncProps, mount: string, audiences: string[] | undefined, ttl: number): VaultAuth {
    // The operator mints this account's tokens with TokenRequest; no pod mounts them.
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.serviceAccountName, labels: { ...this.labels } },
      automountServiceAccountToken: false,
    });
    let connectionRef = props.server.existingRef;
    if (props.server.connectionSpec) {
      new VaultConnection(this, 'Connection', {
        metadata: { name, labels: { ...this.labels } },
        spec: { ...props.server.connectionSpec },
      });
      connectionRef = name;
    }
    return new VaultAuth(this, 'Resource', {
      metadata: { name, labels: { ...this.labels } },
      spec: {
        vaultConnectionRef: connectionRef,
        method: VaultAuthSpecMethod.KUBERNETES,
        mount,
        ...(props.vaultNamespace ? { namespace: props.vaultNamespace } : {}),
        kubernetes: {
          role: props.role,
          serviceAccount: this.serviceAccountName,
          ...(audiences ? { audiences: [...audiences] } : {}),
          tokenExpirationSeconds: ttl,
        },
      },
    });
  }

  /**
   * Sync one KV secret into a Kubernetes Secret owned by the operator. The result is an
   * `ISecretSource`: use `envValue(key)` / `mount(path)` on it, or pass it to a Dapr
   * component.
   */
  public addStaticSecret(id: string, options: VaultStaticSecretOptions): VaultStaticSecret {
    const secretName = options?.secretName ?? id;
    const clash = this.secrets.find((s) => s.secretName === secretName);
    ensure(this, 'VaultSync', `addStaticSecret(${JSON.stringify(id)}).secretName`, clash ? `${JSON.stringify(secretName)} is already synced by ${clash.node.id}; expected one VaultStaticSecret per Secret` : undefined);
    const secret = new VaultStaticSecret(this, id, { ...options, vaultAuthName: this.authName, labels: this.labels });
    this.secrets.push(secret);
    return secret;
  }

  /** Secrets added with {@link addStaticSecret}. */
  public get staticSecrets(): readonly VaultStaticSecret[] {
    return [...this.secrets];
  }
}
