import { Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { claimSizeProblem, sizeQuantity } from './_quantities';
import { checkDnsSubdomain, checkMountPath, Problem } from './_validate';

/** API group of the CSI snapshot API (`VolumeSnapshot`, `VolumeSnapshotClass`). */
export const SNAPSHOT_API_GROUP = 'snapshot.storage.k8s.io';

/** PersistentVolumeClaim access mode of a workspace. */
export enum AccessMode {
  /** One node at a time (the usual block-storage mode). */
  READ_WRITE_ONCE = 'ReadWriteOnce',
  /** One pod at a time. */
  READ_WRITE_ONCE_POD = 'ReadWriteOncePod',
  /** Many nodes (shared file storage). */
  READ_WRITE_MANY = 'ReadWriteMany',
}

/** Options for {@link Workspace.persistent}. */
export interface PersistentWorkspaceOptions {
  /**
   * Storage each sandbox's workspace PersistentVolumeClaim requests, at least 1Mi.
   * @default Size.gibibytes(10)
   */
  readonly size?: Size;
  /**
   * StorageClass of the claim.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Access mode of the workspace PersistentVolumeClaim (`accessModes`).
   * @default AccessMode.READ_WRITE_ONCE
   */
  readonly accessMode?: AccessMode;
  /**
   * Where the workspace is mounted in the agent container; not `/tmp`.
   * @default '/workspace'
   */
  readonly mountPath?: string;
  /**
   * Name of a CSI `VolumeSnapshot` (`snapshot.storage.k8s.io/v1`) in the workload's namespace
   * to create the workspace from (`dataSource` of the volume claim template), e.g. one taken by
   * {@link WorkspaceBackups}. Only a claim that does not exist yet is made from it: the
   * agent-sandbox controller reuses an existing `workspace-<name>` claim, and a Sandbox's
   * `volumeClaimTemplates` cannot change, so restoring an existing FTE means deleting its
   * Sandbox (and with it the claim) first (README: "Restoring a workspace"). The snapshot's
   * restore size must not exceed `size`, and the storage class must use the snapshot's CSI driver.
   * @default - an empty volume
   */
  readonly restoreFrom?: string;
}

/** Options for {@link Workspace.ephemeral}. */
export interface EphemeralWorkspaceOptions {
  /**
   * Size limit of the workspace emptyDir (`emptyDir.sizeLimit`), at least 1Mi.
   * @default Size.gibibytes(1)
   */
  readonly sizeLimit?: Size;
  /**
   * Where the workspace is mounted in the agent container; not `/tmp`.
   * @default '/workspace'
   */
  readonly mountPath?: string;
}

/** Name of the workspace volume (and the volumeClaimTemplate). */
export const WORKSPACE_VOLUME = 'workspace';

/**
 * Where an agent keeps its files. Persistent by default: a PVC per sandbox, created from a
 * volumeClaimTemplate, that survives pod restarts, suspension and expiry under the
 * Retain policy.
 */
export class Workspace {
  /** A PersistentVolumeClaim per sandbox. */
  public static persistent(options: PersistentWorkspaceOptions = {}): Workspace {
    return new Workspace(true, options.size ?? Size.gibibytes(10), options.mountPath ?? '/workspace', options.accessMode ?? AccessMode.READ_WRITE_ONCE, options.storageClassName, options.restoreFrom);
  }

  /**
   * A size-capped emptyDir: gone when the pod is deleted or the sandbox suspended. For
   * throw-away code-execution sandboxes only.
   */
  public static ephemeral(options: EphemeralWorkspaceOptions = {}): Workspace {
    return new Workspace(false, options.sizeLimit ?? Size.gibibytes(1), options.mountPath ?? '/workspace', undefined, undefined, undefined);
  }

  private constructor(
    /** True for a PVC-backed workspace. */
    public readonly persistent: boolean,
    /** Claim size, or emptyDir size limit. */
    public readonly size: Size,
    /** Mount path in the agent container. */
    public readonly mountPath: string,
    /** PVC access mode (persistent only). */
    public readonly accessMode: AccessMode | undefined,
    /** StorageClass (persistent only). */
    public readonly storageClassName: string | undefined,
    /** Name of the VolumeSnapshot the claim is created from (persistent only). */
    public readonly restoreFrom: string | undefined,
  ) {}

  /** Problems with the options, if any. */
  public check(): Problem {
    const sizeProblem = claimSizeProblem(this.size);
    if (sizeProblem) return `size ${sizeProblem}, e.g. Size.gibibytes(10)`;
    if (this.storageClassName !== undefined) {
      const p = checkDnsSubdomain(this.storageClassName);
      if (p) return `storageClassName: ${p}`;
    }
    if (this.restoreFrom !== undefined) {
      const p = checkDnsSubdomain(this.restoreFrom);
      if (p) return `restoreFrom: ${p} (the name of a VolumeSnapshot in the namespace)`;
    }
    const p = checkMountPath(this.mountPath);
    if (p) return `mountPath: ${p}`;
    if (this.mountPath === '/tmp') return 'mountPath "/tmp" is taken by the writable /tmp volume; expected another path';
    return undefined;
  }

  /** The volumeClaimTemplates entry (persistent only). */
  public claimTemplate(labels: Record<string, string>): k8s.PersistentVolumeClaimTemplate {
    return {
      metadata: { name: WORKSPACE_VOLUME, labels: { ...labels } },
      spec: {
        // A persistent workspace always has an access mode (the only kind with a claim).
        accessModes: [this.accessMode as AccessMode],
        resources: { requests: { storage: k8s.Quantity.fromString(sizeQuantity(this.size)) } },
        ...(this.storageClassName ? { storageClassName: this.storageClassName } : {}),
        ...(this.restoreFrom ? { dataSource: { apiGroup: SNAPSHOT_API_GROUP, kind: 'VolumeSnapshot', name: this.restoreFrom } } : {}),
      },
    };
  }

  /** The pod volume (ephemeral only; a persistent one comes from the claim template). */
  public podVolume(): k8s.Volume {
    return { name: WORKSPACE_VOLUME, emptyDir: { sizeLimit: k8s.Quantity.fromString(sizeQuantity(this.size)) } };
  }
}
