import { k8s } from 'cdk8s-plus-28';
import { API_ACCESS_LABEL, DAPR_ANNOTATIONS, UNSANDBOXED_ANNOTATION } from './_labels';
import { kubeResources, ResourceRequirements, resourceProblems, sizeQuantity } from './_quantities';
import { checkInteger, checkMountPath, checkPinnedImage, checkPort, checkPortName, findDuplicate } from './_validate';
import { EnvValue, SecretMount } from './env-value';
import { ProblemCollector } from './errors';
import { Probe } from './probe';
import { SandboxRuntime } from './sandbox-runtime';

/** Transport protocol of a port. */
export enum Protocol {
  /** TCP */
  TCP = 'TCP',
  /** UDP */
  UDP = 'UDP',
  /** SCTP */
  SCTP = 'SCTP',
}

/** A port the agent container listens on. */
export interface ContainerPort {
  /** Port number, 1-65535. */
  readonly number: number;
  /**
   * Port name (an IANA service name: at most 15 characters), used by Services and monitors.
   * @default - unnamed
   */
  readonly name?: string;
  /**
   * Transport protocol of the container port (also of the matching port of a DaprWorker's Service).
   * @default Protocol.TCP
   */
  readonly protocol?: Protocol;
}

/**
 * What runs in an agent pod: the one container ftekit hardens. Shared by every workload
 * construct (FteSandbox, SandboxPool, DaprWorker).
 */
export interface AgentContainerProps {
  /** Image, pinned by a version tag (not `latest`) or a `@sha256:` digest. */
  readonly image: string;
  /** Requests and limits; mandatory (ftekit has no resource defaults). */
  readonly resources: ResourceRequirements;
  /**
   * Entrypoint override.
   * @default - the image's ENTRYPOINT
   */
  readonly command?: string[];
  /**
   * Arguments.
   * @default - the image's CMD
   */
  readonly args?: string[];
  /**
   * Ports the container listens on.
   * @default - none
   */
  readonly ports?: ContainerPort[];
  /**
   * Environment variables. Names that look like secrets (`*_API_KEY`, `*TOKEN*`,
   * `*PASSWORD*`...) must use a reference, not a literal.
   * @default - none
   */
  readonly env?: Record<string, EnvValue>;
  /**
   * Secrets mounted as files, from `secret.mount(path)`.
   * @default - none
   */
  readonly secretMounts?: SecretMount[];
  /**
   * Readiness probe of the agent container (`readinessProbe`): until it passes, the pod gets no
   * Service traffic.
   * @default - no readiness probe
   */
  readonly readiness?: Probe;
  /**
   * Liveness probe of the agent container (`livenessProbe`): the kubelet restarts the container
   * when it fails.
   * @default - no liveness probe
   */
  readonly liveness?: Probe;
  /**
   * Startup probe of the agent container (`startupProbe`): the other probes wait until it passes.
   * @default - no startup probe
   */
  readonly startup?: Probe;
  /**
   * Working directory.
   * @default - the image's WORKDIR
   */
  readonly workingDir?: string;
}

/** A volume the pod builder adds alongside the container's own mounts. */
export interface ExtraMount {
  /** Volume name. */
  readonly name: string;
  /** Where it appears in the container. */
  readonly mountPath: string;
  /** Mounted read-only. */
  readonly readOnly?: boolean;
}

/** Name of the single agent container in every ftekit pod. */
export const AGENT_CONTAINER_NAME = 'agent';

/** Checks container props, recording every problem in `problems`. */
export function checkAgentContainer(problems: ProblemCollector, props: AgentContainerProps): void {
  problems.add('image', checkPinnedImage(props.image), props.image);
  for (const { field, problem } of resourceProblems(props.resources)) problems.add(field, problem);
  const ports = props.ports ?? [];
  ports.forEach((p, i) => {
    problems.add(`ports[${i}]`, checkPort(p.number), p.number);
    if (p.name !== undefined) problems.add(`ports[${i}].name`, checkPortName(p.name), p.name);
  });
  const dupPort = findDuplicate(ports, (p) => `${p.number}/${p.protocol ?? Protocol.TCP}`);
  problems.add('ports', dupPort ? `port ${dupPort} is listed twice; expected each port once` : undefined);
  const dupName = findDuplicate(ports.filter((p) => p.name), (p) => p.name as string);
  problems.add('ports', dupName ? `port name ${JSON.stringify(dupName)} is used twice; expected unique names` : undefined);
  for (const [name, value] of Object.entries(props.env ?? {})) {
    problems.add(`env.${name}`, value instanceof EnvValue ? value.checkFor(name) : `${JSON.stringify(value)} is not an EnvValue; expected EnvValue.fromValue(...) or secret.envValue(key)`);
  }
  (props.secretMounts ?? []).forEach((m, i) => problems.add(`secretMounts[${i}].mountPath`, checkMountPath(m.mountPath)
    ?? (m.mountPath === '/tmp' ? '"/tmp" is taken by the writable /tmp volume; expected another path' : undefined), m.mountPath));
  // Kubernetes refuses a container whose volume mounts share a path.
  const dupMount = findDuplicate(props.secretMounts ?? [], (m) => m.mountPath);
  problems.add('secretMounts', dupMount ? `two secrets are mounted at ${JSON.stringify(dupMount)}; expected one mount per path` : undefined);
  if (props.workingDir !== undefined) problems.add('workingDir', checkMountPath(props.workingDir), props.workingDir);
  for (const which of ['readiness', 'liveness', 'startup'] as const) {
    const probe = props[which];
    if (probe === undefined) continue;
    if (!(probe instanceof Probe)) {
      problems.add(which, `${JSON.stringify(probe)} is not a Probe; expected Probe.httpGet(...), Probe.tcpSocket(...) or Probe.exec(...)`);
      continue;
    }
    const port = probe.port;
    if (port !== undefined && ports.length > 0 && !ports.some((p) => p.number === port)) {
      problems.add(`${which}.port`, `${port} is not one of the container's ports (${ports.map((p) => p.number).join(', ')}); expected a declared port`, port);
    }
  }
}

/** Kubernetes volume name of the secret mount at index `i`. */
export function secretVolumeName(i: number): string {
  return `secret-${i}`;
}

/**
 * The hardened agent container: restricted security context, read-only root filesystem,
 * every capability dropped.
 */
export function agentContainer(props: AgentContainerProps, extraMounts: ExtraMount[]): k8s.Container {
  const env = Object.entries(props.env ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, value]) => value.toEnvVar(name));
  const mounts: k8s.VolumeMount[] = [
    ...extraMounts.map((m) => ({ name: m.name, mountPath: m.mountPath, ...(m.readOnly ? { readOnly: true } : {}) })),
    ...(props.secretMounts ?? []).map((m, i) => ({ name: secretVolumeName(i), mountPath: m.mountPath, readOnly: true })),
  ];
  return {
    name: AGENT_CONTAINER_NAME,
    image: props.image,
    imagePullPolicy: 'IfNotPresent',
    ...(props.command ? { command: [...props.command] } : {}),
    ...(props.args ? { args: [...props.args] } : {}),
    ...(props.workingDir ? { workingDir: props.workingDir } : {}),
    ...(props.ports && props.ports.length ? {
      ports: props.ports.map((p) => ({ containerPort: p.number, protocol: p.protocol ?? Protocol.TCP, ...(p.name ? { name: p.name } : {}) })),
    } : {}),
    ...(env.length ? { env } : {}),
    resources: kubeResources(props.resources),
    ...(props.readiness ? { readinessProbe: props.readiness._toKube() } : {}),
    ...(props.liveness ? { livenessProbe: props.liveness._toKube() } : {}),
    ...(props.startup ? { startupProbe: props.startup._toKube() } : {}),
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: mounts,
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/** Numeric identity the agent runs as. All three must be non-zero (Pod Security restricted). */
export interface PodIdentityProps {
  /**
   * UID the pod runs as (`securityContext.runAsUser`); 0 (root) is refused.
   * @default 65532 (distroless `nonroot`)
   */
  readonly user?: number;
  /**
   * Primary GID the pod runs as (`securityContext.runAsGroup`); 0 (root) is refused.
   * @default 65532
   */
  readonly group?: number;
  /** Group that owns mounted volumes such as the workspace. @default 65532 */
  readonly fsGroup?: number;
}

/** How the pod resolves names. */
export enum DnsPolicy {
  /** Cluster DNS first (kube-dns/CoreDNS), then upstream. What egress policies allow. */
  CLUSTER_FIRST = 'ClusterFirst',
  /** The node's resolv.conf. */
  DEFAULT = 'Default',
}

/** Everything a workload passes to {@link hardenedPod}. */
export interface HardenedPodInput extends AgentContainerProps {
  /** Isolation runtime. */
  readonly runtime: SandboxRuntime;
  /** ServiceAccount the pod runs as. */
  readonly serviceAccountName: string;
  /** Whether the pod may call the Kubernetes API (mount a token). */
  readonly automountServiceAccountToken: boolean;
  /** Stable labels; also the selector of every policy and Service. */
  readonly labels: Record<string, string>;
  /** Annotations to set on the pod. */
  readonly annotations?: Record<string, string>;
  /**
   * UID, GID and fsGroup of the pod's security context.
   * @default - 65532 for all
   */
  readonly identity?: PodIdentityProps;
  /**
   * How the pod resolves names (`spec.dnsPolicy`).
   * @default DnsPolicy.CLUSTER_FIRST
   */
  readonly dnsPolicy?: DnsPolicy;
  /** Extra mounts (the workspace) whose volumes are supplied elsewhere (volumeClaimTemplates). */
  readonly extraMounts?: ExtraMount[];
  /** Extra pod volumes. */
  readonly extraVolumes?: k8s.Volume[];
  /** Pod-level scheduling spread/affinity, if any. */
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
  /**
   * Seconds the pod gets to stop after SIGTERM before its containers are killed
   * (`terminationGracePeriodSeconds`).
   * @default 30
   */
  readonly terminationGracePeriodSeconds?: number;
}

/** Default UID/GID: the distroless `nonroot` user, above 10000 as kube-score recommends. */
export const DEFAULT_UID = 65532;

/** Size cap of the writable /tmp emptyDir, so /tmp cannot fill the node's disk. */
export const TMP_SIZE_LIMIT = '1Gi';

/** Checks identity and container inputs common to every workload, recording every problem in `problems`. */
export function checkPodInput(problems: ProblemCollector, input: AgentContainerProps & { identity?: PodIdentityProps }): void {
  checkAgentContainer(problems, input);
  for (const key of ['user', 'group', 'fsGroup'] as const) {
    const v = input.identity?.[key];
    const problem = v === undefined ? undefined : checkInteger(v, 1, 2147483647);
    problems.add(`identity.${key}`, problem && `${problem}; root (0) is not allowed under Pod Security restricted`, v);
  }
}

/** A pod template as the typed L1 has it, with metadata and spec always present. */
export interface HardenedPodTemplate extends k8s.PodTemplateSpec {
  readonly metadata: k8s.ObjectMeta;
  readonly spec: k8s.PodSpec;
}

/**
 * The single place where pod hardening lives. Produces `{ metadata, spec }` of a pod
 * template that satisfies Pod Security `restricted`:
 * non-root numeric identity, seccomp RuntimeDefault, no privilege escalation, every
 * capability dropped, read-only root filesystem with a size-capped writable /tmp,
 * explicit DNS policy, no host namespaces, no service links, the sandboxed runtime and
 * its scheduling constraints, and the ServiceAccount token only when asked for.
 */
export function hardenedPod(input: HardenedPodInput): HardenedPodTemplate {
  const uid = input.identity?.user ?? DEFAULT_UID;
  const gid = input.identity?.group ?? DEFAULT_UID;
  const fsGroup = input.identity?.fsGroup ?? DEFAULT_UID;
  const runtime = input.runtime;
  const annotations: Record<string, string> = { ...(input.annotations ?? {}) };
  if (!runtime.sandboxed) annotations[UNSANDBOXED_ANNOTATION] = runtime.unsandboxedReason as string;

  const secretVolumes: k8s.Volume[] = (input.secretMounts ?? []).map((m, i) => ({
    name: secretVolumeName(i),
    secret: { secretName: m.secretName, defaultMode: 0o440 },
  }));
  const nodeSelector = { ...runtime.nodeSelector };
  const spec: k8s.PodSpec = {
    ...(runtime.runtimeClassName ? { runtimeClassName: runtime.runtimeClassName } : {}),
    serviceAccountName: input.serviceAccountName,
    automountServiceAccountToken: input.automountServiceAccountToken,
    enableServiceLinks: false,
    hostNetwork: false,
    hostPid: false,
    hostIpc: false,
    dnsPolicy: input.dnsPolicy ?? DnsPolicy.CLUSTER_FIRST,
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: input.terminationGracePeriodSeconds ?? 30,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: uid,
      runAsGroup: gid,
      fsGroup,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    },
    ...(Object.keys(nodeSelector).length ? { nodeSelector } : {}),
    ...(runtime.tolerations.length ? { tolerations: runtime.tolerationsJson() } : {}),
    ...(input.topologySpreadConstraints?.length ? { topologySpreadConstraints: input.topologySpreadConstraints } : {}),
    containers: [agentContainer(input, [{ name: 'tmp', mountPath: '/tmp' }, ...(input.extraMounts ?? [])])],
    volumes: [
      { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString(TMP_SIZE_LIMIT) } },
      ...secretVolumes,
      ...(input.extraVolumes ?? []),
    ],
  };
  return {
    metadata: {
      // A mounted token is marked on the pod, so the gate and the admission policies can tell
      // a workload granted apiAccess from one that mounts a token by mistake.
      labels: { ...input.labels, ...(input.automountServiceAccountToken ? { [API_ACCESS_LABEL]: 'true' } : {}) },
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    spec,
  };
}

/** What the Dapr sidecar of a pod is configured with, for {@link daprSidecarAnnotations}. */
export interface DaprSidecarInput {
  /** Dapr app id. */
  readonly appId: string;
  /** Port the sidecar calls the app on; none without an app channel. */
  readonly appPort?: number;
  /** Protocol the sidecar calls the app with. */
  readonly appProtocol: string;
  /** Name of the Dapr Configuration. */
  readonly config: string;
  /** Sidecar log level. */
  readonly logLevel: string;
  /** Port of the sidecar's Prometheus endpoint. */
  readonly metricsPort: number;
  /** How long daprd drains on shutdown, seconds. */
  readonly gracefulShutdownSeconds: number;
  /** Addresses the Dapr HTTP/gRPC API binds to. */
  readonly listenAddresses: readonly string[];
  /** Sidecar requests and limits. */
  readonly resources: ResourceRequirements;
}

/**
 * The pod annotations that ask the Dapr injector for a hardened `daprd` sidecar: the app
 * wiring, plus the sidecar's hardening (loopback-only API, requests and limits, seccomp
 * RuntimeDefault). The rest of the sidecar's hardening has no per-pod annotation: see
 * {@link DAPR_HELM_VALUES}.
 */
export function daprSidecarAnnotations(input: DaprSidecarInput): Record<string, string> {
  const a = DAPR_ANNOTATIONS;
  const resources = input.resources;
  return {
    [a.enabled]: 'true',
    [a.appId]: input.appId,
    ...(input.appPort !== undefined ? { [a.appPort]: String(input.appPort) } : {}),
    [a.appProtocol]: input.appProtocol,
    [a.config]: input.config,
    [a.logLevel]: input.logLevel,
    [a.enableMetrics]: 'true',
    [a.metricsPort]: String(input.metricsPort),
    [a.gracefulShutdownSeconds]: String(input.gracefulShutdownSeconds),
    [a.listenAddresses]: input.listenAddresses.join(','),
    [a.cpuRequest]: resources.cpu.request.amount,
    [a.cpuLimit]: resources.cpu.limit.amount,
    [a.memoryRequest]: sizeQuantity(resources.memory.request),
    [a.memoryLimit]: sizeQuantity(resources.memory.limit),
    // The injector sets no seccomp profile on daprd by default; Pod Security restricted
    // evaluates the pod after injection and would reject it.
    [a.seccompProfileType]: 'RuntimeDefault',
  };
}

/**
 * Helm values of the Dapr install: the injector drops ALL capabilities from every daprd
 * sidecar. Dapr has no per-pod annotation for this (only a cluster-wide injector setting), so
 * it cannot go with {@link daprSidecarAnnotations}: the Pulumi path installs Dapr with it, and
 * a cluster whose Dapr is installed otherwise must set it, or Pod Security `restricted` rejects
 * a Dapr-injected pod. (runAsNonRoot and readOnlyRootFilesystem are the injector's defaults.)
 */
export const DAPR_HELM_VALUES = {
  dapr_sidecar_injector: { sidecarDropALLCapabilities: true },
} as const;
