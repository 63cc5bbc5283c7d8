import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import { buildEnvironment } from '../../src/environment/build';
import { specFromStackConfig } from '../../src/environment/stack-files';
import { FteValidationError } from '../../src/errors';
import { ofKind, one, podSpecOf } from '../support/synth';

const STACKS = path.resolve(__dirname, '../../stacks');

function config(edit: (env: any) => void): Record<string, any> {
  const c = parse(fs.readFileSync(path.join(STACKS, 'Pulumi.prod.yaml'), 'utf8')).config;
  edit(c['ftekit:environment']);
  return c;
}

function build(edit: (env: any) => void): { cluster: any[]; ftes: any[] } {
  const charts = buildEnvironment(Testing.app(), specFromStackConfig('prod', config(edit), 'stacks/Pulumi.prod.yaml'));
  return { cluster: Testing.synth(charts.cluster), ftes: Testing.synth(charts.ftes) };
}

function problems(edit: (env: any) => void): string[] {
  try {
    build(edit);
  } catch (e) {
    expect(e).toBeInstanceOf(FteValidationError);
    return (e as FteValidationError).problems.map((p) => `${p.where}: ${p.field}: ${p.message}`);
  }
  throw new Error('expected the spec to be rejected');
}

const F = 'stacks/Pulumi.prod.yaml: ftekit:environment';

describe('stack file: backups, skills, restoreFrom', () => {
  test('backups[]: per workload, an existing class by name, retention in days, scheduler none', () => {
    const { ftes } = build((e) => {
      e.backups = [
        { name: 'analyst', schedule: '*/30 * * * *', expires: '2d', workloads: ['research-analyst'], snapshotClass: 'csi-gce-pd' },
        { name: 'external', schedule: '@daily', maxCount: 3, scheduler: 'none' },
      ];
    });
    const s = one(ftes, 'SnapshotSchedule', 'analyst');
    expect(s.spec.retention).toEqual({ expires: '48h' });
    expect(s.spec.claimSelector.matchExpressions).toEqual([{ key: 'ftekit.dev/workload', operator: 'In', values: ['research-analyst'] }]);
    expect(s.spec.snapshotTemplate.snapshotClassName).toBe('csi-gce-pd');
    expect(ofKind(ftes, 'SnapshotSchedule').map((o) => o.metadata.name)).toEqual(['analyst']);
  });

  test('skills and restoreFrom on ftes and pools', () => {
    const { ftes } = build((e) => {
      e.ftes[0].skills = { claim: 'skills', size: '25Gi', mountPath: '/opt/skills' };
      e.ftes[0].workspace.restoreFrom = 'workspace-research-analyst-daily-202612010300';
      e.pools[0].skills = { image: 'ghcr.io/acme/fte-skills:1.2.0', pullPolicy: 'Always' };
    });
    const sb = one(ftes, 'Sandbox', 'research-analyst');
    expect(podSpecOf(sb).volumes).toContainEqual({ name: 'skills', persistentVolumeClaim: { claimName: 'skills', readOnly: true } });
    expect(sb.spec.volumeClaimTemplates[0].spec.dataSource).toEqual({ apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'workspace-research-analyst-daily-202612010300' });
    expect(podSpecOf(one(ftes, 'SandboxTemplate', 'code-exec')).volumes).toContainEqual({ name: 'skills', image: { reference: 'ghcr.io/acme/fte-skills:1.2.0', pullPolicy: 'Always' } });
    // The 25Gi claim is the namespace's largest: the LimitRange admits it.
    expect(one(ftes, 'LimitRange', 'ftekit-limits').spec.limits).toContainEqual({ type: 'PersistentVolumeClaim', max: { storage: '25Gi' } });
  });

  test('bad values: every problem in one error, each at its stack-file field, shape and construct rules together', () => {
    const found = problems((e) => {
      e.backups = [
        { name: 'daily', schedule: '0 3 * *', maxCount: 0, snapshotClass: { name: 'ws', driver: '' } },
        { name: 'weekly', schedule: '@weekly', maxCount: 1, workloads: ['code-exec', 'nobody'] },
        { name: 'forever', schedule: '@daily' },
        { name: 'x', schedule: 7, expires: '1w', scheduler: 'velero' },
      ];
      e.ftes[0].skills = { image: 'ghcr.io/acme/fte-skills' };
      e.ftes[1].skills = { image: 'a:1', claim: 'b' };
      e.pools[0].skills = { claim: 'skills' };
      e.pools[1] = { ...e.pools[0], name: 'code-exec-2', skills: { image: 'a:1', size: '5Gi' } };
      e.pools[0].workspace.restoreFrom = 'snap';
      e.daprWorkers[0].skills = { claim: 'skills' };
    });
    expect(found).toEqual([
      `${F}.ftes[0].skills.image: image "ghcr.io/acme/fte-skills" is not pinned; expected an explicit tag other than "latest", or a @sha256 digest`,
      `${F}.ftes[1].skills: expected exactly one of image (an image volume) or claim (an existing ReadOnlyMany PersistentVolumeClaim)`,
      `${F}.pools[0].workspace.restoreFrom: is set on an ephemeral workspace, which cannot be restored from a snapshot; expected one of them`,
      `${F}.pools[0].skills.size: is missing; expected the claim's requested storage (e.g. 5Gi), which counts in the namespace's quota`,
      `${F}.pools[1].workspace.restoreFrom: is set on an ephemeral workspace, which cannot be restored from a snapshot; expected one of them`,
      `${F}.pools[1].skills.size: is set on an image; expected it only with claim`,
      expect.stringMatching(/^stacks\/Pulumi\.prod\.yaml: ftekit:environment\.daprWorkers\[0\]\.skills: unknown field "skills"/),
      expect.stringMatching(/^stacks\/Pulumi\.prod\.yaml: ftekit:environment\.backups\[0\]\.schedule: "0 3 \* \*" has 4 fields/),
      `${F}.backups[0].maxCount: 0 is not a whole number in range 1-2147483647`,
      `${F}.backups[0].snapshotClass.driver: "" is not a CSI driver name; expected a DNS name such as pd.csi.storage.gke.io`,
      `${F}.backups[1].workloads[1]: "nobody" is not an FTE or pool of this environment; expected one of research-analyst, orchestrator, code-exec, code-exec-2`,
      `${F}.backups[2].maxCount: keeps every snapshot forever; expected maxCount and/or expires (snapshots use storage)`,
      `${F}.backups[3].schedule: 7 is not a string; expected a cron schedule such as "0 3 * * *" (quoted)`,
      `${F}.backups[3].expires: "1w" is not a duration; expected a whole number of days, hours, minutes or seconds such as "7d" or "168h"`,
      `${F}.backups[3].scheduler: "velero" is not one of snapscheduler, none`,
    ]);
  });

  test('a backup of a pool with an ephemeral workspace is the construct\'s problem, at the stack field', () => {
    expect(problems((e) => {
      e.backups = [{ name: 'pool', schedule: '@daily', maxCount: 1, workloads: ['code-exec'] }];
    })).toEqual([`${F}.backups[0].workloads[0]: "code-exec" has an ephemeral workspace (an emptyDir), which cannot be snapshotted; expected a workload with Workspace.persistent()`]);
  });
});
