import * as path from 'path';
import { environmentFlows, flowKey } from '../../src/environment/flows';
import { loadStackSpec, specFromStackConfig } from '../../src/environment/stack-files';

const STACKS = path.resolve(__dirname, '../../stacks');

describe('environmentFlows', () => {
  const prod = environmentFlows(loadStackSpec(STACKS, 'prod')).map(flowKey);

  test('prod: peers in the namespace, pools, API server, Dapr and scrapes, each once', () => {
    expect(prod).toEqual(expect.arrayContaining([
      'digital-ftes/research-analyst -> digital-ftes/kafka 9092/TCP',
      'digital-ftes/research-analyst -> digital-ftes/redis 6379/TCP',
      'digital-ftes/fastapi -> digital-ftes/research-analyst 8000/TCP',
      'digital-ftes/orchestrator -> digital-ftes/code-exec 8080/TCP',
      'digital-ftes/orchestrator -> 172.16.0.2/32 443/TCP',
      'digital-ftes/research-analyst-worker -> digital-ftes/kafka 9092/TCP',
      'digital-ftes/research-analyst-worker -> dapr-system/dapr-sentry 50001/TCP',
      'digital-ftes/research-analyst-worker -> digital-ftes/research-analyst-worker 50002/TCP',
      'monitoring/* -> digital-ftes/research-analyst-worker 9090/TCP',
      'monitoring/* -> digital-ftes/research-analyst-worker 9100/TCP',
      'digital-ftes/research-analyst -> api.anthropic.com 443/TCP',
      'digital-ftes/kafka -> kube-system/kube-dns 53/UDP',
    ]));
    expect(new Set(prod).size).toBe(prod.length);
    // Nothing the spec does not ask for: no flow out of a peer but DNS and fastapi's call.
    expect(prod.filter((k) => /^digital-ftes\/(kafka|redis|fastapi) /.test(k) && !/kube-dns/.test(k))).toEqual(['digital-ftes/fastapi -> digital-ftes/research-analyst 8000/TCP']);
  });

  test('dev: hostnames under the public fallback are public addresses on their port', () => {
    const dev = environmentFlows(loadStackSpec(STACKS, 'dev')).map(flowKey);
    expect(dev).toContain('digital-ftes/research-analyst -> 0.0.0.0/0 except 10.0.0.0/8,100.64.0.0/10,127.0.0.0/8,169.254.0.0/16,172.16.0.0/12,192.168.0.0/16 443/TCP');
    expect(dev.some((k) => k.includes('api.anthropic.com'))).toBe(false);
  });

  test('Cilium: apiAccess reaches the kube-apiserver entity', () => {
    const spec = specFromStackConfig('lab', {
      'ftekit:environment': {
        namespace: 'agents',
        egressEnforcement: 'cilium',
        ftes: [{ name: 'orchestrator', image: 'ghcr.io/acme/o:1.0.0', resources: { cpu: { request: '100m', limit: '1' }, memory: { request: '128Mi', limit: '256Mi' } }, apiAccess: ['manage-sandbox-claims'] }],
      },
    }, 'stacks/Pulumi.lab.yaml');
    expect(environmentFlows(spec).map(flowKey)).toContain('agents/orchestrator -> entity:kube-apiserver */TCP');
  });
});
