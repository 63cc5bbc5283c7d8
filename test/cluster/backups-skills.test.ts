/*
 * WorkspaceBackups, Workspace.persistent({ restoreFrom }) and SkillsVolume on the live control
 * plane (Kubernetes v1.37): with the SnapScheduler and CSI snapshot CRDs installed from the
 * pinned files in ../shared, the API server accepts the SnapshotSchedule, the
 * VolumeSnapshotClass and a VolumeSnapshot; the agent-sandbox controller makes the workspace
 * claim with the snapshot as its dataSource; a sandbox pod with an image skills volume is
 * admitted under Pod Security `restricted`. No CSI driver, snapshot controller or SnapScheduler
 * controller runs here: nothing is snapshotted or restored, the objects are only stored.
 */
import { Duration, Size } from 'cdk8s';
import { FteSandbox, SkillsVolume, SnapshotClass, Workspace, WorkspaceBackups } from '../../src';
import { KubeObject, waitUntil } from './kube-client';
import { describeLive, installSharedCrds, resetCluster, SMALL_RESOURCES, suiteObjects } from './live';

jest.setTimeout(300_000);

const NS = 'ftekit-backups';
const SNAPSHOT = 'workspace-agent-daily-202612010300';
const SKILLS = 'ghcr.io/acme/fte-skills:1.2.0';
function objects(): { cluster: KubeObject[]; ftes: KubeObject[] } {
  return suiteObjects(NS, (chart, cluster) => {
    const restored = new FteSandbox(chart, 'restored', {
      image: 'ghcr.io/acme/agent:1.0.0', resources: SMALL_RESOURCES,
      workspace: Workspace.persistent({ size: Size.gibibytes(1), restoreFrom: SNAPSHOT }),
      skills: SkillsVolume.image(SKILLS),
    });
    // A skills claim larger than any workspace: ftekit counts it in the quota and LimitRange.
    new FteSandbox(chart, 'tools', {
      image: 'ghcr.io/acme/agent:1.0.0', resources: SMALL_RESOURCES,
      workspace: Workspace.persistent({ size: Size.gibibytes(1) }),
      skills: SkillsVolume.claim('skills', { readOnly: true, size: Size.gibibytes(3) }),
    });
    new WorkspaceBackups(chart, 'daily', {
      schedule: '0 3 * * *', retention: { maxCount: 7, expires: Duration.days(7) }, workloads: [restored],
      snapshotClass: SnapshotClass.create({ name: 'ftekit-test-snapshots', driver: 'hostpath.csi.k8s.io' }), snapshotClassScope: cluster,
    });
    new WorkspaceBackups(chart, 'hourly', { schedule: '@hourly', retention: { maxCount: 24 } });
  });
}

describeLive('workspace backups, restore and skills on the live control plane', (client) => {
  const { cluster, ftes } = objects();
  const warnings: string[] = [];

  beforeAll(async () => {
    await installSharedCrds(client());
    await resetCluster(client(), [NS]);
    for (const o of [...cluster, ...ftes]) {
      if (o.kind === 'Sandbox' && o.metadata.name === 'tools') continue;  // after its skills claim, in its test
      const res = await client().applyWithWarnings(o);
      for (const w of res.warnings) warnings.push(`${o.kind}/${o.metadata.name}: ${w}`);
    }
  });

  afterAll(async () => {
    await resetCluster(client(), [NS]);
    await client().delete('snapshot.storage.k8s.io/v1', 'VolumeSnapshotClass', 'ftekit-test-snapshots');
  });

  test('the SnapshotSchedules and the VolumeSnapshotClass are accepted as emitted, with no warning', async () => {
    expect(warnings).toEqual([]);
    for (const name of ['daily', 'hourly']) {
      const emitted = ftes.find((o) => o.kind === 'SnapshotSchedule' && o.metadata.name === name)!;
      const live = await client().get('snapscheduler.backube/v1', 'SnapshotSchedule', name, NS);
      expect(live?.spec).toEqual(emitted.spec);
    }
    const cls = await client().get('snapshot.storage.k8s.io/v1', 'VolumeSnapshotClass', 'ftekit-test-snapshots');
    expect(cls).toMatchObject({ driver: 'hostpath.csi.k8s.io', deletionPolicy: 'Delete' });
    expect(cls!.metadata.namespace).toBeUndefined();
  });

  test('the CRDs refuse what the construct refuses: a schedule with a day name, a retention of 0', async () => {
    const bad = (spec: object): object => ({ apiVersion: 'snapscheduler.backube/v1', kind: 'SnapshotSchedule', metadata: { name: 'bad', namespace: NS }, spec });
    expect((await client().create(bad({ schedule: '0 3 * * MON' }), true)).status).toBe(422);
    expect((await client().create(bad({ schedule: '0 3 * * *', retention: { maxCount: 0 } }), true)).status).toBe(422);
  });

  test('a VolumeSnapshot of the class is accepted (the object a restore names)', async () => {
    const snap = await client().apply({
      apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: SNAPSHOT, namespace: NS },
      spec: { volumeSnapshotClassName: 'ftekit-test-snapshots', source: { persistentVolumeClaimName: 'workspace-agent' } },
    });
    expect(snap.metadata.name).toBe(SNAPSHOT);
  });

  test('the agent-sandbox controller creates the workspace claim from the snapshot (dataSource), with the labels the schedule selects', async () => {
    const pvc: any = await waitUntil('the workspace claim of Sandbox restored', async () => client().get('v1', 'PersistentVolumeClaim', 'workspace-restored', NS), 120_000,
      async () => JSON.stringify((await client().get('agents.x-k8s.io/v1beta1', 'Sandbox', 'restored', NS))?.status));
    expect(pvc.spec.dataSource).toEqual({ apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: SNAPSHOT });
    // The API server mirrors dataSource into dataSourceRef.
    expect(pvc.spec.dataSourceRef).toEqual({ apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: SNAPSHOT });
    const selector = (ftes.find((o) => o.kind === 'SnapshotSchedule' && o.metadata.name === 'daily') as any).spec.claimSelector;
    const labels = pvc.metadata.labels ?? {};
    for (const [k, v] of Object.entries(selector.matchLabels as Record<string, string>)) expect(labels[k]).toBe(v);
    for (const e of selector.matchExpressions as { key: string; values: string[] }[]) expect(e.values).toContain(labels[e.key]);
    // The label selector the API server itself evaluates finds it, as SnapScheduler would list it.
    const sel = [...Object.entries(selector.matchLabels).map(([k, v]) => `${k}=${v}`), `ftekit.dev/workload in (restored)`].join(',');
    expect((await client().list('v1', 'PersistentVolumeClaim', NS, sel)).map((p) => p.metadata.name)).toEqual(['workspace-restored']);
  });

  test('the sandbox pod with an image skills volume is admitted under Pod Security restricted (ImageVolume is GA in 1.36+)', async () => {
    const pod: any = await waitUntil('the pod of Sandbox restored', async () => client().get('v1', 'Pod', 'restored', NS), 120_000,
      async () => JSON.stringify((await client().get('agents.x-k8s.io/v1beta1', 'Sandbox', 'restored', NS))?.status));
    expect(pod.spec.volumes).toContainEqual({ name: 'skills', image: { reference: SKILLS, pullPolicy: 'IfNotPresent' } });
    expect(pod.spec.containers[0].volumeMounts).toContainEqual({ name: 'skills', mountPath: '/skills', readOnly: true });
    const ns = await client().get('v1', 'Namespace', NS);
    expect(ns!.metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('restricted');
    // The same pod with a hostPath skills directory (seed 002's way) is refused by Pod Security.
    const hostPath = JSON.parse(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hostpath-skills', namespace: NS }, spec: pod.spec }));
    delete hostPath.spec.nodeName;
    hostPath.spec.volumes = hostPath.spec.volumes.map((v: { name: string }) => (v.name === 'skills' ? { name: 'skills', hostPath: { path: '/opt/skills' } } : v));
    const refused = await client().create(hostPath, true);
    expect(refused.status).toBe(403);
    expect(String(refused.body.message)).toMatch(/violates PodSecurity "restricted:latest".*hostPath/);
  });

  test('a skills claim counts in the namespace: the 3Gi ReadOnlyMany claim is admitted under ftekit\'s quota and LimitRange, one past them is not, and the sandbox mounts it read-only', async () => {
    const claim = (name: string, size: string): object => ({
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: NS },
      spec: { accessModes: ['ReadOnlyMany'], resources: { requests: { storage: size } } },
    });
    const limits = await client().get('v1', 'LimitRange', 'ftekit-limits', NS) as any;
    expect(limits.spec.limits).toContainEqual({ type: 'PersistentVolumeClaim', max: { storage: '3Gi' } });
    const created = await client().create(claim('skills', '3Gi'));
    expect(created.status).toBe(201);
    // The LimitRange is real: a claim larger than anything ftekit counted is refused.
    const bigger = await client().create(claim('skills-bigger', '4Gi'), true);
    expect(bigger.status).toBe(403);
    expect(String(bigger.body.message)).toMatch(/maximum storage usage per PersistentVolumeClaim is 3Gi/);
    // The quota counts it beside the workspaces.
    const quota: any = await waitUntil('the quota to count the skills claim', async () => {
      const q: any = await client().get('v1', 'ResourceQuota', 'ftekit-quota', NS);
      return q?.status?.used?.persistentvolumeclaims !== undefined && Number(q.status.used.persistentvolumeclaims) >= 1 ? q : undefined;
    }, 60_000);
    expect(Number(quota.status.hard.persistentvolumeclaims)).toBeGreaterThanOrEqual(3);
    const tools = ftes.find((o) => o.kind === 'Sandbox' && o.metadata.name === 'tools')!;
    await client().apply(tools);
    const pod: any = await waitUntil('the pod of Sandbox tools', async () => client().get('v1', 'Pod', 'tools', NS), 120_000,
      async () => JSON.stringify((await client().get('agents.x-k8s.io/v1beta1', 'Sandbox', 'tools', NS))?.status));
    expect(pod.spec.volumes).toContainEqual({ name: 'skills', persistentVolumeClaim: { claimName: 'skills', readOnly: true } });
    expect(pod.spec.containers[0].volumeMounts).toContainEqual({ name: 'skills', mountPath: '/skills', readOnly: true });
  });
});
