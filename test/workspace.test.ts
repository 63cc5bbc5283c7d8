import { Size } from 'cdk8s';
import { FteSandbox, FteValidationError, SandboxPool, Workspace } from '../src';
import { IMAGE, RESOURCES } from './support/fixtures';
import { chart, one, synth } from './support/synth';

describe('Workspace', () => {
  test('restoreFrom: the claim template is created from the VolumeSnapshot (dataSource)', () => {
    const objs = synth((c) => new FteSandbox(c, 'agent', { image: IMAGE, resources: RESOURCES, workspace: Workspace.persistent({ size: Size.gibibytes(20), restoreFrom: 'workspace-agent-daily-202612010300' }) }));
    expect(one(objs, 'Sandbox').spec.volumeClaimTemplates[0].spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '20Gi' } },
      dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'workspace-agent-daily-202612010300' },
    });
  });

  test('without restoreFrom there is no dataSource (existing output unchanged)', () => {
    const objs = synth((c) => new SandboxPool(c, 'pool', { image: IMAGE, resources: RESOURCES, workspace: Workspace.persistent() }));
    expect(one(objs, 'SandboxTemplate').spec.volumeClaimTemplates[0].spec.dataSource).toBeUndefined();
  });

  test('throws when restoreFrom is not an object name, naming the workload and field', () => {
    let e: unknown;
    try {
      new FteSandbox(chart(), 'agent', { image: IMAGE, resources: RESOURCES, workspace: Workspace.persistent({ restoreFrom: 'Snap shot' }) });
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(FteValidationError);
    expect((e as FteValidationError).message).toMatch(/FteSandbox at 'test\/agent': workspace: restoreFrom: "Snap shot" .*\(the name of a VolumeSnapshot in the namespace\)/);
  });
});
