import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { daprWorkerExample, monitorsExample, vaultSyncExample } from './docs-examples/dapr-vault-monitoring';
import { describeWithShared, expectSchemaValid } from './support/schema';

const ROOT = path.resolve(__dirname, '..');
const doc = fs.readFileSync(path.join(ROOT, 'docs/dapr-vault-monitoring.md'), 'utf8');
const source = fs.readFileSync(path.join(__dirname, 'docs-examples/dapr-vault-monitoring.ts'), 'utf8');

/** Lines without their indentation, blank lines dropped. */
function normalise(code: string): string {
  return code.split('\n').map((l) => l.trim()).filter((l) => l.length > 0).join('\n');
}

const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => normalise(m[1]));
const regions = Object.fromEntries([...source.matchAll(/\/\/ docs:begin (\S+)\n([\s\S]*?)\/\/ docs:end/g)].map((m) => [m[1], normalise(m[2])]));

function buildAll(): Chart {
  const chart = new Chart(Testing.app(), 'docs', { namespace: 'digital-ftes' });
  const worker = daprWorkerExample(chart);
  vaultSyncExample(chart);
  monitorsExample(chart, worker);
  return chart;
}

describe('docs/dapr-vault-monitoring.md', () => {
  test('every example in the document is a compiled region of the examples file, and back', () => {
    expect(Object.keys(regions).sort()).toEqual(['dapr-worker', 'monitors', 'vault-sync']);
    expect(blocks).toHaveLength(3);
    for (const region of Object.values(regions)) expect(blocks).toContain(region);
  });

  test('the examples synthesise the objects the document lists', () => {
    const objs = Testing.synth(buildAll());
    const kinds = new Set(objs.map((o) => o.kind));
    for (const k of ['Deployment', 'Service', 'PodDisruptionBudget', 'Component', 'Configuration', 'Subscription', 'Resiliency',
      'VaultConnection', 'VaultAuth', 'VaultStaticSecret', 'ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'NetworkPolicy']) {
      expect(kinds.has(k)).toBe(true);
    }
    const vss = objs.find((o) => o.kind === 'VaultStaticSecret');
    expect(vss.spec.rolloutRestartTargets).toEqual([{ kind: 'Deployment', name: 'worker' }]);
  });
});

describeWithShared('docs/dapr-vault-monitoring.md examples schema', () => {
  test('every object is schema-valid', () => {
    expectSchemaValid(Testing.synth(buildAll()));
  });
});
