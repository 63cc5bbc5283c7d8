import { Duration } from 'cdk8s';
import * as fc from 'fast-check';
import { FteSandbox, SnapshotClass, SnapshotDeletionPolicy, WorkspaceBackups } from '../src';
import { IMAGE, RESOURCES } from './support/fixtures';
import { describeWithShared, sharedDir } from './support/schema';
import { dnsLabel } from './support/arbitraries';
import { bad, Case, caseRecord, checkCase, good, mix, optional, params } from './support/cases';
import { synth } from './support/synth';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';

/** One cron field within [min, max], in a form SnapScheduler's CRD accepts. */
function cronField(min: number, max: number): fc.Arbitrary<string> {
  const n = fc.integer({ min, max });
  return fc.oneof(
    fc.constant('*'),
    fc.integer({ min: 1, max }).map((s) => `*/${s}`),
    n.map(String),
    fc.tuple(n, n).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc.tuple(n, fc.integer({ min: 1, max })).map(([a, s]) => `${a}/${s}`),
    fc.array(n, { minLength: 2, maxLength: 4 }).map((xs) => xs.join(',')),
  );
}

const RANGES: Array<[number, number]> = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 6]];
const goodCron = fc.oneof(
  fc.tuple(...RANGES.map(([a, b]) => cronField(a, b))).map((fs5) => fs5.join(' ')),
  fc.constantFrom('@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly'),
);
const badCron = fc.oneof(
  fc.tuple(...RANGES.map(([a, b]) => cronField(a, b))).chain((fs5) => fc.integer({ min: 0, max: 4 }).map((i) => {
    const out = [...fs5];
    out[i] = String(RANGES[i][1] + 1); // one past the field's range
    return out.join(' ');
  })),
  fc.constantFrom('', '0 3 * *', '0 3 * * * *', '0 3 * * MON', '0 3 ? * *', '@every 1h', '0  3 * * *', '1-23/2 * * * *', 'every day'),
);

interface BackupsInput {
  readonly schedule: string;
  readonly maxCount?: number;
  readonly expiresSeconds?: number;
  readonly perWorkload: boolean;
  readonly className?: string;
  readonly driver?: string;
  readonly retain: boolean;
}

const input: fc.Arbitrary<Case<BackupsInput>> = caseRecord<BackupsInput & Record<string, unknown>>({
  schedule: mix(good(goodCron), bad(badCron, 'schedule'), 4),
  maxCount: optional(mix(good(fc.integer({ min: 1, max: 10000 })), bad(fc.constantFrom(0, -1, 1.5, Number.NaN), 'retention.maxCount'), 3)),
  expiresSeconds: optional(mix(good(fc.oneof(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 500 }).map((m) => m * 60), fc.integer({ min: 1, max: 2000 }).map((h) => h * 3600))),
    bad(fc.constantFrom(0, 0.5, 0.001), 'retention.expires'), 3)),
  perWorkload: good(fc.boolean()),
  className: optional(mix(good(dnsLabel), bad(fc.constantFrom('Bad_Class', ''), 'snapshotClass.name'))),
  driver: optional(mix(good(fc.constantFrom('pd.csi.storage.gke.io', 'ebs.csi.aws.com', 'hostpath.csi.k8s.io')), bad(fc.constantFrom('', 'Not A Driver'), 'snapshotClass.driver'))),
  retain: good(fc.boolean()),
});

/** The CRD's own pattern for `spec.schedule`, as the API server applies it (read from ../shared at test time). */
function crdSchedulePattern(): RegExp {
  const crd = parse(fs.readFileSync(path.join(sharedDir()!, 'crds/snapscheduler/snapscheduler.backube_snapshotschedules.yaml'), 'utf8'));
  return new RegExp(crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.schedule.pattern);
}

function seconds(text: string): number {
  const m = /^(\d+)(h|m|s)$/.exec(text)!;
  return Number(m[1]) * ({ h: 3600, m: 60, s: 1 } as Record<string, number>)[m[2]];
}

describeWithShared('WorkspaceBackups properties', () => {
  test('any input: one clear error naming a bad prop, or a schema-valid schedule that says exactly what was asked', () => {
    const pattern = crdSchedulePattern();
    fc.assert(fc.property(input.map((c) => (c.value.maxCount === undefined && c.value.expiresSeconds === undefined ? { ...c, problems: [...c.problems, ['retention']] } : c)), (c) => {
      checkCase(c, (v) => synth((chart) => {
        const fte = new FteSandbox(chart, 'fte', { image: IMAGE, resources: RESOURCES });
        const cls = v.driver !== undefined ? SnapshotClass.create({ name: v.className ?? 'ws', driver: v.driver, deletionPolicy: v.retain ? SnapshotDeletionPolicy.RETAIN : undefined })
          : v.className !== undefined ? SnapshotClass.existing(v.className) : undefined;
        new WorkspaceBackups(chart, 'backups', {
          schedule: v.schedule,
          retention: { maxCount: v.maxCount, expires: v.expiresSeconds === undefined ? undefined : Duration.seconds(v.expiresSeconds) },
          workloads: v.perWorkload ? [fte] : undefined,
          snapshotClass: cls,
        });
      }), (v, objs) => {
        const s = objs.find((o) => o.kind === 'SnapshotSchedule');
        expect(s.spec.schedule).toBe(v.schedule);
        // The anchoring of the CRD's pattern is loose; it must still match what we emit.
        expect(pattern.test(s.spec.schedule)).toBe(true);
        expect(s.spec.retention.maxCount).toBe(v.maxCount);
        if (v.expiresSeconds === undefined) expect(s.spec.retention.expires).toBeUndefined();
        else expect(seconds(s.spec.retention.expires)).toBe(v.expiresSeconds);
        expect(s.spec.claimSelector.matchExpressions).toEqual(v.perWorkload ? [{ key: 'ftekit.dev/workload', operator: 'In', values: ['fte'] }] : undefined);
        expect(s.spec.snapshotTemplate.snapshotClassName).toBe(v.driver !== undefined ? (v.className ?? 'ws') : v.className);
        const cls = objs.filter((o) => o.kind === 'VolumeSnapshotClass');
        expect(cls.map((o) => [o.driver, o.deletionPolicy])).toEqual(v.driver !== undefined ? [[v.driver, v.retain ? 'Retain' : 'Delete']] : []);
      });
    }), params(150));
  });
});
