import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { ApiAccess } from '../api-access';
import { EgressEnforcement, Peer } from '../egress-allowlist';
import { checkConfigKey, EnvValue, ExistingSecret } from '../env-value';
import { FteValidationError } from '../errors';
import { FteSandboxProps, OperatingMode, ShutdownPolicy } from '../fte-sandbox';
import { NamespaceQuota } from '../fte-namespace';
import { checkDnsLabel, checkDnsSubdomain, checkEnvName, checkFteNamespaceName, checkMountPath, checkPinnedImage, checkPortName, checkRfc3339, checkServiceName, findDuplicate } from '../_validate';
import { Probe } from '../probe';
import { parseCpu, parseSize, ResourceRequirements, checkResources } from '../_quantities';
import { PoolScalingMetric, PoolUpdateStrategy, SandboxPoolProps } from '../sandbox-pool';
import { SandboxRuntime } from '../sandbox-runtime';
import { Workspace } from '../workspace';
import { ConfigReader } from './config-reader';
import { OperatorsSpec, parseOperators } from './operator-sources';
import {
  checkDeclaredPort, DAPR_WORKER_FIELDS, DaprWorkerSpec, MonitoringSpec, parseDaprWorker, parseMonitoring,
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
  /** Where it is declared (`file: field.path`), for errors raised while building it. */
  readonly source?: string;
}

/** One warm pool of an environment. */
export interface PoolSpec {
  /** Props for the SandboxPool construct. */
  readonly props: SandboxPoolProps & { readonly name: string };
  /** Static claims on the pool. */
  readonly claims: string[];
  /** Where it is declared (`file: field.path`), for errors raised while building it. */
  readonly source?: string;
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
  /** Where it is declared (`file: key`), for errors raised while building it. */
  readonly source?: string;
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
 * Validates the raw value of `ftekit:environment` from `file` and returns the typed spec.
 * Every error names the file, the path of the field, the value and what is expected.
 * `projectDir` (where Pulumi.yaml is) resolves relative paths, e.g. local operator sources.
 */
export function parseEnvironmentSpec(envName: string, raw: unknown, file: string, kubeContext?: string, projectDir: string = process.cwd()): EnvironmentSpec {
  const root = new ConfigReader(raw, ENVIRONMENT_CONFIG_KEY, file);
  if (root.absent) root.fail('is missing; expected the environment spec under this key');
  root.object([
    'namespace', 'runtime', 'unsandboxedReason', 'egressEnforcement', 'ftes', 'pools', 'daprWorkers', 'vault', 'monitoring', 'quota', 'quotaHeadroom',
    'retainWorkspaces', 'protectWorkspaces', 'secrets', 'operators', 'previousNames',
  ]);
  const namespace = root.field('namespace').string();
  root.field('namespace').check(checkDnsLabel(namespace) ?? checkFteNamespaceName(namespace));

  const runtimeName = root.field('runtime').absent ? 'gvisor' : root.field('runtime').oneOf(RUNTIMES);
  const runtime = runtimeOf(runtimeName, root, kubeContext);
  const enforcementName = root.field('egressEnforcement').absent ? 'kubernetes' : root.field('egressEnforcement').oneOf(ENFORCEMENTS);
  const egressEnforcement = ENFORCEMENT_OF[enforcementName]();

  const pools = root.field('pools').list().map((p) => parsePool(p, runtime, egressEnforcement));
  const poolNames = pools.map((p) => p.props.name);
  const poolPorts = new Map(pools.map((p) => [p.props.name, (p.props.ports ?? []).map((port) => port.number)]));
  const ftes = root.field('ftes').list().map((f) => parseFte(f, runtime, egressEnforcement, poolPorts));
  const daprWorkers = root.field('daprWorkers').list().map((w) => {
    w.object([...WORKLOAD_FIELDS, ...DAPR_WORKER_FIELDS]);
    return parseDaprWorker(w, parseWorkload(w, runtime, egressEnforcement), poolPorts, runtime, egressEnforcement);
  });
  // Dapr objects are namespaced by name: two workers cannot share a component or subscription name.
  const components = daprWorkers.flatMap((w, i) => [
    ...(w.pubsub ? [[w.pubsub.name, `daprWorkers[${i}].pubsub.name`]] : []),
    ...(w.stateStore ? [[w.stateStore.name, `daprWorkers[${i}].stateStore.name`]] : []),
  ]);
  const subscriptionNames = daprWorkers.flatMap((w, i) => w.subscriptions.map((s, j) => [s.name, `daprWorkers[${i}].subscriptions[${j}].name`]));
  for (const names of [components, subscriptionNames]) {
    const seen = new Map<string, string>();
    for (const [name, at] of names) {
      const first = seen.get(name);
      if (first) new ConfigReader(name, `${root.path}.${at}`, root.file).fail(`${JSON.stringify(name)} is also ${first}; expected a name of its own (set name:)`);
      seen.set(name, at);
    }
  }
  const all = [...ftes.map((f) => f.props.name), ...poolNames, ...daprWorkers.map((w) => w.props.name)];
  const dup = findDuplicate(all, (n) => n);
  if (dup) root.fail(`workload name ${JSON.stringify(dup)} is used twice across ftes, pools and daprWorkers; expected unique names (they name the objects)`);

  const claimNames = pools.flatMap((p) => p.claims);
  const dupClaim = findDuplicate(claimNames, (c) => c);
  if (dupClaim) root.field('pools').fail(`claim ${JSON.stringify(dupClaim)} is listed in two pools; expected unique claim names in the namespace (each is a SandboxClaim)`);
  const claimClash = claimNames.find((c) => all.includes(c));
  if (claimClash) root.field('pools').fail(`claim ${JSON.stringify(claimClash)} is also a workload name; expected claim names apart from workload names (a claim's Sandbox and Service take its name)`);

  const vault = parseVault(root.field('vault'));
  const secrets = parsePulumiSecrets(root.field('secrets'));
  const clash = secrets.find((s) => vault?.secrets.some((v) => v.name === s.name));
  if (clash) root.field('secrets').fail(`secret ${JSON.stringify(clash.name)} is also synced from Vault (vault.secrets); expected one source per Secret`);
  const monitoring = parseMonitoring(root.field('monitoring'));
  if (monitoring && (monitoring.prometheusNamespace ?? 'monitoring') === namespace) {
    root.field('namespace').fail(`${JSON.stringify(namespace)} is also the Prometheus namespace; expected the FTEs in a namespace of their own (its default deny would cut Prometheus off)`);
  }
  const previousNames = root.field('previousNames').list().map((n) => {
    const name = n.string();
    n.check(checkDnsLabel(name));
    if (name === envName) n.fail(`${JSON.stringify(name)} is the current name; expected only earlier names`);
    return name;
  });

  const quotaReader = root.field('quota');
  let quota: NamespaceQuota | undefined;
  if (!quotaReader.absent) {
    quotaReader.object(['pods', 'requestsCpu', 'limitsCpu', 'requestsMemory', 'limitsMemory', 'persistentVolumeClaims', 'requestsStorage']);
    quota = {
      pods: quotaReader.field('pods').optionalInteger(0, 100000),
      persistentVolumeClaims: quotaReader.field('persistentVolumeClaims').optionalInteger(0, 100000),
      requestsCpu: optionalCpu(quotaReader.field('requestsCpu')),
      limitsCpu: optionalCpu(quotaReader.field('limitsCpu')),
      requestsMemory: optionalSize(quotaReader.field('requestsMemory')),
      limitsMemory: optionalSize(quotaReader.field('limitsMemory')),
      requestsStorage: optionalSize(quotaReader.field('requestsStorage')),
    };
  }
  const headroomReader = root.field('quotaHeadroom');
  if (!headroomReader.absent && (typeof headroomReader.value !== 'number' || !(headroomReader.value >= 1 && headroomReader.value <= 10))) {
    headroomReader.fail(`${typeof headroomReader.value === 'number' ? headroomReader.value : JSON.stringify(headroomReader.value)} is out of range; expected a number from 1 to 10`);
  }
  return {
    name: envName,
    namespace,
    runtime,
    egressEnforcement,
    ftes,
    pools,
    daprWorkers,
    vault,
    monitoring,
    source: root.location,
    quota,
    quotaHeadroom: headroomReader.value as number | undefined,
    deploy: {
      kubeContext,
      retainWorkspaces: root.field('retainWorkspaces').optionalBoolean() ?? true,
      protectWorkspaces: root.field('protectWorkspaces').optionalBoolean() ?? false,
      secrets,
      operators: parseOperators(root.field('operators'), projectDir),
      previousNames,
    },
  };
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
    const request = parse(p.field('request'));
    const limit = parse(p.field('limit'));
    if (request === undefined) return p.field('request').fail('is missing');
    if (limit === undefined) return p.field('limit').fail('is missing');
    return { request, limit };
  };
  if (r.field('cpu').absent) r.field('cpu').fail('is missing; expected { request, limit }');
  if (r.field('memory').absent) r.field('memory').fail('is missing; expected { request, limit }');
  const resources: ResourceRequirements = {
    cpu: pair(r.field('cpu'), optionalCpu),
    memory: pair(r.field('memory'), optionalSize),
    ephemeralStorage: r.field('ephemeralStorage').absent ? undefined : pair(r.field('ephemeralStorage'), optionalSize),
  };
  r.check(checkResources(resources));
  return resources;
}

function parseWorkload(r: ConfigReader, runtime: SandboxRuntime, enforcement: EgressEnforcement): SandboxPoolProps & FteSandboxProps & { name: string } {
  const name = r.field('name').string();
  r.field('name').check(checkServiceName(name));
  const image = r.field('image').string();
  r.field('image').check(checkPinnedImage(image));
  const strings = (x: ConfigReader): string[] | undefined => (x.absent ? undefined : x.list().map((i) => i.string()));
  const ports = r.field('ports').list().map((p) => {
    p.object(['name', 'port']);
    const port = p.field('port').integer(1, 65535);
    const portName = p.field('name').optionalString();
    if (portName !== undefined) p.field('name').check(checkPortName(portName));
    return { number: port, name: portName };
  });
  const dupPort = findDuplicate(ports, (p) => String(p.number)) ?? findDuplicate(ports.filter((p) => p.name !== undefined), (p) => p.name as string);
  if (dupPort !== undefined) r.field('ports').fail(`${JSON.stringify(dupPort)} is listed twice; expected each port number and name once`);
  let readiness: Probe | undefined;
  const rd = r.field('readiness');
  if (!rd.absent) {
    rd.object(['path', 'port']);
    const port = rd.field('port').integer(1, 65535);
    const path = rd.field('path').optionalString();
    if (path !== undefined && !path.startsWith('/')) rd.field('path').fail(`${JSON.stringify(path)} is not absolute; expected e.g. "/healthz"`);
    readiness = path === undefined ? Probe.tcpSocket(port) : Probe.httpGet(path, port);
    if (ports.length && !ports.some((p) => p.number === port)) rd.field('port').fail(`${port} is not one of the ports (${ports.map((p) => p.number).join(', ')})`);
  }
  const env: Record<string, EnvValue> = {};
  const plain = r.field('env').stringMap();
  for (const [k, v] of Object.entries(plain)) {
    const value = EnvValue.fromValue(v);
    r.field('env').field(k).check(value.checkFor(k));
    env[k] = value;
  }
  const secretEnv = r.field('secretEnv');
  if (!secretEnv.absent) {
    secretEnv.object(Object.keys(secretEnv.value as object));
    for (const k of Object.keys(secretEnv.value as object)) {
      secretEnv.field(k).check(checkEnvName(k));
      const ref = secretEnv.field(k).object(['secret', 'key']);
      const secretName = ref.field('secret').string();
      ref.field('secret').check(checkDnsSubdomain(secretName));
      if (k in env) ref.fail(`${k} is in both env and secretEnv; expected one`);
      const key = ref.field('key').string();
      ref.field('key').check(checkConfigKey(key));
      env[k] = EnvValue.fromSecretKey(secretName, key);
    }
  }
  const secretMounts = r.field('secretMounts').list().map((m) => {
    m.object(['secret', 'path']);
    const secretName = m.field('secret').string();
    m.field('secret').check(checkDnsSubdomain(secretName));
    const mountPath = m.field('path').string();
    m.field('path').check(checkMountPath(mountPath) ?? (mountPath === '/tmp' ? '"/tmp" is taken by the writable /tmp volume; expected another path' : undefined));
    return ExistingSecret.fromName(secretName).mount(mountPath);
  });
  const dupMount = findDuplicate(secretMounts, (m) => m.mountPath);
  if (dupMount !== undefined) r.field('secretMounts').fail(`two secrets are mounted at ${JSON.stringify(dupMount)}; expected one mount per path`);
  const ws = r.field('workspace');
  let workspace: Workspace | undefined;
  if (!ws.absent) {
    ws.object(['size', 'storageClass', 'mountPath', 'ephemeral']);
    const size = optionalSize(ws.field('size'));
    const mountPath = ws.field('mountPath').optionalString();
    const ephemeral = ws.field('ephemeral').optionalBoolean();
    if (ephemeral && !ws.field('storageClass').absent) ws.field('storageClass').fail('is set on an ephemeral workspace, which has no storage class; expected one of them');
    workspace = ephemeral
      ? Workspace.ephemeral({ sizeLimit: size, mountPath })
      : Workspace.persistent({ size, mountPath, storageClassName: ws.field('storageClass').optionalString() });
    ws.check(workspace.check());
  }
  const workspacePath = workspace?.mountPath ?? '/workspace';
  if (secretMounts.some((m) => m.mountPath === workspacePath)) r.field('secretMounts').fail(`a secret is mounted at ${JSON.stringify(workspacePath)}, the workspace's mount path; expected another path`);
  const egress = r.field('egress').list().map((e) => {
    const text = e.string();
    let parsed: ReturnType<typeof Peer.parse> | undefined;
    try {
      parsed = Peer.parse(text);
    } catch (err) {
      return e.fail((err as FteValidationError).message.replace(/^Peer\.parse: /, ''));
    }
    if (parsed.peer.spec.type === 'hostname' && enforcement === EgressEnforcement.KUBERNETES) {
      e.fail(`hostname ${JSON.stringify(parsed.peer.spec.hostname)} cannot be enforced by a Kubernetes NetworkPolicy; expected egressEnforcement: cilium, gke-fqdn or eks-application-network-policy (or kubernetes-public-fallback)`);
    }
    return text;
  });
  return {
    name,
    image,
    command: strings(r.field('command')),
    args: strings(r.field('args')),
    resources: parseResources(r.field('resources')),
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
    if (service !== undefined) i.field('service').check(checkDnsLabel(service));
    if (ns !== undefined) i.field('namespace').check(checkDnsLabel(ns));
    return { peer: service !== undefined ? Peer.service(service) : Peer.namespace(ns as string), port };
  });
}

const FTE_FIELDS = [...WORKLOAD_FIELDS, 'operatingMode', 'shutdownTime', 'shutdownPolicy', 'apiAccess', 'pools', 'metricsPort'];

function parseFte(r: ConfigReader, runtime: SandboxRuntime, enforcement: EgressEnforcement, poolPorts: ReadonlyMap<string, readonly number[]>): FteSpec {
  r.object(FTE_FIELDS);
  const props = parseWorkload(r, runtime, enforcement);
  const shutdownTime = r.field('shutdownTime').optionalString();
  if (shutdownTime !== undefined) r.field('shutdownTime').check(checkRfc3339(shutdownTime));
  const mode = r.field('operatingMode').absent ? undefined : r.field('operatingMode').oneOf(['Running', 'Suspended'] as const);
  const policy = r.field('shutdownPolicy').absent ? undefined : r.field('shutdownPolicy').oneOf(['Retain', 'Delete'] as const);
  if (policy !== undefined && shutdownTime === undefined) r.field('shutdownPolicy').fail('is set without shutdownTime; expected a shutdownTime for it to apply');
  const apiAccess = r.field('apiAccess').list().map((a) => {
    a.oneOf(['manage-sandbox-claims'] as const);
    return ApiAccess.MANAGE_SANDBOX_CLAIMS;
  });
  const reaches = parsePoolReaches(r.field('pools'), poolPorts);
  return {
    props: {
      ...props,
      operatingMode: mode === 'Suspended' ? OperatingMode.SUSPENDED : mode === 'Running' ? OperatingMode.RUNNING : undefined,
      shutdownTime,
      shutdownPolicy: policy === 'Delete' ? ShutdownPolicy.DELETE : policy === 'Retain' ? ShutdownPolicy.RETAIN : undefined,
      apiAccess: apiAccess.length ? apiAccess : undefined,
    },
    ingress: parseIngress(r, (props.ports ?? []).map((p) => p.number)),
    reaches,
    metricsPort: parseMetricsPort(r.field('metricsPort'), props.ports ?? []),
    source: r.location,
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
  r.object([...WORKLOAD_FIELDS, 'replicas', 'updateStrategy', 'autoscaling', 'claims']);
  const props = parseWorkload(r, runtime, enforcement);
  if (!r.field('ingressFrom').absent) r.field('ingressFrom').fail('is not supported on pools; expected FTEs to reach pools with ftes[].pools');
  const replicas = r.field('replicas').optionalInteger(0, 10000);
  const strategy = r.field('updateStrategy').absent ? undefined : r.field('updateStrategy').oneOf(['OnReplenish', 'Recreate'] as const);
  const a = r.field('autoscaling');
  let autoscaling: SandboxPoolProps['autoscaling'];
  if (!a.absent) {
    a.object(['minReplicas', 'maxReplicas', 'externalMetric', 'averageValue']);
    if (replicas !== undefined) r.field('replicas').fail('is set together with autoscaling; expected one of them (the HPA owns replicas)');
    const minReplicas = a.field('minReplicas').integer(0, 10000);
    const maxReplicas = a.field('maxReplicas').integer(Math.max(1, minReplicas), 10000);
    const metricName = a.field('externalMetric').string();
    let metric: PoolScalingMetric | undefined;
    try {
      metric = PoolScalingMetric.external(metricName, { averageValue: a.field('averageValue').string() });
    } catch (err) {
      return a.fail((err as Error).message);
    }
    autoscaling = { minReplicas, maxReplicas, metric };
  }
  const claims = r.field('claims').list().map((c) => {
    const claim = c.string();
    c.check(checkServiceName(claim));
    return claim;
  });
  const dup = findDuplicate(claims, (c) => c);
  if (dup) r.field('claims').fail(`claim ${JSON.stringify(dup)} is listed twice; expected unique claim names`);
  return {
    props: { ...props, replicas, autoscaling, updateStrategy: strategy === 'Recreate' ? PoolUpdateStrategy.RECREATE : strategy === 'OnReplenish' ? PoolUpdateStrategy.ON_REPLENISH : undefined },
    claims,
    source: r.location,
  };
}

