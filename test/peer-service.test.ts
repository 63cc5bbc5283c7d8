import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { ApiAccess, EgressEnforcement, FteNamespace, FteSandbox, FteValidationError, PeerService, Port } from '../src';
import { IMAGE, RESOURCES } from './support/fixtures';
import { errorOf } from './support/oracle';
import { chart, one, synth } from './support/synth';

const KAFKA_POD = { cpu: { request: Cpu.millis(500), limit: Cpu.units(3) }, memory: { request: Size.gibibytes(2), limit: Size.gibibytes(6) } };

describe('PeerService', () => {
  test('opens the service\'s side of each flow on a policy selecting its pods by their labels', () => {
    const objs = synth((c) => {
      const analyst = new FteSandbox(c, 'analyst', { image: IMAGE, resources: RESOURCES, ports: [{ number: 8000 }] });
      const kafka = new PeerService(c, 'kafka', { podLabels: { 'strimzi.io/cluster': 'events' }, ports: [9092], resources: KAFKA_POD });
      kafka.allowFrom(analyst, Port.tcp(9092));
      const fastapi = new PeerService(c, 'fastapi', { resources: RESOURCES });
      fastapi.allowTo(analyst, Port.tcp(8000));
    });
    const kafka = one(objs, 'NetworkPolicy', 'kafka-allowlist');
    expect(kafka.spec.podSelector).toEqual({ matchLabels: { 'strimzi.io/cluster': 'events' } });
    expect(kafka.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(kafka.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { 'ftekit.dev/workload': 'analyst' } } }], ports: [{ protocol: 'TCP', port: 9092 }] }]);
    // DNS only on the way out.
    expect(kafka.spec.egress).toHaveLength(1);
    const fastapi = one(objs, 'NetworkPolicy', 'fastapi-allowlist');
    expect(fastapi.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'fastapi' } });
    expect(fastapi.spec.ingress).toBeUndefined();
    expect(fastapi.spec.egress[1]).toEqual({ to: [{ podSelector: { matchLabels: { 'ftekit.dev/workload': 'analyst' } } }], ports: [{ protocol: 'TCP', port: 8000 }] });
  });

  test('its replicas x resources count in the quota, and the LimitRange admits its pods', () => {
    const objs = synth((c) => {
      new FteNamespace(c, 'ns', { quotaHeadroom: 1 });
      new PeerService(c, 'kafka', { replicas: 3, resources: KAFKA_POD });
    });
    const hard = one(objs, 'ResourceQuota', 'ftekit-quota').spec.hard;
    expect(hard.pods).toBe('3');
    expect(hard['requests.cpu']).toBe('2');   // 1.5 rounded up to whole cores
    expect(hard['limits.cpu']).toBe('9');
    expect(hard['requests.memory']).toBe('6Gi');
    expect(hard['limits.memory']).toBe('18Gi');
    const max = one(objs, 'LimitRange', 'ftekit-limits').spec.limits[0].max;
    expect(max).toEqual({ cpu: '3', memory: '6Gi' });
  });

  test('throws when a flow uses a port the service does not listen on', () => {
    const c = chart();
    const analyst = new FteSandbox(c, 'analyst', { image: IMAGE, resources: RESOURCES });
    const redis = new PeerService(c, 'redis', { ports: [6379], resources: RESOURCES });
    expect(() => redis.allowFrom(analyst, Port.tcp(6380))).toThrow(/PeerService at 'test\/redis': allowFrom: 6380 is not a port of service redis \(6379\); expected one it listens on/);
  });

  test('throws every bad prop in one error', () => {
    const err = errorOf(() => new PeerService(chart(), 'kafka', { name: 'Kafka!', podLabels: {}, ports: [0], replicas: 0, resources: { ...RESOURCES, cpu: { request: Cpu.units(2), limit: Cpu.units(1) } } }));
    expect(err).toBeInstanceOf(FteValidationError);
    expect(err.problems.map((p) => p.field)).toEqual(['name', 'podLabels', 'ports[0]', 'replicas', 'resources.cpu']);
    expect(err.message).toMatch(/podLabels: is empty; expected the labels of the service's pods/);
  });
});

describe('API server egress of apiAccess', () => {
  test('standard NetworkPolicy: the endpoint addresses and port', () => {
    const objs = synth((c) => new FteSandbox(c, 'orchestrator', { image: IMAGE, resources: RESOURCES, apiAccess: [ApiAccess.MANAGE_SANDBOX_CLAIMS], apiServer: { cidrs: ['172.16.0.2/32', '172.16.0.3/32'], port: 443 } }));
    const egress = one(objs, 'NetworkPolicy', 'orchestrator-allowlist').spec.egress;
    expect(egress.slice(1)).toEqual([
      { to: [{ ipBlock: { cidr: '172.16.0.2/32' } }], ports: [{ protocol: 'TCP', port: 443 }] },
      { to: [{ ipBlock: { cidr: '172.16.0.3/32' } }], ports: [{ protocol: 'TCP', port: 443 }] },
    ]);
  });

  test('Cilium: the kube-apiserver entity, no addresses needed', () => {
    const objs = synth((c) => new FteSandbox(c, 'orchestrator', { image: IMAGE, resources: RESOURCES, apiAccess: [ApiAccess.MANAGE_SANDBOX_CLAIMS], egressEnforcement: EgressEnforcement.CILIUM }));
    const cnp = one(objs, 'CiliumNetworkPolicy', 'orchestrator-fqdn');
    expect(cnp.spec.egress).toContainEqual({ toEntities: ['kube-apiserver'] });
    expect(one(objs, 'NetworkPolicy', 'orchestrator-allowlist').spec.egress).toHaveLength(1);
  });

  test('no API access, no API server egress', () => {
    const objs = synth((c) => new FteSandbox(c, 'analyst', { image: IMAGE, resources: RESOURCES, apiServer: { cidrs: ['172.16.0.2/32'], port: 443 } }));
    expect(one(objs, 'NetworkPolicy', 'analyst-allowlist').spec.egress).toHaveLength(1);
  });

  test('throws when apiAccess has no API server endpoint under standard NetworkPolicy', () => {
    expect(() => new FteSandbox(chart(), 'orchestrator', { image: IMAGE, resources: RESOURCES, apiAccess: [ApiAccess.MANAGE_SANDBOX_CLAIMS], egressEnforcement: EgressEnforcement.GKE_FQDN }))
      .toThrow(/FteSandbox at 'test\/orchestrator': apiServer: is missing; API access needs egress to the Kubernetes API server, which a standard NetworkPolicy can only allow by address/);
    expect(() => new FteSandbox(chart(), 'orchestrator', { image: IMAGE, resources: RESOURCES, apiAccess: [ApiAccess.MANAGE_SANDBOX_CLAIMS], apiServer: { cidrs: ['172.16.0.300/32'], port: 443 } }))
      .toThrow(/apiServer: .*cidrs: /);
  });
});
