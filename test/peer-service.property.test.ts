import * as fc from 'fast-check';
import { FteNamespace, FteSandbox, PeerService, Port } from '../src';
import { IMAGE, RESOURCES } from './support/fixtures';
import { describeWithShared } from './support/schema';
import { badServiceName, cpuRecipeMillis, labelsCase, resourcesCase, resourcesOf, serviceName, sizeRecipeBytes } from './support/arbitraries';
import { bad, Case, caseRecord, checkCase, good, mix, optional, params, withConflicts } from './support/cases';
import { quantityValue } from './support/oracle';
import { synth } from './support/synth';

interface PeerRecipe {
  readonly name: string;
  readonly podLabels?: Record<string, string>;
  readonly ports?: number[];
  readonly replicas?: number;
  readonly resources: Parameters<typeof resourcesOf>[0];
  /** The caller's flow into the service: mostly one of its ports, sometimes any port. */
  readonly flow: { readonly index: number } | { readonly port: number };
}

/** The port the caller's flow uses. */
function flowPort(v: PeerRecipe): number {
  if ('port' in v.flow) return v.flow.port;
  return v.ports && v.ports.length > 0 ? v.ports[v.flow.index % v.ports.length] : 1 + (v.flow.index % 65535);
}

const port = fc.integer({ min: 1, max: 65535 });

describeWithShared('PeerService properties', () => {
  test('a peer\'s policy selects exactly its pods and opens exactly the declared flows; its pods count replicas x resources in the quota; bad props name their field', () => {
    const peer: fc.Arbitrary<Case<PeerRecipe>> = withConflicts(caseRecord({
      name: mix(good(serviceName.filter((n) => n.length <= 40)), bad(badServiceName, 'name'), 2),
      podLabels: labelsCase('podLabels'),
      ports: optional(mix(good(fc.uniqueArray(port, { minLength: 1, maxLength: 3 })), bad(fc.constantFrom<number[]>([0], [65536], [1.5], [80, -1]), 'ports['), 2)),
      replicas: optional(mix(good(fc.integer({ min: 1, max: 12 })), bad(fc.constantFrom(0, -1, 1.5, Number.NaN), 'replicas'), 2)),
      resources: resourcesCase('resources'),
      flow: good(fc.oneof({ arbitrary: fc.nat().map((index) => ({ index })), weight: 4 }, { arbitrary: port.map((p) => ({ port: p })), weight: 1 })),
    }), (v) => {
      const problems: string[][] = [];
      // An empty selector would select every pod of the namespace.
      if (v.podLabels !== undefined && Object.keys(v.podLabels).length === 0) problems.push(['podLabels']);
      // The caller's flow must use a port the service listens on (checked only once the props are valid).
      if (v.ports !== undefined && !v.ports.includes(flowPort(v))) problems.push(['allowFrom']);
      return problems;
    }).map((c) => {
      // allowFrom's check runs after construction: with bad props only the props' problems can be named.
      const propsBad = c.problems.some((p) => !p.includes('allowFrom'));
      return propsBad ? { ...c, problems: c.problems.filter((p) => !p.includes('allowFrom')) } : c;
    });

    fc.assert(fc.property(peer, (c) => {
      checkCase(c, (v) => synth((chart) => {
        new FteNamespace(chart, 'ns', { quotaHeadroom: 1 });
        const caller = new FteSandbox(chart, 'caller', { image: IMAGE, resources: RESOURCES });
        const service = new PeerService(chart, 'peer', { name: v.name, podLabels: v.podLabels, ports: v.ports, replicas: v.replicas, resources: resourcesOf(v.resources) });
        service.allowFrom(caller, Port.tcp(flowPort(v)));
      }), (v, objs) => {
        const policy = objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === `${v.name}-allowlist`);
        expect(policy).toBeDefined();
        const labels = v.podLabels ?? { 'app.kubernetes.io/name': v.name };
        expect(policy.spec.podSelector).toEqual({ matchLabels: labels });
        expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
        // The one declared flow in, nothing else.
        expect(policy.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { 'ftekit.dev/workload': 'caller' } } }], ports: [{ protocol: 'TCP', port: flowPort(v) }] }]);
        // DNS only on the way out.
        expect(policy.spec.egress).toHaveLength(1);
        expect(policy.spec.egress[0].ports.map((p: any) => p.port)).toEqual([53, 53]);

        // The quota covers the caller plus the peer's pods; the LimitRange admits its largest pod.
        const hard = objs.find((o) => o.kind === 'ResourceQuota').spec.hard;
        const replicas = v.replicas ?? 1;
        expect(Number(hard.pods)).toBeGreaterThanOrEqual(1 + replicas);
        const max = objs.find((o) => o.kind === 'LimitRange').spec.limits.find((l: any) => l.type === 'Container').max;
        expect(cpuMillis(max.cpu)).toBeGreaterThanOrEqual(cpuRecipeMillis(v.resources.cpu.limit));
        expect(quantityValue(max.memory)).toBeGreaterThanOrEqual(sizeRecipeBytes(v.resources.memory.limit));
        expect(cpuMillis(hard['limits.cpu'])).toBeGreaterThanOrEqual(replicas * cpuRecipeMillis(v.resources.cpu.limit));
        expect(quantityValue(hard['limits.memory'])).toBeGreaterThanOrEqual(replicas * sizeRecipeBytes(v.resources.memory.limit));
      });
    }), params(100));
  });
});

/** Millicores of a CPU quantity (whole millicores, so rounding is exact). */
function cpuMillis(q: string): number {
  return Math.round(quantityValue(q) * 1000);
}
