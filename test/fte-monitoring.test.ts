import { Chart, Duration, Size, Testing } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { DaprWorker, FteMonitoring, FteSandbox, Probe, SandboxPool, Workspace } from '../src';
import { expectProblems } from './support/oracle';
import { describeWithShared, expectSchemaValid } from './support/schema';
import { chart as namespacedChart, one as find } from './support/synth';

/** Every test here builds in namespace `ns`. */
const chart = (namespace = 'ns'): Chart => namespacedChart(namespace);

const resources = {
  cpu: { request: Cpu.millis(100), limit: Cpu.units(1) },
  memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
};

function worker(c: Chart, metrics = true): DaprWorker {
  return new DaprWorker(c, 'worker', {
    image: 'ghcr.io/acme/w:1.0.0',
    resources,
    ports: [{ name: 'http', number: 8000 }, ...(metrics ? [{ name: 'metrics', number: 9100 }] : [])],
    readiness: Probe.httpGet('/healthz', 8000),
    ...(metrics ? { metricsPortName: 'metrics' } : {}),
  });
}

function pool(c: Chart, replicas = 3): SandboxPool {
  return new SandboxPool(c, 'code-exec', { image: 'ghcr.io/acme/sbx:1.0.0', resources, replicas, ports: [{ name: 'http', number: 8080 }], workspace: Workspace.ephemeral() });
}

describe('FteMonitoring', () => {
  test('a DaprWorker gets a sidecar PodMonitor and an app ServiceMonitor with the selection label', () => {
    const c = chart();
    const m = new FteMonitoring(c, 'Monitoring');
    const monitors = m.monitor(worker(c));
    expect(monitors.podMonitor).toBeDefined();
    expect(monitors.serviceMonitor).toBeDefined();
    const objs = Testing.synth(c);
    const pm = find(objs, 'PodMonitor', 'worker-dapr');
    expect(pm.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(pm.spec).toEqual({ selector: { matchLabels: { 'dapr.io/app-id': 'worker' } }, podMetricsEndpoints: [{ port: 'dapr-metrics', path: '/', interval: '30s' }] });
    const sm = find(objs, 'ServiceMonitor', 'worker');
    expect(sm.spec).toEqual({ selector: { matchLabels: { 'ftekit.dev/workload': 'worker' } }, endpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }] });
    // The ServiceMonitor selects the worker's Service by its labels.
    expect(find(objs, 'Service', 'worker').metadata.labels).toMatchObject(sm.spec.selector.matchLabels);
  });

  test('a worker without a metrics port gets only the sidecar PodMonitor', () => {
    const c = chart();
    const monitors = new FteMonitoring(c, 'Monitoring').monitor(worker(c, false));
    expect(monitors.serviceMonitor).toBeUndefined();
    expect(Testing.synth(c).filter((o) => o.kind === 'ServiceMonitor')).toHaveLength(0);
  });

  test('the selection labels, Prometheus namespace and interval are configurable', () => {
    const c = chart();
    const box = new FteSandbox(c, 'analyst', { image: 'ghcr.io/acme/a:1.0.0', resources, ports: [{ name: 'metrics', number: 9100 }] });
    new FteMonitoring(c, 'Monitoring', { selectionLabels: { release: 'prom' }, prometheusNamespace: 'observability', scrapeInterval: Duration.seconds(15) })
      .monitor(box, { port: 'metrics', portNumber: 9100 });
    const objs = Testing.synth(c);
    const pm = find(objs, 'PodMonitor', 'analyst');
    expect(pm.metadata.labels).toEqual({ 'release': 'prom', 'app.kubernetes.io/part-of': 'ftekit' });
    expect(pm.spec).toEqual({ selector: { matchLabels: { 'ftekit.dev/workload': 'analyst' } }, podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: '15s' }] });
    expect(find(objs, 'PrometheusRule').metadata.labels.release).toBe('prom');
    expect(find(objs, 'NetworkPolicy', 'analyst-allowlist').spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }],
      ports: [{ protocol: 'TCP', port: 9100 }],
    });
  });

  test('monitoring a worker without an app metrics port opens the sidecar metrics port to the Prometheus namespace', () => {
    const c = chart();
    new FteMonitoring(c, 'Monitoring', { prometheusNamespace: 'observability' }).monitor(worker(c, false));
    expect(find(Testing.synth(c), 'NetworkPolicy', 'worker-allowlist').spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }],
      ports: [{ protocol: 'TCP', port: 9090 }],
    });
  });

  test("monitoring a worker opens its app metrics port too, when Prometheus runs outside the worker's monitoringNamespace", () => {
    const c = chart();
    new FteMonitoring(c, 'm', { prometheusNamespace: 'observability' }).monitor(worker(c));
    const np = find(Testing.synth(c), 'NetworkPolicy', 'worker-allowlist');
    const fromPrometheus = np.spec.ingress.filter((r: any) => r.from.some((f: any) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'observability'));
    expect(fromPrometheus.flatMap((r: any) => r.ports.map((p: any) => p.port)).sort()).toEqual([9090, 9100]);
  });

  test('the PrometheusRule alerts on pods, restarts, OOM kills and throttling in the namespace', () => {
    const c = chart();
    new FteMonitoring(c, 'Monitoring');
    const rule = find(Testing.synth(c), 'PrometheusRule', 'ftekit-alerts');
    expect(rule.spec.groups).toHaveLength(1);
    const rules = rule.spec.groups[0].rules;
    expect(rules.map((r: any) => r.alert)).toEqual(['FtePodNotReady', 'FteContainerRestartLoop', 'FteContainerOOMKilled', 'FteCpuThrottled']);
    for (const r of rules) {
      expect(r.expr).toContain('namespace="ns"');
      expect(['warning', 'critical']).toContain(r.labels.severity);
      expect(r.annotations.summary).toBeTruthy();
    }
    expect(rules[2].expr).toContain('reason="OOMKilled"');
    expect(rules[3].expr).toContain('container_cpu_cfs_throttled_periods_total');
  });

  test('a monitored pool adds warm-pool and claim-latency alerts', () => {
    const c = chart();
    new FteMonitoring(c, 'Monitoring', { claimStartupLatencyThreshold: Duration.millis(1500) }).monitor(pool(c));
    const groups = find(Testing.synth(c), 'PrometheusRule').spec.groups;
    expect(groups[1].name).toBe('ftekit-sandboxes-ns');
    const [empty, slow] = groups[1].rules;
    expect(empty.alert).toBe('FteWarmPoolEmpty');
    expect(empty.expr).toBe('(sum(agent_sandboxes{namespace="ns", sandbox_template="code-exec", launch_type="warm", owned_by="SandboxWarmPool", ready_condition="true"}) or vector(0)) == 0');
    expect(empty.labels.severity).toBe('critical');
    expect(slow.alert).toBe('FteClaimStartupSlow');
    expect(slow.expr).toContain('histogram_quantile(0.99');
    expect(slow.expr).toContain('sandbox_template="code-exec"');
    expect(slow.expr).toMatch(/> 1500$/);
  });

  test('a pool of zero replicas gets no warm-pool alert', () => {
    const c = chart();
    new FteMonitoring(c, 'Monitoring').monitor(pool(c, 0));
    expect(find(Testing.synth(c), 'PrometheusRule').spec.groups).toHaveLength(1);
  });

  describe('throws when', () => {
    test('several props are bad: one FteValidationError lists every problem', () => {
      const c = new Chart(Testing.app(), 'test');
      expectProblems(() => new FteMonitoring(c, 'mon', {
        selectionLabels: {}, prometheusNamespace: 'Mon', scrapeInterval: Duration.seconds(1), claimStartupLatencyThreshold: Duration.millis(0.5), ruleName: 'Alerts',
      }), "FteMonitoring at 'test/mon'", [
        ['selectionLabels', 'is empty; expected the labels your Prometheus selects'],
        ['prometheusNamespace', '"Mon" is not a valid name; expected an RFC 1123 label'],
        ['scrapeInterval', '1s is out of range; expected whole seconds from 5 to 3600'],
        ['claimStartupLatencyThreshold', '0.5ms is not a positive whole number of milliseconds; expected e.g. Duration.seconds(1)'],
        ['ruleName', '"Alerts" is not a valid name; expected an RFC 1123 label'],
        ['namespace', 'the chart has no namespace; expected a chart with a namespace (the alerts are scoped to it)'],
      ]);
      expect(Testing.synth(c)).toEqual([]);
    });
    test('the path and the port of one monitor(...) call are bad: one error names both', () => {
      const c = chart();
      const m = new FteMonitoring(c, 'm');
      const w = worker(c);
      expectProblems(() => m.monitor(w, { path: 'metrics', port: 'Bad Port' }), "FteMonitoring at 'test/m'", [
        ['monitor("worker").path', '"metrics" is not a URL path; expected e.g. "/metrics"'],
        ['monitor("worker").port', '"Bad Port" is not a valid port name'],
      ]);
      expect(Testing.synth(c).filter((o) => o.kind === 'PodMonitor' || o.kind === 'ServiceMonitor')).toEqual([]);
      // The failed call did not count: the worker can still be monitored.
      expect(() => m.monitor(w)).not.toThrow();
    });
    test('the chart has no namespace', () => {
      expect(() => new FteMonitoring(new Chart(Testing.app(), 'test'), 'Monitoring'))
        .toThrow("FteMonitoring at 'test/Monitoring': namespace: the chart has no namespace");
    });
    test('the selection labels are empty', () => {
      expect(() => new FteMonitoring(chart(), 'Monitoring', { selectionLabels: {} }))
        .toThrow("FteMonitoring at 'test/Monitoring': selectionLabels: is empty; expected the labels your Prometheus selects");
    });
    test('a selection label is invalid', () => {
      expect(() => new FteMonitoring(chart(), 'Monitoring', { selectionLabels: { release: 'not valid!' } }))
        .toThrow(/selectionLabels: label "release": "not valid!" is not a valid label value/);
    });
    test('a workload is monitored twice', () => {
      const c = chart();
      const m = new FteMonitoring(c, 'Monitoring');
      const w = worker(c);
      m.monitor(w);
      expect(() => m.monitor(w)).toThrow(`FteMonitoring at 'test/Monitoring': monitor("worker"): is already monitored`);
    });
    test('a sandbox port is given without its number', () => {
      const c = chart();
      expect(() => new FteMonitoring(c, 'Monitoring').monitor(pool(c), { port: 'http' }))
        .toThrow(`FteMonitoring at 'test/Monitoring': monitor("code-exec").portNumber: undefined is not a port`);
    });
    test('a sandbox port is not one it declares, or its number is not the declared one', () => {
      const c = chart();
      const m = new FteMonitoring(c, 'm');
      expect(() => m.monitor(pool(c), { port: 'metrics', portNumber: 9100 }))
        .toThrow(`FteMonitoring at 'test/m': monitor("code-exec").port: "metrics" is not the name of a port the sandbox declares (http); expected a declared, named port`);
      const box = new FteSandbox(c, 'box', { image: 'ghcr.io/acme/a:1.0.0', resources, ports: [{ name: 'metrics', number: 9100 }] });
      expect(() => m.monitor(box, { port: 'metrics', portNumber: 9200 }))
        .toThrow(`FteMonitoring at 'test/m': monitor("box").portNumber: 9200 is not the number of port "metrics" (9100); expected 9100`);
    });
    test('a port number is given for a worker', () => {
      const c = chart();
      expect(() => new FteMonitoring(c, 'm').monitor(worker(c), { portNumber: 0 }))
        .toThrow(`FteMonitoring at 'test/m': monitor("worker").portNumber: 0 is set for a DaprWorker, which knows its ports; expected it left out (it is for sandboxes)`);
    });
    test('a worker port is not its metrics port', () => {
      const c = chart();
      expect(() => new FteMonitoring(c, 'Monitoring').monitor(worker(c), { port: 'http' }))
        .toThrow(/monitor\("worker"\)\.port: "http" is not the worker's metricsPortName \("metrics"\)/);
    });
    test("two monitors would have one name (a worker's sidecar PodMonitor and a sandbox's)", () => {
      const c = chart();
      const m = new FteMonitoring(c, 'm');
      // With another app id, only the PodMonitor names collide (the app id's `-dapr` Service does not).
      m.monitor(new DaprWorker(c, 'worker', { image: 'ghcr.io/acme/w:1.0.0', resources, ports: [{ name: 'http', number: 8000 }], readiness: Probe.httpGet('/healthz', 8000), appId: 'orders' }));
      const sandbox = new FteSandbox(c, 'worker-dapr', { image: 'ghcr.io/acme/a:1.0.0', resources, ports: [{ name: 'metrics', number: 9100 }] });
      expect(() => m.monitor(sandbox, { port: 'metrics', portNumber: 9100 }))
        .toThrow(`FteMonitoring at 'test/m': monitor("worker-dapr"): "worker-dapr" is already the name of a PodMonitor in namespace "ns" (from 'test/m')`);
    });
    test('two FteMonitorings in one namespace have the same rule name', () => {
      const c = chart();
      new FteMonitoring(c, 'a');
      expect(() => new FteMonitoring(c, 'b')).toThrow(`FteMonitoring at 'test/b': ruleName: "ftekit-alerts" is already the name of a PrometheusRule in namespace "ns" (from 'test/a')`);
    });
    test('the workload is in another namespace', () => {
      const app = Testing.app();
      const m = new FteMonitoring(new Chart(app, 'a', { namespace: 'a' }), 'Monitoring');
      const w = worker(new Chart(app, 'b', { namespace: 'b' }));
      expect(() => m.monitor(w)).toThrow(/monitor\("worker"\): worker runs in namespace "b", not "a"/);
    });
  });
});

describeWithShared('FteMonitoring schema', () => {
  test('every object is schema-valid (unknown fields rejected)', () => {
    const c = chart();
    const m = new FteMonitoring(c, 'Monitoring');
    m.monitor(worker(c));
    m.monitor(pool(c), { port: 'http', portNumber: 8080 });
    const objs = Testing.synth(c);
    expect(objs.filter((o) => o.apiVersion === 'monitoring.coreos.com/v1').map((o) => o.kind).sort())
      .toEqual(['PodMonitor', 'PodMonitor', 'PrometheusRule', 'ServiceMonitor']);
    expectSchemaValid(objs);
  });
});
