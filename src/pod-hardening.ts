import { IConstruct } from 'constructs';
import { agentContainerJson, AgentContainerProps, checkAgentContainer, ExtraMount, secretVolumeName } from './agent-container';
import { ensure } from './errors';
import { checkInteger } from './input-checks';
import { SandboxRuntime, UNSANDBOXED_ANNOTATION } from './sandbox-runtime';
import { API_ACCESS_POD_LABEL } from './policy/engine';

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
  readonly extraVolumes?: Record<string, unknown>[];
  /** Pod-level scheduling spread/affinity, if any. */
  readonly topologySpreadConstraints?: Record<string, unknown>[];
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

/** Validates identity and scheduling inputs common to every workload. */
export function checkPodInput(scope: IConstruct, kind: string, input: AgentContainerProps & { identity?: PodIdentityProps }): void {
  checkAgentContainer(scope, kind, input);
  for (const key of ['user', 'group', 'fsGroup'] as const) {
    const v = input.identity?.[key];
    const problem = v === undefined ? undefined : checkInteger(v, 1, 2147483647);
    ensure(scope, kind, `identity.${key}`, problem && `${problem}; root (0) is not allowed under Pod Security restricted`);
  }
}

/**
 * The single place where pod hardening lives. Produces `{ metadata, spec }` of a pod
 * template that satisfies Pod Security `restricted`:
 * non-root numeric identity, seccomp RuntimeDefault, no privilege escalation, every
 * capability dropped, read-only root filesystem with a size-capped writable /tmp,
 * explicit DNS policy, no host namespaces, no service links, the sandboxed runtime and
 * its scheduling constraints, and the ServiceAccount token only when asked for.
 */
export function hardenedPod(input: HardenedPodInput): { metadata: Record<string, unknown>; spec: Record<string, unknown> } {
  const uid = input.identity?.user ?? DEFAULT_UID;
  const gid = input.identity?.group ?? DEFAULT_UID;
  const fsGroup = input.identity?.fsGroup ?? DEFAULT_UID;
  const runtime = input.runtime;
  const annotations: Record<string, string> = { ...(input.annotations ?? {}) };
  if (!runtime.sandboxed) annotations[UNSANDBOXED_ANNOTATION] = runtime.unsandboxedReason as string;

  const secretVolumes = (input.secretMounts ?? []).map((m, i) => ({
    name: secretVolumeName(i),
    secret: { secretName: m.secretName, defaultMode: 0o440 },
  }));
  const nodeSelector = { ...runtime.nodeSelector };
  const spec: Record<string, unknown> = {
    ...(runtime.runtimeClassName ? { runtimeClassName: runtime.runtimeClassName } : {}),
    serviceAccountName: input.serviceAccountName,
    automountServiceAccountToken: input.automountServiceAccountToken,
    enableServiceLinks: false,
    hostNetwork: false,
    hostPID: false,
    hostIPC: false,
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
    containers: [agentContainerJson(input, [{ name: 'tmp', mountPath: '/tmp' }, ...(input.extraMounts ?? [])])],
    volumes: [
      { name: 'tmp', emptyDir: { sizeLimit: TMP_SIZE_LIMIT } },
      ...secretVolumes,
      ...(input.extraVolumes ?? []),
    ],
  };
  return {
    metadata: {
      // A mounted token is marked on the pod, so the gate and the admission policies can tell
      // a workload granted apiAccess from one that mounts a token by mistake.
      labels: { ...input.labels, ...(input.automountServiceAccountToken ? { [API_ACCESS_POD_LABEL]: 'true' } : {}) },
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    spec,
  };
}
