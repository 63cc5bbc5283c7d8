import { Duration } from 'cdk8s';
import { ImagePullPolicy, SkillsVolume } from '../skills-volume';
import { BackupScheduler, IBackupScheduler, SnapshotClass, SnapshotDeletionPolicy } from '../workspace-backups';
import { describeValue } from '../errors';
import { findDuplicate } from '../_validate';
import { parseSize } from '../_quantities';
import { ConfigReader, SpecLocation } from './config-reader';

/** One backup schedule of an environment (`backups[]`): a WorkspaceBackups. */
export interface BackupSpec {
  /** Name of the schedule. */
  readonly name: string;
  /** Cron schedule, as written (WorkspaceBackups judges it). */
  readonly schedule: string;
  /** Snapshots kept per workspace. */
  readonly maxCount?: number;
  /** Age after which snapshots are deleted. */
  readonly expires?: Duration;
  /** FTEs or pools whose workspaces are backed up; empty = every workspace in the namespace. */
  readonly workloads: string[];
  /** The VolumeSnapshotClass (existing, created, or the cluster default). */
  readonly snapshotClass: SnapshotClass;
  /** Whether the class was written as a name only (`snapshotClass: <name>`). */
  readonly snapshotClassByName: boolean;
  /** What emits the schedule. */
  readonly scheduler: IBackupScheduler;
  /** Where it is declared (`file: field.path`). */
  readonly source?: string;
  /** Where it is declared: construct problems found while building it are reported there. */
  readonly location?: SpecLocation;
}

const DURATION_UNITS: Record<string, (n: number) => Duration> = { d: Duration.days, h: Duration.hours, m: Duration.minutes, s: Duration.seconds };

/**
 * Reads `backups`: shape only (the schedule, retention and class are WorkspaceBackups's to
 * judge). `workloadNames` are the ftes and pools of the environment a backup may name.
 */
export function parseBackups(r: ConfigReader, workloadNames: readonly string[]): BackupSpec[] {
  const backups = r.list().map((item) => item.guard((b): BackupSpec => {
    const before = b.faults;
    b.object(['name', 'schedule', 'maxCount', 'expires', 'workloads', 'snapshotClass', 'scheduler']);
    const name = b.field('name').guard((x) => x.string());
    const schedule = b.field('schedule').guard((x) => (typeof x.value === 'string' ? x.value : x.fail(`${describeValue(x.value)} is not a string; expected a cron schedule such as "0 3 * * *" (quoted)`)));
    const maxCount = b.field('maxCount').guard((x) => (x.absent ? undefined : typeof x.value === 'number' ? x.value : x.fail(`${describeValue(x.value)} is not a number; expected a count such as 7`)));
    const expires = b.field('expires').guard((x) => {
      if (x.absent) return undefined;
      const m = typeof x.value === 'string' ? /^(\d+)(d|h|m|s)$/.exec(x.value) : null;
      if (!m) x.fail(`${describeValue(x.value)} is not a duration; expected a whole number of days, hours, minutes or seconds such as "7d" or "168h"`);
      return DURATION_UNITS[m![2]](Number(m![1]));
    });
    const workloads = b.field('workloads').guard((x) => x.list().map((w) => {
      const n = w.string();
      if (!workloadNames.includes(n)) w.fail(`${JSON.stringify(n)} is not an FTE or pool of this environment; expected one of ${workloadNames.join(', ') || '(none)'}`);
      return n;
    })) ?? [];
    const dup = findDuplicate(workloads, (w) => w);
    if (dup) b.field('workloads').check(`${JSON.stringify(dup)} is listed twice; expected each workload once`);
    const cls = b.field('snapshotClass').guard((x): [SnapshotClass, boolean] => {
      if (x.absent) return [SnapshotClass.CLUSTER_DEFAULT, false];
      if (typeof x.value === 'string') return [SnapshotClass.existing(x.value), true];
      x.object(['name', 'driver', 'deletionPolicy', 'parameters']);
      const policy = x.field('deletionPolicy').guard((p) => (p.absent ? undefined : p.oneOf(['Delete', 'Retain'] as const)));
      const parameters = x.field('parameters').guard((p) => (p.absent ? undefined : p.stringMap()));
      // Any strings: whether they name a class and a driver is SnapshotClass's rule.
      const text = (k: string): string => x.field(k).guard((f) => (typeof f.value === 'string' ? f.value : f.fail(`${describeValue(f.value)} is not a string`))) ?? x.abandon();
      const className = text('name');
      const driver = text('driver');
      return [SnapshotClass.create({
        name: className,
        driver,
        deletionPolicy: policy === 'Retain' ? SnapshotDeletionPolicy.RETAIN : policy === 'Delete' ? SnapshotDeletionPolicy.DELETE : undefined,
        parameters,
      }), false];
    });
    const scheduler = b.field('scheduler').guard((x) => (x.absent ? 'snapscheduler' : x.oneOf(['snapscheduler', 'none'] as const)));
    if (b.faults > before || name === undefined || schedule === undefined || cls === undefined || scheduler === undefined) return b.abandon();
    return {
      name, schedule, maxCount, expires, workloads,
      snapshotClass: cls[0], snapshotClassByName: cls[1],
      scheduler: scheduler === 'none' ? BackupScheduler.NONE : BackupScheduler.SNAPSCHEDULER,
      source: b.location, location: b.at,
    };
  })).filter((b): b is BackupSpec => b !== undefined);
  const dup = findDuplicate(backups, (b) => b.name);
  if (dup) r.check(`backup ${JSON.stringify(dup)} is listed twice; expected unique names`);
  return backups;
}

/**
 * Reads `skills` of an FTE or pool: `{ image, pullPolicy?, mountPath? }` or `{ claim, size,
 * mountPath? }` (always read-only). Shape only: pinning and paths are SkillsVolume's.
 */
export function parseSkills(r: ConfigReader): SkillsVolume | undefined {
  if (r.absent) return undefined;
  r.object(['image', 'pullPolicy', 'claim', 'size', 'mountPath']);
  const image = r.field('image').optionalString();
  const claim = r.field('claim').optionalString();
  const mountPath = r.field('mountPath').optionalString();
  if ((image === undefined) === (claim === undefined)) r.fail('expected exactly one of image (an image volume) or claim (an existing ReadOnlyMany PersistentVolumeClaim)');
  if (claim !== undefined) {
    if (!r.field('pullPolicy').absent) r.field('pullPolicy').fail('is set on a claim; expected it only with image');
    const sizeField = r.field('size');
    if (sizeField.absent) sizeField.fail('is missing; expected the claim\'s requested storage (e.g. 5Gi), which counts in the namespace\'s quota');
    const size = parseSize(sizeField.value);
    return typeof size === 'string' ? sizeField.fail(size) : SkillsVolume.claim(claim, { readOnly: true, mountPath, size });
  }
  if (!r.field('size').absent) r.field('size').fail('is set on an image; expected it only with claim');
  const pullPolicy = r.field('pullPolicy').absent ? undefined : r.field('pullPolicy').oneOf(Object.values(ImagePullPolicy));
  return SkillsVolume.image(image as string, { pullPolicy, mountPath });
}
