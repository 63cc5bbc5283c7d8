import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { clusterScoped } from './_l1';
import { APP_COMPONENT_LABEL, APP_NAME_LABEL, APP_PART_OF_LABEL, FTEKIT, WORKLOAD_LABEL } from './_labels';
import { nameClash } from './_object-names';
import { checkCronSchedule, checkDnsSubdomain, checkInteger, checkLabels, findDuplicate, millisOf } from './_validate';
import { IWorkload, namespaceOf } from './_workload';
import { describeValue, ProblemCollector } from './errors';
import { SnapshotSchedule } from './imports/snapscheduler.backube';
import { VolumeSnapshotClass as KubeVolumeSnapshotClass, VolumeSnapshotClassDeletionPolicy } from './imports/snapshot.storage.k8s.io';
import { Workspace } from './workspace';

/** `snapshot.storage.k8s.io/v1` VolumeSnapshotClass, cluster-scoped. */
const VolumeSnapshotClassObject = clusterScoped(KubeVolumeSnapshotClass);

/** A workload with a workspace: an FteSandbox or a SandboxPool. */
export interface IHasWorkspace extends IWorkload {
  /** The workload's workspace. */
  readonly workspace: Workspace;
}

/** How many snapshots of each workspace a schedule keeps. At least one of the two. */
export interface BackupRetention {
  /**
   * Snapshots kept per workspace PVC (`retention.maxCount`), at least 1.
   * @default - no count limit (then `expires` is required)
   */
  readonly maxCount?: number;
  /**
   * Age after which a snapshot is deleted (`retention.expires`), whole seconds, at least 1s;
   * written in hours, minutes or seconds (`168h`).
   * @default - no age limit (then `maxCount` is required)
   */
  readonly expires?: Duration;
}

/** What happens to the storage snapshot when its VolumeSnapshot is deleted. */
export enum SnapshotDeletionPolicy {
  /** The storage system's snapshot goes with it: retention really frees space. */
  DELETE = 'Delete',
  /** The storage system's snapshot (and its VolumeSnapshotContent) stays. */
  RETAIN = 'Retain',
}

/** Props of a VolumeSnapshotClass made by {@link SnapshotClass.create}. */
export interface SnapshotClassProps {
  /** Object name of the VolumeSnapshotClass. */
  readonly name: string;
  /** CSI driver that takes the snapshots (`pd.csi.storage.gke.io`, `ebs.csi.aws.com`...). */
  readonly driver: string;
  /**
   * What deleting a VolumeSnapshot does to the storage snapshot. With `RETAIN`, snapshots that
   * the schedule's retention deletes stay in the storage system (and cost) until removed there.
   * @default SnapshotDeletionPolicy.DELETE
   */
  readonly deletionPolicy?: SnapshotDeletionPolicy;
  /**
   * Driver-specific parameters (`parameters`).
   * @default - none
   */
  readonly parameters?: Record<string, string>;
}

/** The VolumeSnapshotClass the snapshots are taken with. */
export class SnapshotClass {
  /** The cluster's default VolumeSnapshotClass (the one annotated as default for the driver). */
  public static readonly CLUSTER_DEFAULT = new SnapshotClass(undefined, undefined);

  /** An existing VolumeSnapshotClass, by name. */
  public static existing(name: string): SnapshotClass {
    return new SnapshotClass(name, undefined);
  }

  /** A VolumeSnapshotClass ftekit emits (cluster-scoped, construct id `SnapshotClass`). */
  public static create(props: SnapshotClassProps): SnapshotClass {
    return new SnapshotClass(props?.name, props);
  }

  private constructor(
    /** Name of the class; none for the cluster default. */
    public readonly name: string | undefined,
    /** Props of a class to emit. */
    public readonly props: SnapshotClassProps | undefined,
  ) {}

  /** Problems with the options, as `[field, problem]` relative to `snapshotClass`. */
  public problems(): Array<readonly [string, string]> {
    const out: Array<readonly [string, string]> = [];
    const add = (field: string, p: string | undefined): void => {
      if (p) out.push([field, p]);
    };
    if (this.name !== undefined || this.props) add('.name', checkDnsSubdomain(this.name));
    if (this.props) {
      add('.driver', checkDnsSubdomain(this.props.driver) && `${describeValue(this.props.driver)} is not a CSI driver name; expected a DNS name such as pd.csi.storage.gke.io`);
      const policy = this.props.deletionPolicy;
      add('.deletionPolicy', policy === undefined || Object.values(SnapshotDeletionPolicy).includes(policy) ? undefined : `${describeValue(policy)} is not a SnapshotDeletionPolicy; expected Delete or Retain`);
      add('.parameters', this.props.parameters !== undefined && (typeof this.props.parameters !== 'object' || Object.values(this.props.parameters).some((v) => typeof v !== 'string'))
        ? `${describeValue(this.props.parameters)} is not a map of strings; expected e.g. { type: 'pd-ssd' }` : undefined);
    }
    return out;
  }
}

/** What a backup scheduler is asked to do, for {@link IBackupScheduler}. */
export interface BackupPlan {
  /** Name of the schedule (object names derive from it). */
  readonly name: string;
  /** Cron schedule (five fields or an `@` shortcut), checked. */
  readonly schedule: string;
  /** Retention, checked: at least one of the two. */
  readonly retention: { readonly maxCount?: number; readonly expires?: string };
  /** The labels that select the workspace PVCs to snapshot. */
  readonly claimSelector: WorkspaceClaimSelector;
  /** VolumeSnapshotClass to use; none for the cluster default. */
  readonly snapshotClassName?: string;
  /** Labels for the schedule object and for every snapshot it takes. */
  readonly labels: Readonly<Record<string, string>>;
}

/** A label selector of workspace PVCs. */
export interface WorkspaceClaimSelector {
  /** Labels every selected PVC has. */
  readonly matchLabels: Readonly<Record<string, string>>;
  /** With per-workload backups: `ftekit.dev/workload In [names]`. */
  readonly matchExpressions: ReadonlyArray<{ readonly key: string; readonly operator: 'In'; readonly values: readonly string[] }>;
}

/**
 * What turns a {@link BackupPlan} into objects: SnapScheduler by default, nothing (the PVC
 * labels are for your own scheduler), or your own implementation (e.g. for Velero or k8up).
 */
export interface IBackupScheduler {
  /** Emits the objects of `plan` under `scope` (the WorkspaceBackups construct). */
  schedule(scope: Construct, plan: BackupPlan): void;
}

/** The backup schedulers ftekit knows. */
export class BackupScheduler {
  /**
   * backube SnapScheduler (`snapscheduler.backube/v1` SnapshotSchedule, id `Resource`): the
   * operator must run in the cluster (`operators.snapScheduler` installs it with `pulumi up`).
   */
  public static readonly SNAPSCHEDULER: IBackupScheduler = {
    schedule(scope: Construct, plan: BackupPlan): void {
      new SnapshotSchedule(scope, 'Resource', {
        metadata: { name: plan.name, labels: { ...plan.labels } },
        spec: {
          schedule: plan.schedule,
          retention: { ...plan.retention },
          claimSelector: {
            matchLabels: { ...plan.claimSelector.matchLabels },
            ...(plan.claimSelector.matchExpressions.length ? { matchExpressions: plan.claimSelector.matchExpressions.map((e) => ({ key: e.key, operator: e.operator, values: [...e.values] })) } : {}),
          },
          snapshotTemplate: { labels: { ...plan.labels }, ...(plan.snapshotClassName ? { snapshotClassName: plan.snapshotClassName } : {}) },
        },
      });
    },
  };

  /**
   * No schedule object: for clusters that must use another scheduler. The workspace PVCs carry
   * the labels of `WorkspaceBackups.claimSelector` either way; point your scheduler at them.
   */
  public static readonly NONE: IBackupScheduler = {
    schedule(): void {},
  };

  private constructor() {}
}

/** Props for {@link WorkspaceBackups}. */
export interface WorkspaceBackupsProps {
  /**
   * Name of the schedule object (and part of every snapshot's name).
   * @default - the construct id
   */
  readonly name?: string;
  /** When snapshots are taken: cron `minute hour day-of-month month day-of-week` (`0 3 * * *`) or `@daily`... in the scheduler's time zone (UTC for SnapScheduler). */
  readonly schedule: string;
  /** How many snapshots (per workspace) are kept, by count and/or age. */
  readonly retention: BackupRetention;
  /**
   * Whose workspaces: these FTEs or pools (each with a persistent workspace).
   * @default - every ftekit workspace PVC in the namespace
   */
  readonly workloads?: IHasWorkspace[];
  /**
   * The VolumeSnapshotClass of the snapshots.
   * @default SnapshotClass.CLUSTER_DEFAULT
   */
  readonly snapshotClass?: SnapshotClass;
  /**
   * Where the VolumeSnapshotClass of `SnapshotClass.create(...)` goes (a chart for
   * cluster-scoped objects); it is cluster-scoped either way.
   * @default - this construct
   */
  readonly snapshotClassScope?: Construct;
  /**
   * What emits the schedule.
   * @default BackupScheduler.SNAPSCHEDULER
   */
  readonly scheduler?: IBackupScheduler;
  /**
   * Extra labels on the schedule and on every snapshot; keys ftekit sets are refused.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/**
 * Scheduled CSI snapshots of workspace PVCs, with retention: a SnapScheduler `SnapshotSchedule`
 * (`snapscheduler.backube/v1`) selecting the workspaces by their ftekit labels, per namespace
 * or per FTE, and optionally the `VolumeSnapshotClass`. Restore with
 * `Workspace.persistent({ restoreFrom: '<snapshot>' })`.
 *
 * Needs, in the cluster: a CSI driver that supports snapshots, the CSI snapshot controller and
 * CRDs (`snapshot.storage.k8s.io/v1`), and SnapScheduler (AGPL-3.0), unless `scheduler` says otherwise.
 *
 * Objects: SnapshotSchedule (id `Resource`), VolumeSnapshotClass (id `SnapshotClass`) with
 * `SnapshotClass.create(...)`.
 */
export class WorkspaceBackups extends Construct {
  /** The plan the scheduler was given. */
  public readonly plan: BackupPlan;
  /** The labels that select the backed-up workspace PVCs (for another scheduler, too). */
  public readonly claimSelector: WorkspaceClaimSelector;

  public constructor(scope: Construct, id: string, props: WorkspaceBackupsProps) {
    super(scope, id);
    const problems = ProblemCollector.forConstruct(this, 'WorkspaceBackups');
    const name = props.name ?? id;
    if (problems.add('name', checkDnsSubdomain(name), name)) problems.add('name', nameClash(this, 'SnapshotSchedule', name), name);
    problems.add('schedule', checkCronSchedule(props.schedule), props.schedule);
    const retention = checkRetention(problems, props.retention);
    const workloads = props.workloads;
    if (workloads !== undefined) {
      if (!Array.isArray(workloads) || workloads.length === 0) problems.add('workloads', `${describeValue(workloads)} is not a non-empty list; expected the FTEs or pools to back up, or no workloads for every workspace in the namespace`);
      else {
        workloads.forEach((w, i) => problems.add(`workloads[${i}]`, !(w?.workspace instanceof Workspace)
          ? `${describeValue(w?.node?.path ?? w)} has no workspace; expected an FteSandbox or SandboxPool`
          : !w.workspace.persistent ? `${JSON.stringify(w.workloadName)} has an ephemeral workspace (an emptyDir), which cannot be snapshotted; expected a workload with Workspace.persistent()` : undefined));
        const dup = findDuplicate(workloads, (w) => String(w?.workloadName));
        problems.add('workloads', dup ? `${JSON.stringify(dup)} is listed twice; expected each workload once` : undefined);
        const namespaces = new Set(workloads.map((w) => w?.namespace ?? ''));
        const own = namespaceOf(this) ?? '';
        problems.add('workloads', [...namespaces].some((ns) => ns !== own) ? `workloads are in namespace(s) ${[...namespaces].map((n) => JSON.stringify(n)).join(', ')}, this schedule in ${JSON.stringify(own)}; expected workloads of the schedule's namespace (a SnapshotSchedule selects PVCs of its own namespace)` : undefined);
      }
    }
    const snapshotClass = props.snapshotClass ?? SnapshotClass.CLUSTER_DEFAULT;
    if (!(snapshotClass instanceof SnapshotClass)) problems.add('snapshotClass', `${describeValue(snapshotClass)} is not a SnapshotClass; expected SnapshotClass.existing(name) or SnapshotClass.create({...})`);
    else for (const [field, p] of snapshotClass.problems()) problems.add(`snapshotClass${field}`, p);
    problems.add('labels', checkLabels(props.labels));
    const reserved = Object.keys(props.labels ?? {}).find((k) => k in ownLabels('x'));
    problems.add('labels', reserved ? `key ${JSON.stringify(reserved)} is set by ftekit; expected another key` : undefined);
    const scheduler = props.scheduler ?? BackupScheduler.SNAPSCHEDULER;
    problems.add('scheduler', typeof scheduler?.schedule === 'function' ? undefined : `${describeValue(scheduler)} is not an IBackupScheduler; expected BackupScheduler.SNAPSCHEDULER, BackupScheduler.NONE or an object with schedule(scope, plan)`);
    problems.throwIfAny();

    this.claimSelector = {
      matchLabels: { [APP_COMPONENT_LABEL]: 'workspace', [APP_PART_OF_LABEL]: FTEKIT },
      matchExpressions: workloads ? [{ key: WORKLOAD_LABEL, operator: 'In', values: workloads.map((w) => w.workloadName).sort() }] : [],
    };
    if (snapshotClass.props) {
      const p = snapshotClass.props;
      new VolumeSnapshotClassObject(props.snapshotClassScope ?? this, 'SnapshotClass', {
        metadata: { name: p.name, labels: ownLabels(p.name) },
        driver: p.driver,
        deletionPolicy: (p.deletionPolicy ?? SnapshotDeletionPolicy.DELETE) as unknown as VolumeSnapshotClassDeletionPolicy,
        ...(p.parameters ? { parameters: { ...p.parameters } } : {}),
      });
    }
    this.plan = {
      name,
      schedule: props.schedule,
      retention: retention!,
      claimSelector: this.claimSelector,
      snapshotClassName: snapshotClass.name,
      labels: { ...(props.labels ?? {}), ...ownLabels(name) },
    };
    scheduler.schedule(this, this.plan);
  }
}

/** The labels ftekit puts on a schedule, its snapshots and a snapshot class. */
function ownLabels(name: string): Record<string, string> {
  return { [APP_NAME_LABEL]: name, [APP_COMPONENT_LABEL]: 'workspace-backups', [APP_PART_OF_LABEL]: FTEKIT };
}

/** Checks `retention`, recording its problems; the `retention` of a SnapshotSchedule when there are none. */
function checkRetention(problems: ProblemCollector, retention: BackupRetention | undefined): BackupPlan['retention'] | undefined {
  if (retention === null || typeof retention !== 'object') {
    problems.add('retention', `${describeValue(retention)} is not a retention; expected { maxCount } and/or { expires }`);
    return undefined;
  }
  const { maxCount, expires } = retention;
  if (maxCount === undefined && expires === undefined) {
    problems.add('retention', 'keeps every snapshot forever; expected maxCount and/or expires (snapshots use storage)');
    return undefined;
  }
  if (maxCount !== undefined) problems.add('retention.maxCount', checkInteger(maxCount, 1, 2147483647), maxCount);
  let expiresText: string | undefined;
  if (expires !== undefined) {
    const ms = millisOf(expires);
    if (ms === undefined || !Number.isFinite(ms) || ms < 1000 || ms % 1000 !== 0) {
      problems.add('retention.expires', `${ms === undefined ? describeValue(expires) : `${ms}ms`} is not a whole number of seconds of at least 1s; expected e.g. Duration.days(7)`);
    } else {
      const s = ms / 1000;
      expiresText = s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`;
    }
  }
  return { ...(maxCount !== undefined ? { maxCount } : {}), ...(expiresText ? { expires: expiresText } : {}) };
}
