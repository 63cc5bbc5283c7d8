/*
 * The Kubernetes versions whose Pod Security Standards the policy gate knows, and the controls
 * that differ between them. Facts from k8s.io/pod-security-admission v0.37.2, package policy
 * (each check's `MinimumVersion`): check_sysctls.go, check_seLinuxOptions.go,
 * check_hostProbesAndhostLifecycle.go, check_runAsNonRoot.go, check_runAsUser.go.
 *
 * Every control that changes between 1.28 and 1.37 is a row below; the engine and the rule
 * texts both read these tables, so what a rule says a version allows is what it allows.
 */
import { FteValidationError } from '../errors';

/** The oldest minor version ftekit supports (its manifests target the 1.28 schema). */
const FLOOR_MINOR = 28;
/** The newest minor version whose Pod Security controls are encoded here. */
const LATEST_MINOR = 37;

/**
 * A Kubernetes minor version (1.28 to 1.37): selects the Pod Security controls the policy
 * gate applies, as the Pod Security admission of a cluster of that version would.
 *
 * ```ts
 * evaluatePolicy(objects, { kubernetesVersion: KubernetesVersion.of('1.32') });
 * ```
 */
export class KubernetesVersion {
  /** Kubernetes 1.28, ftekit's floor and the gate's default. */
  public static readonly FLOOR = new KubernetesVersion(FLOOR_MINOR);
  /** The newest version the gate knows (1.37). */
  public static readonly LATEST = new KubernetesVersion(LATEST_MINOR);
  /** Every supported version, oldest first. */
  public static readonly ALL: readonly KubernetesVersion[] = [
    KubernetesVersion.FLOOR,
    ...Array.from({ length: LATEST_MINOR - FLOOR_MINOR - 1 }, (_, i) => new KubernetesVersion(FLOOR_MINOR + 1 + i)),
    KubernetesVersion.LATEST,
  ];

  /**
   * The version `version` names: `1.32`, `v1.32` or a full `v1.32.4` (as `kubectl version`
   * prints it; the patch release does not change Pod Security).
   *
   * @throws FteValidationError when it is not a version from 1.28 to 1.37.
   */
  public static of(version: string): KubernetesVersion {
    const m = /^v?1\.(\d{1,3})(\.\d{1,4})?$/.exec(typeof version === 'string' ? version.trim() : '');
    const minor = m ? Number(m[1]) : NaN;
    const known = KubernetesVersion.ALL.find((v) => v.minor === minor);
    if (!known) {
      throw new FteValidationError('kubernetesVersion', `${JSON.stringify(version)} is not a supported Kubernetes version; expected 1.${FLOOR_MINOR} to 1.${LATEST_MINOR} (e.g. "1.32")`);
    }
    return known;
  }

  /** The minor version number (28 for 1.28). */
  public readonly minor: number;

  private constructor(minor: number) {
    this.minor = minor;
  }

  /** Whether this version is `1.<minor>` or later. */
  public atLeast(minor: number): boolean {
    return this.minor >= minor;
  }

  /** `1.28`. */
  public toString(): string {
    return `1.${this.minor}`;
  }
}

/** Names that Pod Security admits, grouped by the minor version that first admits them. */
type SinceTable = ReadonlyArray<readonly [since: number, names: readonly string[]]>;

/** Safe sysctls (control "Sysctls", baseline). 1.27 is below the floor, so it is folded into 1.28. */
const SAFE_SYSCTLS_SINCE: SinceTable = [
  [FLOOR_MINOR, ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start']],
  [29, ['net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']],
  [32, ['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem']],
  [37, ['net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat']],
];

/** SELinux types a pod or container may set (control "SELinux", baseline); empty is always allowed. */
const SELINUX_TYPES_SINCE: SinceTable = [
  [FLOOR_MINOR, ['container_t', 'container_init_t', 'container_kvm_t']],
  [31, ['container_engine_t']],
];

/**
 * From this version, Pod Security forbids probes and lifecycle handlers that name a host. The
 * gate checks it for every version: on older clusters nothing else stops the kubelet from
 * reaching another host from the node, and a real workload never needs it (an exception
 * annotation remains possible).
 */
export const PROBE_HOST_SINCE = 34;

/**
 * From this version, Pod Security exempts pods in their own user namespace (`hostUsers:
 * false`) from the runAsNonRoot and runAsUser controls: root in the pod is not root on the node.
 */
export const USER_NAMESPACE_RELAXATION_SINCE = 35;

/**
 * From this version, Pod Security `restricted` admits image volumes (`volumes[].image`):
 * kubernetes/kubernetes#130394, released in 1.33. Before, its restricted-volumes control
 * refused them as an unknown type (the ImageVolume feature itself is alpha from 1.31).
 */
export const IMAGE_VOLUMES_SINCE = 33;

function allowedAt(table: SinceTable, version: KubernetesVersion): Set<string> {
  const out = new Set<string>();
  for (const [since, names] of table) if (version.atLeast(since)) for (const n of names) out.add(n);
  return out;
}

/** `a, b (from 1.29 also c; from 1.32 also d)`. */
function describeTable(table: SinceTable): string {
  const [first, ...later] = table;
  const more = later.map(([since, names]) => `from 1.${since} also ${names.join(', ')}`).join('; ');
  return `${first[1].join(', ')}${more ? ` (${more})` : ''}`;
}

/** The sysctls Pod Security allows at `version`. */
export function safeSysctls(version: KubernetesVersion): ReadonlySet<string> {
  return allowedAt(SAFE_SYSCTLS_SINCE, version);
}

/** The SELinux types Pod Security allows at `version`, the empty type included. */
export function allowedSeLinuxTypes(version: KubernetesVersion): ReadonlySet<string> {
  const types = allowedAt(SELINUX_TYPES_SINCE, version);
  types.add('');
  return types;
}

/** Rule text: every sysctl and the version that first allows it. */
export const SAFE_SYSCTLS_TEXT = describeTable(SAFE_SYSCTLS_SINCE);
/** Rule text: every SELinux type and the version that first allows it. */
export const SELINUX_TYPES_TEXT = describeTable(SELINUX_TYPES_SINCE);
