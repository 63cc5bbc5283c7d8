import { Size } from 'cdk8s';
import { FteValidationError, KataShim, RuntimeClasses, SandboxRuntime } from '../src';
import { Cpu } from 'cdk8s-plus-28';
import { expectProblems } from './support/oracle';
import { describeWithShared, expectSchemaValid } from './support/schema';
import { chart, ofKind, one, synth } from './support/synth';

describe('SandboxRuntime and RuntimeClasses', () => {
  test('gVisor and Kata tiers, cluster-scoped even inside a namespaced chart', () => {
    const objs = synth((c) => new RuntimeClasses(c, 'rc', { runtimes: [SandboxRuntime.GVISOR, SandboxRuntime.KATA_QEMU, SandboxRuntime.KATA_FC, SandboxRuntime.kata(KataShim.CLOUD_HYPERVISOR), SandboxRuntime.GVISOR] }), 'agents');
    expect(objs.map((o) => o.metadata.name)).toEqual(['gvisor', 'kata-qemu', 'kata-fc', 'kata-clh']);
    for (const o of objs) {
      expect(o.apiVersion).toBe('node.k8s.io/v1');
      expect(o.metadata.namespace).toBeUndefined();
    }
    expect(one(objs, 'RuntimeClass', 'gvisor')).toMatchObject({ handler: 'runsc' });
    expect(one(objs, 'RuntimeClass', 'gvisor').overhead).toBeUndefined();
    expect(one(objs, 'RuntimeClass', 'kata-qemu')).toMatchObject({
      handler: 'kata-qemu', overhead: { podFixed: { memory: '160Mi', cpu: '250m' } }, scheduling: { nodeSelector: { 'katacontainers.io/kata-runtime': 'true' } },
    });
    for (const name of ['kata-fc', 'kata-clh']) {
      expect(one(objs, 'RuntimeClass', name)).toMatchObject({ handler: name, overhead: { podFixed: { memory: '130Mi', cpu: '250m' } } });
    }
  });

  test('provider-managed runtimes (GKE Sandbox) and the unsandboxed opt-out emit no RuntimeClass', () => {
    const objs = synth((c) => new RuntimeClasses(c, 'rc', { runtimes: [SandboxRuntime.GKE_SANDBOX, SandboxRuntime.unsandboxedForLocalDevelopment('minikube without gvisor')] }));
    expect(objs).toHaveLength(0);
    expect(SandboxRuntime.GKE_SANDBOX.runtimeClassName).toBe('gvisor');
    expect(SandboxRuntime.unsandboxedForLocalDevelopment('x').sandboxed).toBe(false);
  });

  test('custom runtimes carry their own scheduling', () => {
    const aks = SandboxRuntime.custom('kata-vm-isolation', { nodeSelector: { 'kubernetes.azure.com/kata-vm-isolation': 'true' }, tolerations: [{ key: 'kata', value: 'enabled', effect: 'NoSchedule' }], overhead: { cpu: Cpu.millis(100), memory: Size.mebibytes(64) } });
    const rc = one(synth((c) => new RuntimeClasses(c, 'rc', { runtimes: [aks] })), 'RuntimeClass');
    expect(rc).toMatchObject({
      handler: 'kata-vm-isolation',
      overhead: { podFixed: { cpu: '100m', memory: '64Mi' } },
      scheduling: { nodeSelector: { 'kubernetes.azure.com/kata-vm-isolation': 'true' }, tolerations: [{ key: 'kata', operator: 'Equal', value: 'enabled', effect: 'NoSchedule' }] },
    });
    expect(ofKind(synth((c) => new RuntimeClasses(c, 'rc')), 'RuntimeClass').map((o) => o.metadata.name)).toEqual(['gvisor']);
  });

  describe('throws when', () => {
    test('several runtime names are taken twice with different handlers: one FteValidationError lists each', () => {
      const c = chart();
      expectProblems(() => new RuntimeClasses(c, 'rc', {
        runtimes: [SandboxRuntime.GVISOR, SandboxRuntime.custom('gvisor', { handler: 'a' }), SandboxRuntime.KATA_QEMU, SandboxRuntime.custom('kata-qemu', { handler: 'b' })],
      }), "RuntimeClasses at 'test/rc'", [
        ['runtimes', 'two runtimes are named "gvisor" with different handlers (runsc, a); expected unique names'],
        ['runtimes', 'two runtimes are named "kata-qemu" with different handlers (kata-qemu, b); expected unique names'],
      ]);
      expect(c.node.findAll().filter((n) => n.node.scope?.node.id === 'rc')).toEqual([]);
    });
    test('the unsandboxed opt-out has no reason', () => {
      expect(() => SandboxRuntime.unsandboxedForLocalDevelopment('  ')).toThrow(FteValidationError);
      expect(() => SandboxRuntime.unsandboxedForLocalDevelopment('')).toThrow(/unsandboxedForLocalDevelopment: reason is empty; expected a sentence/);
    });
    test('a custom runtime name or handler is invalid', () => {
      expect(() => SandboxRuntime.custom('My Runtime')).toThrow(/SandboxRuntime "My Runtime": "My Runtime" is not a valid name/);
      expect(() => SandboxRuntime.custom('ok', { handler: 'Bad_Handler' })).toThrow(/"Bad_Handler" is not a valid name/);
    });
    test('a toleration, the overhead or the default handler is invalid', () => {
      expect(() => SandboxRuntime.custom('x', { tolerations: [{ key: 'k', value: 'v', effect: 'Sometimes' }] })).toThrow(/tolerations: effect "Sometimes" is not one of NoSchedule/);
      expect(() => SandboxRuntime.custom('x', { tolerations: [{ key: 'Bad Key', value: 'v', effect: 'NoSchedule' }] })).toThrow(/tolerations: "Bad Key" is not a valid label key/);
      expect(() => SandboxRuntime.custom('x', { overhead: { cpu: Cpu.millis(0), memory: Size.mebibytes(64) } })).toThrow(/overhead "0m" \/ 67108864 bytes is invalid/);
      // A dotted RuntimeClass name is fine, but the CRI handler it defaults to must be a DNS label.
      expect(() => SandboxRuntime.custom('kata.vm')).toThrow(/"kata.vm" is not a valid name; expected an RFC 1123 label/);
      expect(SandboxRuntime.custom('kata.vm', { handler: 'kata' }).handler).toBe('kata');
    });
    test('two runtimes share a name with different handlers, or none is given', () => {
      const clash = SandboxRuntime.custom('gvisor', { handler: 'other' });
      expect(() => new RuntimeClasses(chart(), 'rc', { runtimes: [SandboxRuntime.GVISOR, clash] })).toThrow(/RuntimeClasses at 'test\/rc': runtimes: two runtimes are named "gvisor" with different handlers \(runsc, other\)/);
      expect(() => new RuntimeClasses(chart(), 'rc', { runtimes: [] })).toThrow(/runtimes: is empty/);
    });
  });
});

describeWithShared('RuntimeClasses schema', () => {
  test('schema-valid', () => {
    expectSchemaValid(synth((c) => new RuntimeClasses(c, 'rc', { runtimes: [SandboxRuntime.GVISOR, SandboxRuntime.KATA_QEMU, SandboxRuntime.custom('x', { tolerations: [{ key: 'a', value: 'b', effect: 'NoSchedule' }] })] }), null));
  });
});
