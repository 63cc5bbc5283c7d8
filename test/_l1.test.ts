import { ApiObject, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { ClusterScoped } from '../src';
import { isClusterScoped, KubeNamespace, KubeRuntimeClass, Sandbox, ValidatingAdmissionPolicy } from '../src/_l1';
import { chart } from './support/synth';

describe('hand-written typed L1', () => {
  test('cluster-scoped kinds never carry the chart namespace, and say so', () => {
    const c = chart('ns');
    const rc = new KubeRuntimeClass(c, 'rc', { metadata: { name: 'gvisor' }, handler: 'runsc' });
    const ns = new KubeNamespace(c, 'n', { metadata: { name: 'agents' } });
    const vap = new ValidatingAdmissionPolicy(c, 'vap', { metadata: { name: 'p' }, spec: { failurePolicy: 'Fail' } });
    const namespaced = new k8s.KubeServiceAccount(c, 'sa', { metadata: { name: 'sa' } });
    expect(Testing.synth(c).map((o) => [o.kind, o.metadata.namespace])).toEqual([
      ['RuntimeClass', undefined], ['Namespace', undefined], ['ValidatingAdmissionPolicy', undefined], ['ServiceAccount', 'ns'],
    ]);
    expect([rc, ns, vap, namespaced].map((o: ApiObject) => isClusterScoped(o))).toEqual([true, true, true, false]);
    expect(vap.toJson().apiVersion).toBe('admissionregistration.k8s.io/v1');
  });

  test('a Sandbox pod template is a k8s.PodSpec serialised by the L1 (JSON names, quantities as strings)', () => {
    const c = chart('ns');
    new Sandbox(c, 'sb', {
      metadata: { name: 'sb' },
      spec: {
        podTemplate: { spec: { hostPid: false, containers: [{ name: 'agent', resources: { limits: { cpu: k8s.Quantity.fromString('500m') } } }] } },
        volumeClaimTemplates: [{ metadata: { name: 'workspace' }, spec: { resources: { requests: { storage: k8s.Quantity.fromString('10Gi') } } } }],
        service: true,
        operatingMode: 'Running',
      },
    });
    const [sb] = Testing.synth(c);
    expect(sb.spec).toEqual({
      operatingMode: 'Running',
      podTemplate: { spec: { hostPID: false, containers: [{ name: 'agent', resources: { limits: { cpu: '500m' } } }] } },
      service: true,
      volumeClaimTemplates: [{ metadata: { name: 'workspace' }, spec: { resources: { requests: { storage: '10Gi' } } } }],
    });
    // Keys in the alphabetical order the generated serialisers use, so output is stable.
    expect(Object.keys(sb.spec)).toEqual(['operatingMode', 'podTemplate', 'service', 'volumeClaimTemplates']);
  });
});

describe('ClusterScoped (public, untyped)', () => {
  test('drops the chart namespace after JSON patches', () => {
    const c = chart('ns');
    const obj = new ClusterScoped(c, 'role', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' }, rules: [] });
    expect(isClusterScoped(obj)).toBe(true);
    expect(Testing.synth(c)[0].metadata).toEqual({ name: 'r' });
  });
});
