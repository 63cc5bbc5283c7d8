import { Size } from 'cdk8s';
import { FteNamespace, FteSandbox, FteSandboxProps, ImagePullPolicy, SandboxPool, SkillsVolume, Workspace } from '../src';
import { evaluatePolicy } from '../src/policy/engine';
import { KubernetesVersion } from '../src/policy/kubernetes-version';
import { IMAGE, RESOURCES } from './support/fixtures';
import { errorOf } from './support/oracle';
import { describeWithShared, expectSchemaValid } from './support/schema';
import { chart, one, podSpecOf, synth } from './support/synth';

const base: FteSandboxProps = { image: IMAGE, resources: RESOURCES };

describe('SkillsVolume', () => {
  test('image: an image volume mounted read-only at /skills, with the policy exception naming the Kubernetes version', () => {
    const objs = synth((c) => new FteSandbox(c, 'agent', { ...base, skills: SkillsVolume.image('registry.example/skills:1.2.0') }));
    const sb = one(objs, 'Sandbox', 'agent');
    const pod = podSpecOf(sb);
    expect(pod.volumes).toContainEqual({ name: 'skills', image: { reference: 'registry.example/skills:1.2.0', pullPolicy: 'IfNotPresent' } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'skills', mountPath: '/skills', readOnly: true });
    expect(sb.metadata.annotations['policy.ftekit.dev/exception.pss-volume-types']).toMatch(/Pod Security restricted admits image volumes from Kubernetes 1\.33.*ImageVolume feature gate/);
  });

  test('claim: an existing claim, read-only in the volume and the mount, at a configurable path; no exception', () => {
    const objs = synth((c) => new SandboxPool(c, 'pool', { ...base, skills: SkillsVolume.claim('skills', { readOnly: true, size: Size.gibibytes(5), mountPath: '/opt/tools' }) }));
    const t = one(objs, 'SandboxTemplate', 'pool');
    const pod = podSpecOf(t);
    expect(pod.volumes).toContainEqual({ name: 'skills', persistentVolumeClaim: { claimName: 'skills', readOnly: true } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'skills', mountPath: '/opt/tools', readOnly: true });
    expect(t.metadata.annotations).toBeUndefined();
  });

  test('a claim counts once in the namespace quota and LimitRange, however many workloads mount it', () => {
    const quota = (skills?: SkillsVolume, twice = false): { hard: Record<string, string>; pvcMax: string | undefined } => {
      const objs = synth((c) => {
        new FteNamespace(c, 'ns', { quotaHeadroom: 1 });
        new FteSandbox(c, 'a', { ...base, workspace: Workspace.persistent({ size: Size.gibibytes(10) }), skills });
        if (twice) new FteSandbox(c, 'b', { ...base, workspace: Workspace.persistent({ size: Size.gibibytes(10) }), skills });
      });
      const limits = one(objs, 'LimitRange', 'ftekit-limits').spec.limits;
      return { hard: one(objs, 'ResourceQuota', 'ftekit-quota').spec.hard, pvcMax: limits.find((l: any) => l.type === 'PersistentVolumeClaim')?.max.storage };
    };
    const without = quota();
    expect(without.hard.persistentvolumeclaims).toBe('1');
    expect(without.hard['requests.storage']).toBe('10Gi');
    expect(without.pvcMax).toBe('10Gi');
    // A 20Gi skills claim: one more claim, 20Gi more storage, and the LimitRange admits a 20Gi claim.
    const big = SkillsVolume.claim('skills', { readOnly: true, size: Size.gibibytes(20) });
    const withClaim = quota(big);
    expect(withClaim.hard.persistentvolumeclaims).toBe('2');
    expect(withClaim.hard['requests.storage']).toBe('30Gi');
    expect(withClaim.pvcMax).toBe('20Gi');
    // Two sandboxes share it: their workspaces count twice, the skills claim once.
    const shared = quota(big, true);
    expect(shared.hard.persistentvolumeclaims).toBe('3');
    expect(shared.hard['requests.storage']).toBe('40Gi');
    // An image volume is not a claim.
    expect(quota(SkillsVolume.image('r/s:1')).hard.persistentvolumeclaims).toBe('1');
  });

  test('the gate refuses an image volume before 1.33 and admits it from 1.33; the construct output is excepted with its reason', () => {
    const objs = synth((c) => {
      new FteNamespace(c, 'ns');
      new FteSandbox(c, 'agent', { ...base, skills: SkillsVolume.image('registry.example/skills@sha256:' + 'a'.repeat(64), { pullPolicy: ImagePullPolicy.ALWAYS }) });
    });
    const floor = evaluatePolicy(objs);
    expect(floor.findings).toEqual([]);
    expect(floor.excepted.map((f) => [f.ruleId, f.path])).toEqual([['pss-volume-types', 'spec.podTemplate.spec.volumes[1].image']]);
    const bare = JSON.parse(JSON.stringify(objs));
    delete one(bare, 'Sandbox').metadata.annotations;
    const at = (v: string): string[] => evaluatePolicy(bare, { kubernetesVersion: KubernetesVersion.of(v) }).findings.map((f) => `${f.ruleId}: ${f.message}`);
    expect(at('1.32')).toEqual([expect.stringMatching(/^pss-volume-types: volume "skills" is an image volume, which Pod Security restricted allows from Kubernetes 1\.33, not 1\.32/)]);
    expect(at('1.33')).toEqual([]);
    expect(at('1.37')).toEqual([]);
  });

  test.each([
    ['skills.image', SkillsVolume.image('registry.example/skills'), /image "registry.example\/skills" is not pinned/],
    ['skills.image', SkillsVolume.image('registry.example/skills:latest'), /mutable tag "latest"/],
    ['skills.pullPolicy', SkillsVolume.image('r/s:1', { pullPolicy: 'Sometimes' as ImagePullPolicy }), /"Sometimes" is not an ImagePullPolicy/],
    ['skills.claim', SkillsVolume.claim('Skills_PVC', { readOnly: true, size: Size.gibibytes(5) }), /the name of a PersistentVolumeClaim/],
    ['skills.readOnly', SkillsVolume.claim('skills', { readOnly: false as true, size: Size.gibibytes(5) }), /false is not true; skills are always mounted read-only/],
    ['skills.mountPath', SkillsVolume.claim('skills', { readOnly: true, size: Size.gibibytes(5), mountPath: 'skills' }), /not a valid mount path/],
    ['skills.size', SkillsVolume.claim('skills', { readOnly: true } as never), /undefined is not a Size; expected the claim's requested storage/],
    ['skills.size', SkillsVolume.claim('skills', { readOnly: true, size: Size.kibibytes(4) }), /"4Ki" is too small/],
    ['skills.mountPath', SkillsVolume.image('r/s:1', { mountPath: '/tmp' }), /"\/tmp" is taken/],
    ['skills.mountPath', SkillsVolume.image('r/s:1', { mountPath: '/workspace' }), /"\/workspace" is the workspace's mount path/],
    ['skills', 'registry/skills:1.2.0' as unknown as SkillsVolume, /is not a SkillsVolume; expected SkillsVolume.image/],
  ] as const)('throws when %s is wrong (%#), naming FteSandbox and the field', (field, skills, message) => {
    const e = errorOf(() => new FteSandbox(chart(), 'agent', { ...base, skills }));
    expect(e.problems.map((p) => p.field)).toContain(field);
    expect(e.message).toMatch(/FteSandbox/);
    expect(e.message).toMatch(message);
  });

  test('throws when the skills mount takes a secret mount\'s path, together with other problems', () => {
    const e = errorOf(() => new SandboxPool(chart(), 'pool', {
      ...base, image: 'x', workspace: Workspace.ephemeral({ mountPath: '/data' }),
      secretMounts: [{ secretName: 's', mountPath: '/skills' } as never],
      skills: SkillsVolume.image('r/s'),
    }));
    expect(e.problems.map((p) => p.field)).toEqual(expect.arrayContaining(['image', 'skills.image', 'skills.mountPath']));
    expect(e.message).toMatch(/"\/skills" is secretMounts\[0\]'s mount path/);
  });
});

describeWithShared('SkillsVolume schema', () => {
  test('a Sandbox with an image volume and a SandboxTemplate with a claim validate against the agent-sandbox CRDs', () => {
    const objs = synth((c) => {
      new FteSandbox(c, 'agent', { ...base, skills: SkillsVolume.image('registry.example/skills:1.2.0') });
      new SandboxPool(c, 'pool', { ...base, skills: SkillsVolume.claim('skills', { readOnly: true, size: Size.gibibytes(5) }) });
    });
    expectSchemaValid(objs);
  });
});
