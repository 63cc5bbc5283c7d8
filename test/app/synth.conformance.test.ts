import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { buildEnvironment } from '../../src/environment/build';
import { buildExampleApp } from '../../src/app/synth';
import { evaluatePolicy, formatPolicyReport, KubernetesVersion } from '../../src/policy';
import { loadAllStackSpecs } from '../../src/environment/stack-files';
import { describeWithShared, expectSchemaValid } from '../support/schema';

/*
 * Conformance of everything ftekit synthesises: for every stack in stacks/ and the example
 * app, 0 schema errors, 0 unknown fields and 0 unvalidated kinds (the strict validator of
 * test/support/schema.ts: Kubernetes 1.28 and the upstream CRDs in ../shared), and 0 policy
 * errors (and no exceptions: ftekit's own output needs none, but for the one it writes
 * itself on an image volume, which Pod Security admits from Kubernetes 1.33 while the gate
 * checks 1.28 by default; at 1.33 there is no finding and no exception at all).
 */

const ROOT = path.resolve(__dirname, '../..');

const sets: Array<[string, () => unknown[]]> = [
  ...loadAllStackSpecs(path.join(ROOT, 'stacks')).map((spec): [string, () => unknown[]] => [`stack ${spec.name}`, () => {
    const charts = buildEnvironment(Testing.app(), spec);
    return [...Testing.synth(charts.cluster), ...Testing.synth(charts.ftes)];
  }]),
  ['example app', () => buildExampleApp(fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-'))).charts.flatMap((c) => Testing.synth(c))],
];

describe('conformance: policy', () => {
  test.each(sets)('%s: 0 policy findings, 0 exceptions but image volumes below 1.33', (name, objects) => {
    const report = evaluatePolicy(objects());
    expect(report.objectCount).toBeGreaterThan(0);
    const imageVolumes = report.excepted.filter((f) => f.ruleId === 'pss-volume-types' && /^image volume "skills" .*from Kubernetes 1\.33/.test(f.reason));
    if (!report.ok || report.findings.length || report.excepted.length !== imageVolumes.length) throw new Error(formatPolicyReport(report));
    // dev mounts skills from an image volume; the other sets have none.
    expect(imageVolumes.map((f) => f.object.name)).toEqual(name === 'stack dev' ? ['research-analyst'] : []);
    const at133 = evaluatePolicy(objects(), { kubernetesVersion: KubernetesVersion.of('1.33') });
    if (!at133.ok || at133.findings.length || at133.excepted.length) throw new Error(formatPolicyReport(at133));
  });
});

describeWithShared('conformance: schema', () => {
  test.each(sets)('%s: 0 schema errors, unknown fields or unvalidated kinds', (_name, objects) => {
    expectSchemaValid(objects() as any[]);
  });
});
