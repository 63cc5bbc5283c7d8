import { Chart, Duration, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import {
  BackupPlan, BackupScheduler, FteSandbox, SandboxPool, SnapshotClass, SnapshotDeletionPolicy, Workspace, WorkspaceBackups, WorkspaceBackupsProps,
} from '../src';
import { evaluatePolicy } from '../src/policy/engine';
import { IMAGE, RESOURCES } from './support/fixtures';
import { errorOf } from './support/oracle';
import { describeWithShared, expectSchemaValid } from './support/schema';
import { chart, ofKind, one, synth } from './support/synth';

const daily: WorkspaceBackupsProps = { schedule: '0 3 * * *', retention: { maxCount: 7 } };

describe('WorkspaceBackups', () => {
  test('per namespace: one SnapshotSchedule selecting every ftekit workspace PVC, retention by count', () => {
    const objs = synth((c) => new WorkspaceBackups(c, 'daily', daily));
    const s = one(objs, 'SnapshotSchedule', 'daily');
    expect(s.apiVersion).toBe('snapscheduler.backube/v1');
    expect(s.metadata.namespace).toBe('agents');
    expect(s.spec).toEqual({
      schedule: '0 3 * * *',
      retention: { maxCount: 7 },
      claimSelector: { matchLabels: { 'app.kubernetes.io/component': 'workspace', 'app.kubernetes.io/part-of': 'ftekit' } },
      snapshotTemplate: { labels: { 'app.kubernetes.io/name': 'daily', 'app.kubernetes.io/component': 'workspace-backups', 'app.kubernetes.io/part-of': 'ftekit' } },
    });
    expect(ofKind(objs, 'VolumeSnapshotClass')).toEqual([]);
  });

  test('the selector matches the labels the workspace claim template carries', () => {
    const objs = synth((c) => {
      const fte = new FteSandbox(c, 'analyst', { image: IMAGE, resources: RESOURCES });
      new WorkspaceBackups(c, 'daily', { ...daily, workloads: [fte] });
    });
    const claimLabels = one(objs, 'Sandbox', 'analyst').spec.volumeClaimTemplates[0].metadata.labels;
    const sel = one(objs, 'SnapshotSchedule').spec.claimSelector;
    for (const [k, v] of Object.entries(sel.matchLabels)) expect(claimLabels[k]).toBe(v);
    for (const e of sel.matchExpressions) expect(e.values).toContain(claimLabels[e.key]);
  });

  test('per FTE: the workloads by their stable label; expires in hours, minutes or seconds', () => {
    const objs = synth((c) => {
      const a = new FteSandbox(c, 'b-analyst', { image: IMAGE, resources: RESOURCES });
      const p = new SandboxPool(c, 'a-pool', { image: IMAGE, resources: RESOURCES });
      new WorkspaceBackups(c, 'hourly', { schedule: '@hourly', retention: { expires: Duration.days(7), maxCount: 24 }, workloads: [a, p] });
      new WorkspaceBackups(c, 'm', { schedule: '*/15 * * * *', retention: { expires: Duration.minutes(90) } });
      new WorkspaceBackups(c, 's', { schedule: '0 0 1 1 0', retention: { expires: Duration.seconds(61) } });
    });
    const s = one(objs, 'SnapshotSchedule', 'hourly');
    expect(s.spec.retention).toEqual({ maxCount: 24, expires: '168h' });
    expect(s.spec.claimSelector.matchExpressions).toEqual([{ key: 'ftekit.dev/workload', operator: 'In', values: ['a-pool', 'b-analyst'] }]);
    expect(one(objs, 'SnapshotSchedule', 'm').spec.retention).toEqual({ expires: '90m' });
    expect(one(objs, 'SnapshotSchedule', 's').spec.retention).toEqual({ expires: '61s' });
  });

  test('SnapshotClass.create emits a cluster-scoped VolumeSnapshotClass (Delete by default) in the scope given; existing() only names it', () => {
    const app = Testing.app();
    const cluster = new Chart(app, 'cluster');
    const ftes = new Chart(app, 'ftes', { namespace: 'digital-ftes' });
    new WorkspaceBackups(ftes, 'daily', { ...daily, snapshotClass: SnapshotClass.create({ name: 'workspace-snapshots', driver: 'pd.csi.storage.gke.io', parameters: { 'storage-locations': 'eu' } }), snapshotClassScope: cluster });
    new WorkspaceBackups(ftes, 'weekly', { schedule: '@weekly', retention: { maxCount: 4 }, snapshotClass: SnapshotClass.existing('csi-gce-pd-snapshot-class') });
    const c = one(Testing.synth(cluster), 'VolumeSnapshotClass', 'workspace-snapshots');
    expect(c).toEqual({
      apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass',
      metadata: { name: 'workspace-snapshots', labels: { 'app.kubernetes.io/name': 'workspace-snapshots', 'app.kubernetes.io/component': 'workspace-backups', 'app.kubernetes.io/part-of': 'ftekit' } },
      driver: 'pd.csi.storage.gke.io', deletionPolicy: 'Delete', parameters: { 'storage-locations': 'eu' },
    });
    const objs = Testing.synth(ftes);
    expect(ofKind(objs, 'VolumeSnapshotClass')).toEqual([]);
    expect(one(objs, 'SnapshotSchedule', 'daily').spec.snapshotTemplate.snapshotClassName).toBe('workspace-snapshots');
    expect(one(objs, 'SnapshotSchedule', 'weekly').spec.snapshotTemplate.snapshotClassName).toBe('csi-gce-pd-snapshot-class');
    // Even in a namespaced chart, the class has no namespace.
    const inFtes = synth((ch) => new WorkspaceBackups(ch, 'd', { ...daily, snapshotClass: SnapshotClass.create({ name: 'x', driver: 'ebs.csi.aws.com', deletionPolicy: SnapshotDeletionPolicy.RETAIN }) }));
    expect(one(inFtes, 'VolumeSnapshotClass').metadata.namespace).toBeUndefined();
    expect(one(inFtes, 'VolumeSnapshotClass').deletionPolicy).toBe('Retain');
  });

  test('the scheduler is pluggable: NONE emits no schedule, a custom one gets the plan', () => {
    const none = synth((c) => {
      const b = new WorkspaceBackups(c, 'daily', { ...daily, scheduler: BackupScheduler.NONE });
      expect(b.claimSelector.matchLabels).toEqual({ 'app.kubernetes.io/component': 'workspace', 'app.kubernetes.io/part-of': 'ftekit' });
    });
    expect(ofKind(none, 'SnapshotSchedule')).toEqual([]);
    const plans: BackupPlan[] = [];
    synth((c) => new WorkspaceBackups(c, 'daily', { ...daily, labels: { team: 'ml' }, scheduler: { schedule: (_scope: Construct, plan: BackupPlan) => plans.push(plan) } }));
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({ name: 'daily', schedule: '0 3 * * *', retention: { maxCount: 7 }, labels: { team: 'ml', 'app.kubernetes.io/name': 'daily' } });
  });

  test('the output passes the policy gate', () => {
    const objs = synth((c) => new WorkspaceBackups(c, 'daily', { ...daily, snapshotClass: SnapshotClass.create({ name: 'ws', driver: 'pd.csi.storage.gke.io' }) }));
    expect(evaluatePolicy(objs).findings).toEqual([]);
  });

  test.each([
    ['schedule', { schedule: '0 3 * *' }, /schedule: "0 3 \* \*" has 4 fields.*expected five fields/],
    ['schedule', { schedule: '60 3 * * *' }, /minute field "60" is not valid \(numbers 0-59\)/],
    ['schedule', { schedule: '0 3 * * MON' }, /day of week field "MON" is not valid/],
    ['schedule', { schedule: '@every 1h' }, /expected five fields/],
    ['retention', { retention: {} }, /retention: keeps every snapshot forever; expected maxCount and\/or expires/],
    ['retention.maxCount', { retention: { maxCount: 0 } }, /retention\.maxCount: .*0/],
    ['retention.expires', { retention: { expires: Duration.seconds(0) } }, /retention\.expires: 0ms is not a whole number of seconds of at least 1s/],
    ['retention.expires', { retention: { expires: Duration.millis(1500) } }, /retention\.expires: 1500ms/],
    ['name', { name: 'Daily' }, /name: .*"Daily"/],
    ['snapshotClass.driver', { snapshotClass: SnapshotClass.create({ name: 'ws', driver: '' }) }, /snapshotClass\.driver: "" is not a CSI driver name/],
    ['snapshotClass.name', { snapshotClass: SnapshotClass.existing('Bad_Name') }, /snapshotClass\.name: /],
    ['labels', { labels: { 'app.kubernetes.io/name': 'x' } }, /labels: key "app.kubernetes.io\/name" is set by ftekit/],
    ['scheduler', { scheduler: {} as never }, /scheduler: .*is not an IBackupScheduler/],
  ] as const)('throws when %s is wrong (%#)', (field, change, message) => {
    const e = errorOf(() => new WorkspaceBackups(chart(), 'daily', { ...daily, ...change } as WorkspaceBackupsProps));
    expect(e.problems.map((p) => p.field)).toContain(field);
    expect(e.message).toMatch(/WorkspaceBackups/);
    expect(e.message).toMatch(message);
  });

  test('throws when a workload has an ephemeral workspace, is listed twice, or the list is empty; all problems in one error', () => {
    const c = chart();
    const pool = new SandboxPool(c, 'pool', { image: IMAGE, resources: RESOURCES, workspace: Workspace.ephemeral() });
    const fte = new FteSandbox(c, 'fte', { image: IMAGE, resources: RESOURCES });
    const e = errorOf(() => new WorkspaceBackups(c, 'daily', { schedule: 'x', retention: { maxCount: 0 }, workloads: [pool, fte, fte] }));
    expect(e.problems.map((p) => p.field)).toEqual(['schedule', 'retention.maxCount', 'workloads[0]', 'workloads']);
    expect(e.message).toMatch(/"pool" has an ephemeral workspace/);
    expect(e.message).toMatch(/"fte" is listed twice/);
    expect(errorOf(() => new WorkspaceBackups(chart(), 'd', { ...daily, workloads: [] })).message).toMatch(/workloads: \[\] is not a non-empty list/);
  });

  test('throws when a workload is in another namespace, or the schedule name is taken', () => {
    const app = Testing.app();
    const other = new FteSandbox(new Chart(app, 'a', { namespace: 'a' }), 'fte', { image: IMAGE, resources: RESOURCES });
    const b = new Chart(app, 'b', { namespace: 'b' });
    expect(errorOf(() => new WorkspaceBackups(b, 'daily', { ...daily, workloads: [other] })).message).toMatch(/workloads: workloads are in namespace\(s\) "a", this schedule in "b"/);
    const c = chart();
    new WorkspaceBackups(c, 'one', { ...daily, name: 'daily' });
    expect(errorOf(() => new WorkspaceBackups(c, 'two', { ...daily, name: 'daily' })).message).toMatch(/name: "daily" is already the name of a SnapshotSchedule/);
  });
});

describeWithShared('WorkspaceBackups schema', () => {
  test('SnapshotSchedule and VolumeSnapshotClass validate against the SnapScheduler and CSI snapshot CRDs', () => {
    const objs = synth((c) => {
      const fte = new FteSandbox(c, 'fte', { image: IMAGE, resources: RESOURCES, workspace: Workspace.persistent({ restoreFrom: 'fte-daily-202612010300' }) });
      new WorkspaceBackups(c, 'daily', { ...daily, retention: { maxCount: 3, expires: Duration.hours(36) }, workloads: [fte], snapshotClass: SnapshotClass.create({ name: 'ws', driver: 'pd.csi.storage.gke.io' }) });
      new WorkspaceBackups(c, 'all', { schedule: '5,35 */2 * * 1-5', retention: { expires: Duration.days(30) }, snapshotClass: SnapshotClass.existing('x') });
    });
    expect(objs.map((o) => o.kind)).toEqual(expect.arrayContaining(['SnapshotSchedule', 'VolumeSnapshotClass', 'Sandbox']));
    expectSchemaValid(objs);
  });
});
