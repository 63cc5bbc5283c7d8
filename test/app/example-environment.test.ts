import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { buildExampleApp } from '../../src/app/synth';
import { describeWithShared, expectSchemaValid } from '../support/schema';
import { ofKind, one, podSpecOf } from '../support/synth';

function exampleObjects(): any[] {
  const app = buildExampleApp(fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-')));
  return app.charts.flatMap((c) => Testing.synth(c));
}

describe('example environment', () => {
  const objs = exampleObjects();

  test('research-analyst: gVisor, limits, 10Gi workspace, keys by reference, seed 000 egress and ingress', () => {
    const sb = one(objs, 'Sandbox', 'research-analyst');
    const pod = podSpecOf(sb);
    expect(pod.runtimeClassName).toBe('gvisor');
    expect(pod.containers[0].resources).toEqual({ limits: { cpu: '2', memory: '4Gi' }, requests: { cpu: '500m', memory: '1Gi' } });
    expect(sb.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    for (const env of pod.containers[0].env ?? []) expect(env.value).toBeUndefined();
    const np = one(objs, 'NetworkPolicy', 'research-analyst-allowlist');
    const egressPorts = np.spec.egress.map((r: any) => r.ports.map((p: any) => p.port)).flat();
    expect(egressPorts).toEqual(expect.arrayContaining([53, 9092, 6379]));
    // The Dapr flows come first (peer sidecars on dapr-internal, Prometheus on the sidecar metrics), then fastapi.
    expect(np.spec.ingress.map((r: any) => r.from)).toContainEqual([{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'fastapi' } } }]);
    expect(np.spec.ingress).toContainEqual({ from: [{ podSelector: { matchLabels: { 'dapr.io/sidecar-injected': 'true' } } }], ports: [{ protocol: 'TCP', port: 50002 }] });
    const fqdns = one(objs, 'CiliumNetworkPolicy', 'research-analyst-fqdn').spec.egress.flatMap((r: any) => r.toFQDNs ?? []);
    expect(fqdns).toEqual([{ matchPattern: '*.googleapis.com' }, { matchName: 'api.anthropic.com' }, { matchName: 'api.openai.com' }]);
  });

  test('code-exec pool: three warm sandboxes on port 8080 with a readiness probe, two claims', () => {
    expect(one(objs, 'SandboxWarmPool', 'code-exec').spec.replicas).toBe(3);
    const c = podSpecOf(one(objs, 'SandboxTemplate', 'code-exec')).containers[0];
    expect(c.ports).toEqual([{ containerPort: 8080, name: 'http', protocol: 'TCP' }]);
    expect(c.readinessProbe.httpGet.port).toBe(8080);
    expect(ofKind(objs, 'SandboxClaim').map((o) => o.spec.warmPoolRef.name)).toEqual(['code-exec', 'code-exec']);
  });

  test('every pod-carrying object has a sandboxed runtime and is selected by an allowlist', () => {
    const podObjs = objs.filter((o) => ['Sandbox', 'SandboxTemplate', 'Deployment'].includes(o.kind));
    expect(podObjs.length).toBeGreaterThanOrEqual(2);
    const policies = ofKind(objs, 'NetworkPolicy');
    for (const o of podObjs) {
      expect(podSpecOf(o).runtimeClassName).toBe('gvisor');
      const labels = (o.spec.podTemplate ?? o.spec.template).metadata.labels;
      const selected = policies.some((p) => p.spec.podSelector.matchLabels && Object.entries(p.spec.podSelector.matchLabels).every(([k, v]) => labels[k] === v));
      expect(selected).toBe(true);
    }
  });

  test('cluster-scoped objects carry no namespace; namespaced ones all sit in digital-ftes', () => {
    for (const o of objs) {
      if (['RuntimeClass', 'Namespace'].includes(o.kind)) expect(o.metadata.namespace).toBeUndefined();
      else expect(o.metadata.namespace).toBe('digital-ftes');
    }
  });

  test('synthesis is deterministic (byte-identical)', () => {
    expect(JSON.stringify(exampleObjects())).toEqual(JSON.stringify(objs));
  });
});

describeWithShared('example environment schema', () => {
  test('every object of the example is schema-valid, none unvalidated', () => {
    expectSchemaValid(exampleObjects());
  });
});
