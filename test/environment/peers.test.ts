import { FteValidationError } from '../../src/errors';
import { buildEnvironment } from '../../src/environment/build';
import { specFromStackConfig } from '../../src/environment/stack-files';
import { App, Testing } from 'cdk8s';

const FILE = 'stacks/Pulumi.lab.yaml';
const RES = { cpu: { request: '100m', limit: '1' }, memory: { request: '128Mi', limit: '256Mi' } };
const FTE = { name: 'analyst', image: 'ghcr.io/acme/a:1.0.0', resources: RES, ports: [{ name: 'http', port: 8000 }] };

/** Every problem of a stack file: the parser's, then the constructs' (as `cdk8s synth` meets them). */
function problems(env: Record<string, unknown>): string[] {
  try {
    buildEnvironment(new App(), specFromStackConfig('lab', { 'ftekit:environment': env }, FILE));
  } catch (e) {
    if (e instanceof FteValidationError) return e.problems.map((p) => `${p.field}: ${p.message}`);
    throw e;
  }
  return [];
}

describe('peers[] and apiServer in a stack file', () => {
  test('throws at each reference to a service of the namespace that peers[] does not declare', () => {
    const found = problems({
      namespace: 'agents',
      ftes: [{ ...FTE, egress: ['kafka:9092', 'api.example.com:443', 'redis.agents.svc:6379', 'kafka.messaging.svc:9092'], ingressFrom: [{ service: 'fastapi', port: 8000 }] }],
      egressEnforcement: 'cilium',
      peers: [{ name: 'redis', resources: RES }],
    });
    expect(found).toEqual([
      expect.stringMatching(/^ftekit:environment\.ftes\[0\]\.egress\[0\]: names service "kafka" in namespace agents, whose default deny ftekit manages, but peers has no entry "kafka"; expected a peers\[\] entry/),
      expect.stringMatching(/^ftekit:environment\.ftes\[0\]\.ingressFrom\[0\]\.service: names service "fastapi"/),
    ]);
  });

  test('throws when a peer has no resources, and when a flow uses a port the peer does not list', () => {
    const found = problems({
      namespace: 'agents',
      ftes: [{ ...FTE, egress: ['kafka:9093'] }],
      peers: [{ name: 'kafka', ports: [9092], resources: RES }, { name: 'redis' }],
    });
    expect(found).toEqual([
      expect.stringMatching(/^ftekit:environment\.ftes\[0\]\.egress\[0\]: 9093 is not a port of service kafka \(9092\)/),
      expect.stringMatching(/^ftekit:environment\.peers\[1\]\.resources: is missing; expected \{ cpu: \{ request, limit \}, memory: \{ request, limit \} \} of one pod/),
    ]);
  });

  test('throws at the FTE\'s apiAccess when the API server endpoint is missing under standard NetworkPolicy', () => {
    const found = problems({ namespace: 'agents', egressEnforcement: 'gke-fqdn', ftes: [{ ...FTE, apiAccess: ['manage-sandbox-claims'] }] });
    expect(found).toEqual([expect.stringMatching(/^ftekit:environment\.ftes\[0\]\.apiAccess: is missing; API access needs egress to the Kubernetes API server/)]);
  });

  test('a peer with custom labels: both sides select its pods by them, and its pods count in the quota', () => {
    const spec = specFromStackConfig('lab', {
      'ftekit:environment': {
        namespace: 'agents',
        quotaHeadroom: 1,
        ftes: [{ ...FTE, egress: ['kafka:9092'] }],
        peers: [{ name: 'kafka', labels: { 'strimzi.io/cluster': 'events' }, replicas: 3, resources: { cpu: { request: '1', limit: '2' }, memory: { request: '1Gi', limit: '2Gi' } } }],
      },
    }, FILE);
    const charts = buildEnvironment(new App(), spec);
    const objs = Testing.synth(charts.ftes);
    const fte = objs.find((o) => o.metadata.name === 'analyst-allowlist');
    expect(fte.spec.egress[1]).toEqual({ to: [{ podSelector: { matchLabels: { 'strimzi.io/cluster': 'events' } } }], ports: [{ protocol: 'TCP', port: 9092 }] });
    const kafka = objs.find((o) => o.metadata.name === 'kafka-allowlist');
    expect(kafka.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { 'ftekit.dev/workload': 'analyst' } } }], ports: [{ protocol: 'TCP', port: 9092 }] }]);
    const quota = objs.find((o) => o.kind === 'ResourceQuota');
    // 1 FTE pod + 3 kafka pods; 100m + 3 x 1 CPU requested.
    expect(quota.spec.hard.pods).toBe('4');
    expect(quota.spec.hard['requests.cpu']).toBe('4');
  });
});
