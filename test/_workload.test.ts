import { Size, Testing } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { Workload } from '../src/_workload';
import { DaprWorker, FteMonitoring, FteSandbox, Probe, SandboxPool } from '../src';
import { chart, one } from './support/synth';

const resources = { cpu: { request: Cpu.millis(100), limit: Cpu.millis(500) }, memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) } };
const ports = [{ name: 'http', number: 8000 }, { name: 'metrics', number: 9100 }];

function workloads(): { sandbox: FteSandbox; pool: SandboxPool; worker: DaprWorker; c: ReturnType<typeof chart> } {
  const c = chart('ns');
  const sandbox = new FteSandbox(c, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', resources, ports, egress: ['kafka:9092'] });
  const pool = new SandboxPool(c, 'pool', { image: 'ghcr.io/acme/agent:1.0.0', resources, ports, replicas: 2 });
  const worker = new DaprWorker(c, 'worker', { image: 'ghcr.io/acme/worker:1.0.0', resources, ports, readiness: Probe.httpGet('/healthz', 8000), metricsPortName: 'metrics' });
  return { sandbox, pool, worker, c };
}

describe('Workload, the one base of FteSandbox, SandboxPool and DaprWorker', () => {
  test('every workload gets its ServiceAccount, allowlist and stable labels from the base', () => {
    const { sandbox, pool, worker, c } = workloads();
    for (const w of [sandbox, pool, worker]) {
      expect(w).toBeInstanceOf(Workload);
      expect(w.identity.node.id).toBe('Identity');
      expect(w.network.node.id).toBe('Network');
      expect(w.podSelector).toEqual({ 'ftekit.dev/workload': w.workloadName });
    }
    const objs = Testing.synth(c);
    for (const name of ['agent', 'pool', 'worker']) {
      expect(one(objs, 'ServiceAccount', name).automountServiceAccountToken).toBe(false);
      expect(one(objs, 'NetworkPolicy', `${name}-allowlist`).spec.podSelector).toEqual({ matchLabels: { 'ftekit.dev/workload': name } });
    }
  });

  test('each workload decides what FteMonitoring scrapes (scrapePlan), no instanceof in the monitor', () => {
    const { sandbox, pool, worker } = workloads();
    expect(worker.scrapePlan({ path: '/metrics' })).toEqual({
      targets: [
        { kind: 'PodMonitor', id: 'worker-sidecar', name: 'worker-dapr', selector: { 'dapr.io/app-id': 'worker' }, port: 'dapr-metrics', path: '/' },
        { kind: 'ServiceMonitor', id: 'worker-app', name: 'worker', selector: { 'ftekit.dev/workload': 'worker' }, port: 'metrics', path: '/metrics' },
      ],
      ports: [9090, 9100],
      poolAlerts: false,
    });
    expect(sandbox.scrapePlan({ port: 'metrics', portNumber: 9100, path: '/m' })).toEqual({
      targets: [{ kind: 'PodMonitor', id: 'agent-pods', name: 'agent', selector: { 'ftekit.dev/workload': 'agent' }, port: 'metrics', path: '/m' }],
      ports: [9100],
      poolAlerts: false,
    });
    expect(pool.scrapePlan({ path: '/metrics' })).toEqual({ targets: [], ports: [], poolAlerts: true });
    expect(sandbox.scrapePlan({ port: 'metrics', portNumber: 9101, path: '/m' }).problem).toEqual(['.portNumber', '9101 is not the number of port "metrics" (9100); expected 9100']);
  });

  test('FteMonitoring renders the plans', () => {
    const { sandbox, pool, worker, c } = workloads();
    const monitoring = new FteMonitoring(c, 'monitoring');
    expect(Object.keys(monitoring.monitor(worker))).toEqual(['podMonitor', 'serviceMonitor']);
    expect(Object.keys(monitoring.monitor(sandbox, { port: 'metrics', portNumber: 9100 }))).toEqual(['podMonitor']);
    expect(monitoring.monitor(pool)).toEqual({});
    const objs = Testing.synth(c);
    expect(one(objs, 'PodMonitor', 'worker-dapr').spec.selector).toEqual({ matchLabels: { 'dapr.io/app-id': 'worker' } });
    expect(one(objs, 'PrometheusRule', 'ftekit-alerts').spec.groups.map((g: { name: string }) => g.name)).toEqual(['ftekit-pods-ns', 'ftekit-sandboxes-ns']);
  });
});
