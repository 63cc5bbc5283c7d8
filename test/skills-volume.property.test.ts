import { Size } from 'cdk8s';
import * as fc from 'fast-check';
import { FteSandbox, SandboxPool, SkillsVolume, Workspace } from '../src';
import { IMAGE, RESOURCES } from './support/fixtures';
import { describeWithShared } from './support/schema';
import { dnsLabel } from './support/arbitraries';
import { bad, Case, caseRecord, checkCase, good, mix, optional, params } from './support/cases';
import { synth } from './support/synth';

describeWithShared('SkillsVolume properties', () => {
  test('skills: a pinned image or a claim is mounted read-only wherever asked; an unpinned image is refused naming skills.image', () => {
    const skills: fc.Arbitrary<Case<{ image?: string; claim?: string; mountPath: string; pool: boolean }>> = caseRecord({
      image: optional(mix(good(fc.tuple(fc.constantFrom('skills', 'fte-tools', 'a', 'team_x/skills'), fc.integer({ min: 0, max: 99 })).map(([n, v]) => `ghcr.io/acme/${n}:1.${v}.0`)),
        bad(fc.constantFrom('ghcr.io/acme/skills', 'ghcr.io/acme/skills:latest', 'ghcr.io/acme/Skills:1'), 'skills.image'), 4)),
      claim: optional(good(dnsLabel)),
      mountPath: mix(good(dnsLabel.map((n) => `/opt/${n}`)), bad(fc.constantFrom('relative', '/tmp', '/workspace', '/a/../b'), 'skills.mountPath'), 3),
      pool: good(fc.boolean()),
    });
    fc.assert(fc.property(skills, (c) => {
      const volume = (v: { image?: string; claim?: string; mountPath: string }): SkillsVolume => (v.image !== undefined
        ? SkillsVolume.image(v.image, { mountPath: v.mountPath }) : SkillsVolume.claim(v.claim ?? 'skills', { readOnly: true, size: Size.gibibytes(2), mountPath: v.mountPath }));
      const kase = c.value.image === undefined ? { ...c, problems: c.problems.filter((p) => !p.includes('skills.image')) } : c;
      checkCase(kase, (v) => synth((chart) => (v.pool
        ? new SandboxPool(chart, 'w', { image: IMAGE, resources: RESOURCES, skills: volume(v), workspace: Workspace.persistent() })
        : new FteSandbox(chart, 'w', { image: IMAGE, resources: RESOURCES, skills: volume(v) }))), (v, objs) => {
        const o = objs.find((x) => x.kind === (v.pool ? 'SandboxTemplate' : 'Sandbox'));
        const pod = o.spec.podTemplate.spec;
        expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'skills', mountPath: v.mountPath, readOnly: true });
        expect(pod.volumes).toContainEqual(v.image !== undefined
          ? { name: 'skills', image: { reference: v.image, pullPolicy: 'IfNotPresent' } }
          : { name: 'skills', persistentVolumeClaim: { claimName: v.claim ?? 'skills', readOnly: true } });
      });
    }), params(100));
  });
});
