import { Size } from 'cdk8s';
import { FteNamespace, FteSandbox, FteValidationError, SandboxPool, SandboxRuntime, Workspace, OperatingMode } from '../src';
import { Cpu } from 'cdk8s-plus-28';
import { IMAGE, RESOURCES } from './support/fixtures';
import { describeWithShared, expectSchemaValid } from './support/schema';
import { chart, one, synth } from './support/synth';

describe('FteNamespace', () => {
  test('restricted Pod Security labels, default deny with DNS, and no namespace on the Namespace', () => {
    const objs = synth((c) => new FteNamespace(c, 'ns'), 'agents');
    const ns = one(objs, 'Namespace', 'agents');
    expect(ns.metadata.namespace).toBeUndefined();
    expect(ns.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted',
    });
    const deny = one(objs, 'NetworkPolicy', 'default-deny');
    expect(deny.metadata.namespace).toBe('agents');
    expect(deny.spec.podSelector).toEqual({});
    expect(deny.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(deny.spec.ingress).toBeUndefined();
    expect(deny.spec.egress).toEqual([{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
    }]);
  });

  test('quota and limits are derived from the workloads, runtime overhead included', () => {
    const objs = synth((c) => {
      new FteNamespace(c, 'ns');
      // 2 CPU / 4Gi limits, 500m / 1Gi requests, 10Gi workspace, Kata QEMU (250m / 160Mi overhead)
      new FteSandbox(c, 'analyst', {
        image: IMAGE, runtime: SandboxRuntime.KATA_QEMU,
        resources: { cpu: { request: Cpu.millis(500), limit: Cpu.units(2) }, memory: { request: Size.gibibytes(1), limit: Size.gibibytes(4) } },
      });
      new FteSandbox(c, 'idle', { image: IMAGE, resources: RESOURCES, operatingMode: OperatingMode.SUSPENDED, workspace: Workspace.persistent({ size: Size.gibibytes(20) }) });
      const pool = new SandboxPool(c, 'pool', { image: IMAGE, resources: RESOURCES, replicas: 3, workspace: Workspace.ephemeral() });
      pool.claim('a');
    });
    const hard = one(objs, 'ResourceQuota', 'ftekit-quota').spec.hard;
    // pods: 1 + 0 + (3 + 1) = 5 -> x1.25 = 6.25 -> 7
    expect(hard.pods).toBe('7');
    // cpu requests: (500+250) + 4 x 250 = 1750m -> x1.25 = 2187.5m -> 3 cores
    expect(hard['requests.cpu']).toBe('3');
    // cpu limits: (2000+250) + 4 x 1000 = 6250m -> 7812.5m -> 8 cores
    expect(hard['limits.cpu']).toBe('8');
    // memory limits: (4Gi + 160Mi) + 4 x 1Gi = 8352Mi -> x1.25 = 10440Mi -> 11Gi
    expect(hard['limits.memory']).toBe('11Gi');
    // PVCs: analyst + idle (suspended keeps its workspace); the pool's are ephemeral
    expect(hard.persistentvolumeclaims).toBe('3');
    expect(hard['requests.storage']).toBe('38Gi');
    const limits = one(objs, 'LimitRange', 'ftekit-limits').spec.limits;
    expect(limits[0]).toMatchObject({ type: 'Container', max: { cpu: '2', memory: '4Gi' }, default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' } });
    expect(limits[1]).toEqual({ type: 'PersistentVolumeClaim', max: { storage: '20Gi' } });
  });

  test('explicit quota fields win over derived ones', () => {
    const objs = synth((c) => {
      new FteNamespace(c, 'ns', { quota: { pods: 50, limitsCpu: Cpu.units(64), requestsStorage: Size.tebibytes(1) }, quotaHeadroom: 1 });
      new FteSandbox(c, 'a', { image: IMAGE, resources: RESOURCES });
    });
    const hard = one(objs, 'ResourceQuota').spec.hard;
    expect(hard).toMatchObject({ 'pods': '50', 'limits.cpu': '64', 'requests.storage': '1Ti', 'requests.cpu': '1' });
  });

  describe('throws when', () => {
    test('clusterDns, containerDefaults or an explicit quota amount is invalid', () => {
      expect(() => new FteNamespace(chart(), 'ns', { clusterDns: { namespace: 'Kube_System' } })).toThrow(/FteNamespace at 'test\/ns': clusterDns.namespace: "Kube_System" is not a valid name/);
      expect(() => new FteNamespace(chart(), 'ns', { clusterDns: { podLabels: {} } })).toThrow(/clusterDns.podLabels: is empty/);
      expect(() => new FteNamespace(chart(), 'ns', { containerDefaults: { cpuRequest: Cpu.millis(600) } })).toThrow(/containerDefaults\.cpu: request 600m is greater than the limit 500m/);
      expect(() => new FteNamespace(chart(), 'ns', { quota: { requestsCpu: Cpu.millis(-100) } })).toThrow(/quota.requestsCpu: "-100m" is not a positive whole number of millicores/);
      expect(() => new FteNamespace(chart(), 'ns', { quota: { limitsMemory: Size.kibibytes(0.3) } })).toThrow(/quota.limitsMemory: 307.2 bytes is not a positive whole number of bytes/);
    });
    test('the namespace is a system or operator namespace', () => {
      for (const ns of ['kube-system', 'default', 'kube-foo', 'dapr-system']) {
        expect(() => new FteNamespace(chart(ns), 'ns')).toThrow(`FteNamespace at 'test/ns': name: "${ns}" is a system or operator namespace`);
      }
    });
    test('quotaShortfall names an explicit amount below what the workloads need', () => {
      const c = chart();
      const ns = new FteNamespace(c, 'ns', { quota: { pods: 0, limitsCpu: Cpu.units(100) } });
      expect(ns.quotaShortfall()).toBeUndefined();
      new FteSandbox(c, 'agent', { image: IMAGE, resources: RESOURCES });
      expect(ns.quotaShortfall()).toEqual(['pods', "0 is less than the 1 the namespace's workloads need; expected at least that (or leave it out to derive it)"]);
      const d = chart();
      const fits = new FteNamespace(d, 'ns', { quota: { pods: 1 } });
      new FteSandbox(d, 'agent', { image: IMAGE, resources: RESOURCES });
      expect(fits.quotaShortfall()).toBeUndefined();
    });
    test('there is no name to use', () => {
      expect(() => new FteNamespace(chart(null), 'ns')).toThrow(/FteNamespace at 'test\/ns': name: is not set and the chart has no namespace/);
    });
    test('the name differs from the chart namespace, or is invalid', () => {
      expect(() => new FteNamespace(chart('agents'), 'ns', { name: 'other' })).toThrow(FteValidationError);
      expect(() => new FteNamespace(chart('agents'), 'ns', { name: 'other' })).toThrow(/name: "other" differs from the chart namespace "agents"/);
      expect(() => new FteNamespace(chart(null), 'ns', { name: 'Agents' })).toThrow(/name: "Agents" is not a valid name/);
    });
    test('headroom or quota counts are out of range', () => {
      expect(() => new FteNamespace(chart(), 'ns', { quotaHeadroom: 0.5 })).toThrow(/quotaHeadroom: 0.5 is out of range; expected a number from 1 to 10/);
      expect(() => new FteNamespace(chart(), 'ns', { quota: { pods: -3 } })).toThrow(/quota.pods: -3 is not a whole number >= 0/);
    });
  });
});

describeWithShared('FteNamespace schema', () => {
  test('schema-valid', () => {
    expectSchemaValid(synth((c) => {
      new FteNamespace(c, 'ns', { labels: { team: 'research' } });
      new FteSandbox(c, 'a', { image: IMAGE, resources: RESOURCES });
    }));
  });
});
