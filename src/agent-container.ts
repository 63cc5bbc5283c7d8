import { IConstruct } from 'constructs';
import { EnvValue, SecretMount } from './env';
import { ensure } from './errors';
import { checkMountPath, checkPinnedImage, checkPort, checkPortName, findDuplicate } from './input-checks';
import { Probe } from './probe';
import { checkResources, ResourceRequirements, resourcesJson } from './resources';

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

/** Validates container props, throwing an error that names the construct. */
export function checkAgentContainer(scope: IConstruct, kind: string, props: AgentContainerProps): void {
  ensure(scope, kind, 'image', checkPinnedImage(props.image));
  ensure(scope, kind, 'resources', checkResources(props.resources));
  const ports = props.ports ?? [];
  ports.forEach((p, i) => {
    ensure(scope, kind, `ports[${i}]`, checkPort(p.number));
    if (p.name !== undefined) ensure(scope, kind, `ports[${i}].name`, checkPortName(p.name));
  });
  const dupPort = findDuplicate(ports, (p) => `${p.number}/${p.protocol ?? Protocol.TCP}`);
  ensure(scope, kind, 'ports', dupPort ? `port ${dupPort} is listed twice; expected each port once` : undefined);
  const dupName = findDuplicate(ports.filter((p) => p.name), (p) => p.name as string);
  ensure(scope, kind, 'ports', dupName ? `port name ${JSON.stringify(dupName)} is used twice; expected unique names` : undefined);
  for (const [name, value] of Object.entries(props.env ?? {})) {
    ensure(scope, kind, `env.${name}`, value instanceof EnvValue ? value.checkFor(name) : `${JSON.stringify(value)} is not an EnvValue; expected EnvValue.fromValue(...) or secret.envValue(key)`);
  }
  (props.secretMounts ?? []).forEach((m, i) => ensure(scope, kind, `secretMounts[${i}].mountPath`, checkMountPath(m.mountPath)
    ?? (m.mountPath === '/tmp' ? '"/tmp" is taken by the writable /tmp volume; expected another path' : undefined)));
  // Kubernetes refuses a container whose volume mounts share a path.
  const dupMount = findDuplicate(props.secretMounts ?? [], (m) => m.mountPath);
  ensure(scope, kind, 'secretMounts', dupMount ? `two secrets are mounted at ${JSON.stringify(dupMount)}; expected one mount per path` : undefined);
  if (props.workingDir !== undefined) ensure(scope, kind, 'workingDir', checkMountPath(props.workingDir));
  for (const which of ['readiness', 'liveness', 'startup'] as const) {
    const probe = props[which];
    if (probe === undefined) continue;
    if (!(probe instanceof Probe)) ensure(scope, kind, which, `${JSON.stringify(probe)} is not a Probe; expected Probe.httpGet(...), Probe.tcpSocket(...) or Probe.exec(...)`);
    const port = probe.port;
    if (port !== undefined && ports.length > 0 && !ports.some((p) => p.number === port)) {
      ensure(scope, kind, which, `probes port ${port}, which is not one of the container's ports (${ports.map((p) => p.number).join(', ')}); expected a declared port`);
    }
  }
}

/** Kubernetes volume name of the secret mount at index `i`. */
export function secretVolumeName(i: number): string {
  return `secret-${i}`;
}

/**
 * The hardened agent container as Kubernetes JSON: restricted security context, read-only
 * root filesystem, every capability dropped.
 */
export function agentContainerJson(props: AgentContainerProps, extraMounts: ExtraMount[]): Record<string, unknown> {
  const env = Object.entries(props.env ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, value]) => value.toEnvVar(name));
  const mounts = [
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
    resources: resourcesJson(props.resources),
    ...(props.readiness ? { readinessProbe: props.readiness.toJson() } : {}),
    ...(props.liveness ? { livenessProbe: props.liveness.toJson() } : {}),
    ...(props.startup ? { startupProbe: props.startup.toJson() } : {}),
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
