import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { ApiAccess } from '../api-access';
import { ApiServerEndpoint, EgressEnforcement, Peer } from '../egress-allowlist';
import { EnvValue, ExistingSecret } from '../env-value';
import { describeValue, FteValidationError, ValidationProblem } from '../errors';
import { FteSandboxProps, OperatingMode, ShutdownPolicy } from '../fte-sandbox';
import { NamespaceQuota } from '../fte-namespace';
import { checkDnsLabel, findDuplicate } from '../_validate';
import { Probe } from '../probe';
import { parseCpu, parseSize, ResourceRequirements } from '../_quantities';
import { PoolUpdateStrategy, SandboxPoolProps } from '../sandbox-pool';
import { PoolDemand } from '../pool-sizing';
import { SandboxRuntime } from '../sandbox-runtime';
import { Workspace } from '../workspace';
import { BackupSpec, parseBackups, parseSkills } from './backups';
import { buildProblems } from './build';
import { ConfigReader, SpecLocation } from './config-reader';
import { OperatorsSpec, parseOperators } from './operator-sources';
import { checkPeersDeclared, parseApiServer, parsePeers, PeerServiceSpec } from './peers';
import {
  checkDeclaredPort, DAPR_APP_FIELDS, DAPR_WORKER_FIELDS, DaprAppSpec, DaprWorkerSpec, MonitoringSpec, parseDaprApp, parseDaprWorker, parseMonitoring,
  parsePoolReaches, parsePulumiSecrets, parseVault, PulumiSecretSpec, VaultSpec,
} from './platform';

/** Pulumi config key that holds an environment's spec. */
export const ENVIRONMENT_CONFIG_KEY = 'ftekit:environment';

/** Who may open connections to a sandbox. */
export interface IngressSpec {
  /** Source peer. */
  readonly peer: Peer;
  /** Destination port on the sandbox. */
  readonly port: number;
}

/** One group's access to an FTE's sandbox pod (`FteSandbox.grantAccess`). */
export interface AccessSpec {
  /** The group (an RBAC Group subject). */
  readonly group: string;
  /** `kubectl exec`. */
  readonly exec?: boolean;
  /** `kubectl port-forward`. */
  readonly portForward?: boolean;
  /** `kubectl logs`. */
  readonly logs?: boolean;
}

/** One FTE sandbox of an environment. */
export interface FteSpec {
  /** Props for the FteSandbox construct. */
  readonly props: FteSandboxProps & { readonly name: string };
  /** Ingress rules. */
  readonly ingress: IngressSpec[];
  /** Names of pools this FTE may reach, with the port. */
  readonly reaches: Array<{ readonly pool: string; readonly port: number }>;
  /** The port Prometheus scrapes (with `monitoring`). */
  readonly metricsPort?: { readonly name: string; readonly number: number };
  /** Groups of people who may reach the sandbox's pod. */
  readonly access: AccessSpec[];
  /** The sandbox's Dapr app (`dapr`), if it is one: its components, subscriptions and resiliency. */
  readonly dapr?: DaprAppSpec;
  /** Where it is declared (`file: field.path`). */
  readonly source?: string;
  /** Where it is declared: construct problems found while building it are reported there. */
  readonly location?: SpecLocation;
}

/** One warm pool of an environment. */
export interface PoolSpec {
  /** Props for the SandboxPool construct. */
  readonly props: SandboxPoolProps & { readonly name: string };
  /** Static claims on the pool. */
  readonly claims: string[];
  /** The pool's Dapr app (`dapr`), if its sandboxes are one: components, subscriptions and resiliency. */
  readonly dapr?: DaprAppSpec;
  /** Where it is declared (`file: field.path`). */
  readonly source?: string;
  /** Where it is declared: construct problems found while building it are reported there. */
  readonly location?: SpecLocation;
}

/** Pulumi-only options of an environment. */
export interface DeploySpec {
  /** kubeconfig context of the cluster. */
  readonly kubeContext?: string;
  /** Keep workspace PVCs and Sandboxes when Pulumi deletes them. */
  readonly retainWorkspaces: boolean;
  /** Refuse to delete workspaces and Sandboxes at all (Pulumi `protect`). */
  readonly protectWorkspaces: boolean;
  /** Secrets `pulumi up` creates from Pulumi config secrets (never in `dist/`). */
  readonly secrets: PulumiSecretSpec[];
  /** Operators `pulumi up` installs before the objects that use their CRDs. */
  readonly operators: OperatorsSpec;
  /** Earlier names of this environment's Pulumi component (aliases: a rename keeps every object). */
  readonly previousNames: string[];
}

/**
 * A typed, validated environment: everything one cluster runs. The same spec feeds
 * `cdk8s synth` (src/app/synth.ts) and `pulumi up` (src/pulumi).
 */
export interface EnvironmentSpec {
  /** Environment (stack) name, e.g. `prod`. */
  readonly name: string;
  /** Namespace of the FTEs. */
  readonly namespace: string;
  /** Isolation runtime of every pod. */
  readonly runtime: SandboxRuntime;
  /** Egress enforcement of every allowlist. */
  readonly egressEnforcement: EgressEnforcement;
  /** Long-lived FTE sandboxes. */
  readonly ftes: FteSpec[];
  /** Warm pools. */
  readonly pools: PoolSpec[];
  /** Dapr workers (Deployments with the Dapr sidecar). */
  readonly daprWorkers: DaprWorkerSpec[];
  /** Services ftekit does not run whose pods live in the namespace (kafka, redis, fastapi). */
  readonly peers: PeerServiceSpec[];
  /** Where the Kubernetes API server's endpoints are (for `apiAccess` under standard NetworkPolicy). */
  readonly apiServer?: ApiServerEndpoint;
  /** Scheduled snapshots of workspaces. */
  readonly backups?: BackupSpec[];
  /** Secrets synced from Vault. */
  readonly vault?: VaultSpec;
  /** Prometheus Operator monitors and alerts for every workload. */
  readonly monitoring?: MonitoringSpec;
  /** Explicit quota fields. */
  readonly quota?: NamespaceQuota;
  /** Quota head-room. */
  readonly quotaHeadroom?: number;
  /** Pulumi options. */
  readonly deploy: DeploySpec;
  /** Where it is declared (`file: key`). */
  readonly source?: string;
  /** Where it is declared: construct problems found while building it are reported there. */
  readonly location?: SpecLocation;
}

const RUNTIMES = ['gvisor', 'gke-sandbox', 'kata-qemu', 'kata-fc', 'kata-clh', 'unsandboxed'] as const;
const ENFORCEMENTS = ['kubernetes', 'cilium', 'gke-fqdn', 'eks-application-network-policy', 'kubernetes-public-fallback'] as const;
/** The enforcement each `egressEnforcement` value stands for. */
const ENFORCEMENT_OF: Record<typeof ENFORCEMENTS[number], () => EgressEnforcement> = {
  'kubernetes': () => EgressEnforcement.KUBERNETES,
  'cilium': () => EgressEnforcement.CILIUM,
  'gke-fqdn': () => EgressEnforcement.GKE_FQDN,
  'eks-application-network-policy': () => EgressEnforcement.EKS_APPLICATION_NETWORK_POLICY,
  'kubernetes-public-fallback': () => EgressEnforcement.kubernetesWithPublicFallback(),
};
const WORKLOAD_FIELDS = ['name', 'image', 'command', 'args', 'resources', 'ports', 'readiness', 'env', 'secretEnv', 'secretMounts', 'workspace', 'egress', 'ingressFrom'] as const;

/**
 * Reads the `dapr` of an FTE or pool: the fields of a Dapr worker's app, under one key
 * (present, even `{}`, makes the sandboxes Dapr apps).
 */
function parseSandboxDapr(r: ConfigReader): DaprAppSpec | undefined {
  if (r.absent) return undefined;
  r.object(DAPR_APP_FIELDS);
  return parseDaprApp(r);
}

/** The `dapr` prop of a sandbox from its spec. */
function sandboxDaprProps(dapr: DaprAppSpec | undefined): Pick<FteSandboxProps, 'dapr'> {
  return dapr ? { dapr: { appId: dapr.appId, appPort: dapr.appPort } } : {};
}

/**
 * Reads the raw value of `ftekit:environment` from `file` and returns the typed spec.
 * The parser checks shape only (fields, types, required values, references between
 * entries); the rules on values belong to the constructs. When anything is wrong it throws
 * one error listing every problem in file order, the shape problems together with the
 * construct rules broken by the entries that could be read, each naming the file, the
 * field path, the value and what is expected.
 * `projectDir` (where Pulumi.yaml is) resolves relative paths, e.g. local operator sources.
 */
export function parseEnvironmentSpec(envName: string, raw: unknown, file: string, kubeContext?: string, projectDir: string = process.cwd()): EnvironmentSpec {
  const root = new ConfigReader(raw, ENVIRONMENT_CONFIG_KEY, file);
  const spec = root.guard(() => readEnvironment(root, envName, kubeContext, projectDir));
  if (spec) fileOrder.set(spec, raw);
  if (root.problems.length === 0 && spec) return spec;
  // Every problem in one run: the construct rules broken by the entries that could be read too.
  const problems = [...root.problems, ...(spec ? buildProblems(spec) : [])];
  throw new FteValidationError(inFileOrder(problems, raw, ENVIRONMENT_CONFIG_KEY));
}

/** The raw config each spec was read from, to report problems in file order. */
const fileOrder = new WeakMap<EnvironmentSpec, unknown>();

/** The raw config `spec` was read from, if it was read by {@link parseEnvironmentSpec}. */
export function rawConfigOf(spec: EnvironmentSpec): unknown {
  return fileOrder.get(spec);
}

/**
 * `problems` sorted by where their field stands in the file (`raw`, the value under
 * `rootKey`); problems of one field keep their order, problems elsewhere come last.
 */
export function inFileOrder(problems: readonly ValidationProblem[], raw: unknown, rootKey: string): ValidationProblem[] {
  const position = (field: string): number[] => {
    if (!field.startsWith(rootKey)) return [Number.MAX_SAFE_INTEGER];
    const steps = field.slice(rootKey.length).match(/\.[^.[]+|\[\d+\]/g) ?? [];
    const at: number[] = [];
    let node = raw;
    for (const step of steps) {
      const key = step.startsWith('[') ? Number(step.slice(1, -1)) : step.slice(1);
      const keys = node !== null && typeof node === 'object' ? Object.keys(node) : [];
      const i = keys.indexOf(String(key));
      if (i < 0) break;
      at.push(i);
      node = (node as Record<string, unknown>)[String(key)];
    }
    return at;
  };
  const compare = (a: number[], b: number[]): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
  };
  return problems.map((p, i) => ({ p, i, at: position(p.field) }))
    .sort((x, y) => compare(x.at, y.at) || x.i - y.i)
    .map((x) => x.p);
}

/**
 * Reads what can be read: an entry with a problem is left out, so that the construct rules
 * of the others can still be checked.
 */
function readEnvironment(root: ConfigReader, envName: string, kubeContext: string | undefined, projectDir: string): EnvironmentSpec {
  if (root.absent) root.fail('is missing; expected the environment spec under this key');
  root.object([
    'namespace', 'runtime', 'unsandboxedReason', 'egressEnforcement', 'apiServer', 'ftes', 'pools', 'daprWorkers', 'peers', 'vault', 'monitoring', 'quota', 'quotaHeadroom',
    'retainWorkspaces', 'protectWorkspaces', 'secrets', 'operators', 'previousNames', 'backups',
  ]);
  const clean = <T>(r: ConfigReader, read: () => T): T | undefined => {
    const before = root.faults;
    const value = r.guard(read);
    return root.faults > before ? undefined : value;
  };
  const present = <T>(items: Array<T | undefined>): T[] => items.filter((x): x is T => x !== undefined);
  // (The namespace's rules are FteNamespace's; a stand-in lets the other entries be checked.)
  const namespace = root.field('namespace').guard((r) => r.string()) ?? 'ftekit-unread';
  const runtime = root.guard(() => runtimeOf(root.field('runtime').absent ? 'gvisor' : root.field('runtime').oneOf(RUNTIMES), root, kubeContext)) ?? SandboxRuntime.GVISOR;
  // An unreadable enforcement must not make every hostname rule a problem too.
  const egressEnforcement = root.field('egressEnforcement').guard((r) => ENFORCEMENT_OF[r.absent ? 'kubernetes' : r.oneOf(ENFORCEMENTS)]()) ?? EgressEnforcement.CILIUM;

  const pools = present(root.field('pools').guard((r) => r.list()) ?.map((p) => clean(p, () => parsePool(p, runtime, egressEnforcement))) ?? []);
  const poolPorts = poolPortsOf(root.field('pools').value, pools);
  const ftes = present(root.field('ftes').guard((r) => r.list())?.map((f) => clean(f, () => parseFte(f, runtime, egressEnforcement, poolPorts))) ?? []);
  const daprWorkers = present(root.field('daprWorkers').guard((r) => r.list())?.map((w) => clean(w, () => {
    w.object([...WORKLOAD_FIELDS, ...DAPR_WORKER_FIELDS]);
    const workload = w.guard(() => parseWorkload(w, runtime, egressEnforcement));
    const worker = parseDaprWorker(w, workload ?? { name: '', image: '', resources: undefined as unknown as ResourceRequirements }, poolPorts, runtime, egressEnforcement);
    return workload ? worker : w.abandon();
  })) ?? []);
  root.guard(() => checkNamesAcrossEntries(root, ftes, pools, daprWorkers));
  const peers = root.field('peers').guard((r) => parsePeers(r, parseResources)) ?? [];
  root.guard(() => checkPeersDeclared(root, namespace, peers));
  const apiServer = root.field('apiServer').guard((r) => parseApiServer(r));

  // Entries that could not be read still count by their names, so references to them are not problems of their own.
  const workloadNames = (['ftes', 'pools'] as const).flatMap((k) => (Array.isArray(root.field(k).value) ? root.field(k).value as unknown[] : []))
    .map((w) => (w as { name?: unknown } | null)?.name).filter((n): n is string => typeof n === 'string');
  const backups = root.field('backups').guard((r) => parseBackups(r, workloadNames)) ?? [];
  const vault = root.field('vault').guard((r) => parseVault(r));
  const secrets = root.field('secrets').guard((r) => parsePulumiSecrets(r)) ?? [];
  const clash = secrets.find((s) => vault?.secrets.some((v) => v.name === s.name));
  if (clash) root.field('secrets').check(`secret ${JSON.stringify(clash.name)} is also synced from Vault (vault.secrets); expected one source per Secret`);
  const monitoring = root.field('monitoring').guard((r) => parseMonitoring(r));
  if (monitoring && (monitoring.prometheusNamespace ?? 'monitoring') === namespace) {
    root.field('namespace').check(`${JSON.stringify(namespace)} is also the Prometheus namespace; expected the FTEs in a namespace of their own (its default deny would cut Prometheus off)`);
  }
  const previousNames = present(root.field('previousNames').guard((r) => r.list())?.map((n) => n.guard(() => {
    const name = n.string();
    n.check(checkDnsLabel(name));
    if (name === envName) n.fail(`${JSON.stringify(name)} is the current name; expected only earlier names`);
    return name;
  })) ?? []);

  const quota = root.field('quota').guard((q) => {
    if (q.absent) return undefined;
    q.object(['pods', 'requestsCpu', 'limitsCpu', 'requestsMemory', 'limitsMemory', 'persistentVolumeClaims', 'requestsStorage']);
    return {
      pods: q.field('pods').guard((r) => r.optionalWholeNumber()),
      persistentVolumeClaims: q.field('persistentVolumeClaims').guard((r) => r.optionalWholeNumber()),
      requestsCpu: q.field('requestsCpu').guard(optionalCpu),
      limitsCpu: q.field('limitsCpu').guard(optionalCpu),
      requestsMemory: q.field('requestsMemory').guard(optionalSize),
      limitsMemory: q.field('limitsMemory').guard(optionalSize),
      requestsStorage: q.field('requestsStorage').guard(optionalSize),
    };
  });
  const headroom = root.field('quotaHeadroom');
  if (!headroom.absent && typeof headroom.value !== 'number') headroom.check(`${JSON.stringify(headroom.value)} is not a number; expected a number from 1 to 10`);
  const operators = root.field('operators').guard((r) => parseOperators(r, projectDir));
  return {
    name: envName,
    namespace,
    runtime,
    egressEnforcement,
    ftes,
    pools,
    daprWorkers,
    peers,
    apiServer,
    ...(backups.length ? { backups } : {}),
    vault,
    monitoring,
    source: root.location,
    location: root.at,
    quota,
    quotaHeadroom: typeof headroom.value === 'number' ? headroom.value : undefined,
    deploy: {
      kubeContext,
      retainWorkspaces: root.field('retainWorkspaces').guard((r) => r.optionalBoolean()) ?? true,
      protectWorkspaces: root.field('protectWorkspaces').guard((r) => r.optionalBoolean()) ?? false,
      secrets,
      operators: operators as OperatorsSpec,
      previousNames,
    },
  };
}

/**
 * Ports of every pool by name, for references from ftes and workers. A pool entry that
 * could not be read still counts by its name (its ports unknown), so that references to it
 * are not problems of their own.
 */
function poolPortsOf(rawPools: unknown, pools: readonly PoolSpec[]): Map<string, readonly number[]> {
  const ports = new Map<string, readonly number[]>();
  for (const p of Array.isArray(rawPools) ? rawPools : []) {
    const name = (p as { name?: unknown } | null)?.name;
    if (typeof name === 'string') ports.set(name, []);
  }
  for (const p of pools) ports.set(p.props.name, (p.props.ports ?? []).map((port) => port.number));
  return ports;
}

/** Names that must be unique across entries: workloads and claims. */
function checkNamesAcrossEntries(root: ConfigReader, ftes: readonly FteSpec[], pools: readonly PoolSpec[], daprWorkers: readonly DaprWorkerSpec[]): void {
  // (Dapr component and subscription names are claimed by the constructs, per namespace.)
  const all = [...ftes.map((f) => f.props.name), ...pools.map((p) => p.props.name), ...daprWorkers.map((w) => w.props.name)];
  const dup = findDuplicate(all, (n) => n);
  if (dup) root.check(`workload name ${JSON.stringify(dup)} is used twice across ftes, pools and daprWorkers; expected unique names (they name the objects)`);
  const claimNames = pools.flatMap((p) => p.claims);
  const dupClaim = findDuplicate(claimNames, (c) => c);
  if (dupClaim) root.field('pools').check(`claim ${JSON.stringify(dupClaim)} is listed in two pools; expected unique claim names in the namespace (each is a SandboxClaim)`);
  const claimClash = claimNames.find((c) => all.includes(c));
  if (claimClash) root.field('pools').check(`claim ${JSON.stringify(claimClash)} is also a workload name; expected claim names apart from workload names (a claim's Sandbox and Service take its name)`);
}

/** kubeconfig contexts of local clusters (minikube, kind, k3d, Docker Desktop, Rancher Desktop, colima, OrbStack). */
const LOCAL_CONTEXT = /^(minikube|kind-.+|k3d-.+|docker-desktop|docker-for-desktop|rancher-desktop|colima(-.+)?|orbstack)$/;

function runtimeOf(name: typeof RUNTIMES[number], root: ConfigReader, kubeContext: string | undefined): SandboxRuntime {
  const reason = root.field('unsandboxedReason');
  if (name !== 'unsandboxed' && !reason.absent) reason.fail('is set but runtime is not "unsandboxed"; expected it only with runtime: unsandboxed');
  switch (name) {
    case 'gvisor': return SandboxRuntime.GVISOR;
    case 'gke-sandbox': return SandboxRuntime.GKE_SANDBOX;
    case 'kata-qemu': return SandboxRuntime.KATA_QEMU;
    case 'kata-fc': return SandboxRuntime.KATA_FC;
    case 'kata-clh': return SandboxRuntime.KATA_CLH;
    case 'unsandboxed': {
      if (reason.absent) reason.fail('is missing; runtime "unsandboxed" needs a reason (local clusters only)');
      const text = reason.string();
      if (text.trim() === '') reason.fail(`${JSON.stringify(text)} is blank; expected why this cluster cannot sandbox`);
      if (kubeContext === undefined || !LOCAL_CONTEXT.test(kubeContext)) {
        root.field('runtime').fail(`"unsandboxed" is for local clusters only, and kubernetes:context is ${JSON.stringify(kubeContext ?? null)}; expected a local context (minikube, kind-*, k3d-*, docker-desktop, rancher-desktop, colima, orbstack) or a sandboxed runtime`);
      }
      return SandboxRuntime.unsandboxedForLocalDevelopment(text);
    }
  }
}

function optionalCpu(r: ConfigReader): Cpu | undefined {
  if (r.absent) return undefined;
  const v = parseCpu(r.value);
  if (typeof v === 'string') r.fail(v);
  return v;
}

function optionalSize(r: ConfigReader): Size | undefined {
  if (r.absent) return undefined;
  const v = parseSize(r.value);
  if (typeof v === 'string') r.fail(v);
  return v;
}

function parseResources(r: ConfigReader): ResourceRequirements {
  r.object(['cpu', 'memory', 'ephemeralStorage']);
  const pair = <T>(p: ConfigReader, parse: (x: ConfigReader) => T | undefined): { request: T; limit: T } => {
    p.object(['request', 'limit']);
    const [request, limit] = (['request', 'limit'] as const).map((k) => p.field(k).guard((x) => parse(x) ?? x.fail('is missing')));
    if (request === undefined || limit === undefined) return p.abandon();
    return { request, limit };
  };
  const need = (key: string): ConfigReader => (r.field(key).absent ? r.field(key).fail('is missing; expected { request, limit }') : r.field(key));
  const cpu = r.guard(() => pair(need('cpu'), optionalCpu));
  const memory = r.guard(() => pair(need('memory'), optionalSize));
  const ephemeralStorage = r.guard(() => (r.field('ephemeralStorage').absent ? undefined : pair(r.field('ephemeralStorage'), optionalSize)));
  if (cpu === undefined || memory === undefined) return r.abandon();
  return { cpu, memory, ephemeralStorage };
}

type WorkloadSpecProps = Omit<SandboxPoolProps, 'autoscaling' | 'demand'> & FteSandboxProps & { name: string };

/**
 * Reads the fields every workload has. Each field is read on its own, so that one bad
 * field does not hide the problems of the others; the entry fails at the end if any did.
 */
function parseWorkload(r: ConfigReader, runtime: SandboxRuntime, enforcement: EgressEnforcement): WorkloadSpecProps {
  const before = r.faults;
  const name = r.field('name').guard((x) => x.string());
  const image = r.field('image').guard((x) => x.string());
  const strings = (x: ConfigReader): string[] | undefined => (x.absent ? undefined : x.list().map((i) => i.string()));
  const command = r.field('command').guard(strings);
  const args = r.field('args').guard(strings);
  const resources = r.field('resources').guard(parseResources);
  const ports = r.field('ports').guard((x) => x.list().map((p) => {
    p.object(['name', 'port']);
    return { number: p.field('port').wholeNumber(), name: p.field('name').optionalString() };
  })) ?? [];
  const readiness = r.field('readiness').guard((rd) => {
    if (rd.absent) return undefined;
    rd.object(['path', 'port']);
    const port = rd.field('port').wholeNumber();
    const path = rd.field('path').optionalString();
    return rd.make(() => (path === undefined ? Probe.tcpSocket(port) : Probe.httpGet(path, port)));
  });
  const env: Record<string, EnvValue> = {};
  r.field('env').guard((x) => {
    for (const [k, v] of Object.entries(x.stringMap())) env[k] = x.field(k).make(() => EnvValue.fromValue(v));
  });
  r.field('secretEnv').guard((secretEnv) => {
    if (secretEnv.absent) return;
    for (const k of Object.keys(secretEnv.object(Object.keys(secretEnv.value as object)).value as object)) {
      secretEnv.field(k).guard((ref) => {
        ref.object(['secret', 'key']);
        if (k in env) ref.fail(`${k} is in both env and secretEnv; expected one`);
        const secretName = ref.field('secret').string();
        const key = ref.field('key').string();
        env[k] = ref.make(() => ExistingSecret.fromName(secretName).envValue(key));
      });
    }
  });
  const secretMounts = r.field('secretMounts').guard((x) => x.list().map((m) => {
    m.object(['secret', 'path']);
    const secretName = m.field('secret').string();
    const mountPath = m.field('path').string();
    return m.field('secret').make(() => ExistingSecret.fromName(secretName)).mount(mountPath);
  })) ?? [];
  const workspace = r.field('workspace').guard((ws) => {
    if (ws.absent) return undefined;
    ws.object(['size', 'storageClass', 'mountPath', 'ephemeral', 'restoreFrom']);
    const size = optionalSize(ws.field('size'));
    const mountPath = ws.field('mountPath').optionalString();
    const ephemeral = ws.field('ephemeral').optionalBoolean();
    if (ephemeral && !ws.field('storageClass').absent) ws.field('storageClass').fail('is set on an ephemeral workspace, which has no storage class; expected one of them');
    if (ephemeral && !ws.field('restoreFrom').absent) ws.field('restoreFrom').fail('is set on an ephemeral workspace, which cannot be restored from a snapshot; expected one of them');
    return ephemeral
      ? Workspace.ephemeral({ sizeLimit: size, mountPath })
      : Workspace.persistent({ size, mountPath, storageClassName: ws.field('storageClass').optionalString(), restoreFrom: ws.field('restoreFrom').optionalString() });
  });
  const egress = r.field('egress').guard((x) => x.list().map((e) => e.string())) ?? [];
  if (r.faults > before) r.abandon();
  return {
    name: name as string,
    image: image as string,
    command,
    args,
    resources: resources as ResourceRequirements,
    ports: ports.length ? ports : undefined,
    readiness,
    env: Object.keys(env).length ? env : undefined,
    secretMounts: secretMounts.length ? secretMounts : undefined,
    workspace,
    runtime,
    egressEnforcement: enforcement,
    egress,
  };
}

function parseIngress(r: ConfigReader, ports: readonly number[]): IngressSpec[] {
  return r.field('ingressFrom').list().map((i) => {
    i.object(['service', 'namespace', 'port']);
    const port = i.field('port').integer(1, 65535);
    i.field('port').check(checkDeclaredPort(port, ports, 'this FTE'));
    const service = i.field('service').optionalString();
    const ns = i.field('namespace').optionalString();
    if ((service === undefined) === (ns === undefined)) i.fail('expected exactly one of service or namespace');
    return { peer: service !== undefined ? i.field('service').make(() => Peer.service(service)) : i.field('namespace').make(() => Peer.namespace(ns as string)), port };
  });
}

const FTE_FIELDS = [...WORKLOAD_FIELDS, 'skills', 'operatingMode', 'shutdownTime', 'shutdownPolicy', 'apiAccess', 'pools', 'metricsPort', 'access', 'dapr'];

/** `access[]`: shape only; FteSandbox.grantAccess judges the group and what it grants. */
function parseAccess(r: ConfigReader): AccessSpec[] {
  if (r.absent) return [];
  return r.list().map((a) => {
    a.object(['group', 'exec', 'portForward', 'logs']);
    // Any string: whether it names a group (not empty, not system:*) is the construct's rule.
    const group = a.field('group').guard((x) => (typeof x.value === 'string' ? x.value : x.fail(`${describeValue(x.value)} is not a string; expected a group name`)));
    const [exec, portForward, logs] = (['exec', 'portForward', 'logs'] as const).map((k) => a.field(k).guard((x) => x.optionalBoolean()));
    if (group === undefined) return a.abandon();
    return { group, exec, portForward, logs };
  });
}

function parseFte(r: ConfigReader, runtime: SandboxRuntime, enforcement: EgressEnforcement, poolPorts: ReadonlyMap<string, readonly number[]>): FteSpec {
  r.object(FTE_FIELDS);
  const props = r.guard(() => parseWorkload(r, runtime, enforcement));
  const shutdownTime = r.field('shutdownTime').guard((x) => x.optionalString());
  const mode = r.field('operatingMode').guard((x) => (x.absent ? undefined : x.oneOf(['Running', 'Suspended'] as const)));
  const policy = r.field('shutdownPolicy').guard((x) => (x.absent ? undefined : x.oneOf(['Retain', 'Delete'] as const)));
  const apiAccess = r.field('apiAccess').guard((x) => x.list().map((a) => {
    a.oneOf(['manage-sandbox-claims'] as const);
    return ApiAccess.MANAGE_SANDBOX_CLAIMS;
  })) ?? [];
  const reaches = r.field('pools').guard((x) => parsePoolReaches(x, poolPorts));
  const ingress = props && r.guard(() => parseIngress(r, (props.ports ?? []).map((p) => p.number)));
  const metricsPort = props && r.field('metricsPort').guard((x) => parseMetricsPort(x, props.ports ?? []));
  const access = r.field('access').guard(parseAccess);
  const daprAbsent = r.field('dapr').absent;
  const dapr = r.field('dapr').guard(parseSandboxDapr);
  // Sandboxes only: a worker's skills field is refused as unknown, not also read.
  const skillsAbsent = r.field('skills').absent;
  const skills = r.field('skills').guard(parseSkills);
  if (!props || !reaches || !ingress || !access || (!daprAbsent && !dapr) || (!skillsAbsent && !skills)) return r.abandon();
  return {
    props: {
      ...props,
      ...(skills ? { skills } : {}),
      ...sandboxDaprProps(dapr),
      operatingMode: mode === 'Suspended' ? OperatingMode.SUSPENDED : mode === 'Running' ? OperatingMode.RUNNING : undefined,
      shutdownTime,
      shutdownPolicy: policy === 'Delete' ? ShutdownPolicy.DELETE : policy === 'Retain' ? ShutdownPolicy.RETAIN : undefined,
      apiAccess: apiAccess.length ? apiAccess : undefined,
    },
    ingress,
    reaches,
    metricsPort,
    access,
    dapr,
    source: r.location,
    location: r.at,
  };
}

function parseMetricsPort(r: ConfigReader, ports: ReadonlyArray<{ readonly name?: string; readonly number: number }>): FteSpec['metricsPort'] {
  const name = r.optionalString();
  if (name === undefined) return undefined;
  const port = ports.find((p) => p.name === name);
  if (!port) r.fail(`${JSON.stringify(name)} is not the name of one of the ports; expected one of ${ports.map((p) => p.name).filter(Boolean).join(', ') || '(no named ports)'}`);
  return { name, number: port.number };
}

function parsePool(r: ConfigReader, runtime: SandboxRuntime, enforcement: EgressEnforcement): PoolSpec {
  r.object([...WORKLOAD_FIELDS, 'skills', 'replicas', 'updateStrategy', 'demand', 'autoscaling', 'claims', 'dapr']);
  const props = r.guard(() => parseWorkload(r, runtime, enforcement));
  if (!r.field('ingressFrom').absent) r.field('ingressFrom').check('is not supported on pools; expected FTEs to reach pools with ftes[].pools');
  const replicas = r.field('replicas').guard((x) => x.optionalWholeNumber());
  const strategy = r.field('updateStrategy').guard((x) => (x.absent ? undefined : x.oneOf(['OnReplenish', 'Recreate'] as const)));
  // Shape only: SandboxPool judges the numbers and the address.
  const number = (x: ConfigReader): number | undefined => (x.absent || typeof x.value === 'number' ? x.value as number | undefined : x.fail(`${describeValue(x.value)} is not a number`));
  const demand = r.field('demand').guard((d): PoolDemand | undefined => {
    if (d.absent) return undefined;
    d.object(['claimsPerMinute', 'peakClaimsPerMinute', 'coldStartSeconds', 'claimDurationMinutes', 'safetyFactor']);
    const required = (k: string): number | undefined => d.field(k).guard((x) => (x.absent ? x.fail('is missing; expected a number') : number(x)));
    const [claimsPerMinute, coldStartSeconds] = [required('claimsPerMinute'), required('coldStartSeconds')];
    const [peakClaimsPerMinute, claimDurationMinutes, safetyFactor] = (['peakClaimsPerMinute', 'claimDurationMinutes', 'safetyFactor'] as const).map((k) => d.field(k).guard(number));
    if (claimsPerMinute === undefined || coldStartSeconds === undefined) return d.abandon();
    return { claimsPerMinute, coldStartSeconds, peakClaimsPerMinute, claimDurationMinutes, safetyFactor };
  });
  const autoscaling = r.field('autoscaling').guard((a): SandboxPoolProps['autoscaling'] => {
    if (a.absent) return undefined;
    a.object(['prometheusAddress', 'minReplicas', 'maxReplicas']);
    const [minReplicas, maxReplicas] = (['minReplicas', 'maxReplicas'] as const).map((k) => a.field(k).guard((x) => x.optionalWholeNumber()));
    return { prometheusAddress: a.field('prometheusAddress').guard((x) => x.optionalString()) as string, minReplicas, maxReplicas };
  });
  const claims = r.field('claims').guard((x) => x.list().map((c) => c.string())) ?? [];
  const dup = findDuplicate(claims, (c) => c);
  if (dup) r.field('claims').check(`claim ${JSON.stringify(dup)} is listed twice; expected unique claim names`);
  const daprAbsent = r.field('dapr').absent;
  const dapr = r.field('dapr').guard(parseSandboxDapr);
  const skillsAbsent = r.field('skills').absent;
  const skills = r.field('skills').guard(parseSkills);
  if (!props || (!daprAbsent && !dapr) || (!skillsAbsent && !skills)) return r.abandon();
  return {
    props: { ...props, ...(skills ? { skills } : {}), ...sandboxDaprProps(dapr), replicas, demand, autoscaling, updateStrategy: strategy === 'Recreate' ? PoolUpdateStrategy.RECREATE : strategy === 'OnReplenish' ? PoolUpdateStrategy.ON_REPLENISH : undefined },
    claims,
    dapr,
    source: r.location,
    location: r.at,
  };
}
