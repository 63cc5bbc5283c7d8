import { App, Chart } from 'cdk8s';
import * as fc from 'fast-check';
import { FteNamespace, FteSandbox, RuntimeClasses, SandboxRuntime } from '../src';
import { IMAGE, RESOURCES } from './support/fixtures';
import { quantityValue } from './support/oracle';
import { describeWithShared } from './support/schema';
import { badDnsLabel, CpuRecipe, cpuOf, cpuRecipeMillis, dnsLabel, labelKey, labelValue, SizeRecipe, sizeOf, sizeRecipeBytes } from './support/arbitraries';
import { bad, Case, caseRecord, checkCase, expectDeterministic, good, mix, optional, params, withConflicts } from './support/cases';

interface CustomRuntimeInput {
  readonly name: string;
  readonly handler?: string;
  readonly nodeSelector?: Record<string, string>;
  readonly tolerations?: Array<{ key: string; value: string; effect: string }>;
  readonly overhead?: { cpu: CpuRecipe; memory: SizeRecipe };
}

const customRuntime: fc.Arbitrary<Case<CustomRuntimeInput>> = caseRecord<CustomRuntimeInput & Record<string, unknown>>({
  name: mix(good(dnsLabel), bad(badDnsLabel.filter((n) => !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(n)), 'SandboxRuntime')),
  handler: optional(mix(good(dnsLabel), bad(fc.constantFrom('kata.vm', 'Kata', ''), 'SandboxRuntime'))),
  nodeSelector: optional(mix(good(fc.dictionary(labelKey, labelValue, { maxKeys: 2 })), bad(fc.constantFrom<Record<string, string>>({ 'Bad Key': 'x' }), 'SandboxRuntime'))),
  tolerations: optional(mix(
    good(fc.array(fc.record({ key: labelKey, value: labelValue, effect: fc.constantFrom<string>('NoSchedule', 'PreferNoSchedule', 'NoExecute') }), { maxLength: 2 })),
    bad(fc.constantFrom<Array<{ key: string; value: string; effect: string }>>([{ key: 'Bad Key', value: 'x', effect: 'NoSchedule' }], [{ key: 'k', value: 'x', effect: 'Sometimes' }], [{ key: 'k', value: 'bad value', effect: 'NoSchedule' }]), 'SandboxRuntime'),
  )),
  overhead: optional(mix(
    good(fc.record({ cpu: fc.integer({ min: 1, max: 1000 }).map((millis): CpuRecipe => ({ millis })), memory: fc.integer({ min: 1, max: 512 }).map((n): SizeRecipe => ({ unit: 'Mi', n })) })),
    bad(fc.constantFrom({ cpu: { millis: 0 } as CpuRecipe, memory: { unit: 'Mi', n: 64 } as SizeRecipe }, { cpu: { millis: 250 } as CpuRecipe, memory: { unit: 'Ki', n: 0.3 } as SizeRecipe }, { cpu: { millis: -5 } as CpuRecipe, memory: { unit: 'Mi', n: 1 } as SizeRecipe }), 'SandboxRuntime'),
  )),
});

function runtimeOfCustom(r: CustomRuntimeInput): SandboxRuntime {
  return SandboxRuntime.custom(r.name, {
    handler: r.handler,
    nodeSelector: r.nodeSelector,
    tolerations: r.tolerations,
    overhead: r.overhead && { cpu: cpuOf(r.overhead.cpu), memory: sizeOf(r.overhead.memory) },
  });
}

interface NamespaceInput {
  readonly labels?: Record<string, string>;
  readonly headroom?: number;
  readonly quotaPods?: number;
  readonly quotaCpu?: CpuRecipe;
  readonly defaults?: { cpuRequest: CpuRecipe; cpuLimit: CpuRecipe; memoryRequest: SizeRecipe; memoryLimit: SizeRecipe };
  readonly dnsNamespace?: string;
  readonly sandboxes: number;
}

const namespaceInput: fc.Arbitrary<Case<NamespaceInput>> = withConflicts(caseRecord<NamespaceInput & Record<string, unknown>>({
  labels: optional(mix(good(fc.dictionary(labelKey, labelValue, { maxKeys: 2 })), bad(fc.constantFrom<Record<string, string>>({ 'Bad Key': 'x' }, { team: 'no spaces' }), 'labels'))),
  headroom: optional(mix(good(fc.double({ min: 1, max: 10, noNaN: true })), bad(fc.constantFrom(0.5, 0, -1, 11, Number.NaN, Number.POSITIVE_INFINITY), 'quotaHeadroom'))),
  quotaPods: optional(mix(good(fc.integer({ min: 0, max: 1000 })), bad(fc.constantFrom(-1, 1.5, Number.NaN), 'quota.pods'))),
  quotaCpu: optional(mix(good(fc.integer({ min: 1, max: 64000 }).map((millis): CpuRecipe => ({ millis }))), bad(fc.constantFrom<CpuRecipe>({ millis: -100 }, { millis: 0.5 }, { units: Number.NaN }), 'quota'))),
  defaults: optional(mix(
    good(fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 1024 }), fc.integer({ min: 0, max: 1024 }))
      .map(([c, dc, m, dm]) => ({ cpuRequest: { millis: c } as CpuRecipe, cpuLimit: { millis: c + dc } as CpuRecipe, memoryRequest: { unit: 'Mi', n: m } as SizeRecipe, memoryLimit: { unit: 'Mi', n: m + dm } as SizeRecipe }))),
    bad(fc.constantFrom(
      { cpuRequest: { millis: 600 } as CpuRecipe, cpuLimit: { millis: 500 } as CpuRecipe, memoryRequest: { unit: 'Mi', n: 128 } as SizeRecipe, memoryLimit: { unit: 'Mi', n: 512 } as SizeRecipe },
      { cpuRequest: { millis: 100 } as CpuRecipe, cpuLimit: { millis: 500 } as CpuRecipe, memoryRequest: { unit: 'Mi', n: 1024 } as SizeRecipe, memoryLimit: { unit: 'Mi', n: 512 } as SizeRecipe },
      { cpuRequest: { millis: 0 } as CpuRecipe, cpuLimit: { millis: 500 } as CpuRecipe, memoryRequest: { unit: 'Mi', n: 128 } as SizeRecipe, memoryLimit: { unit: 'Mi', n: 512 } as SizeRecipe },
    ), 'containerDefaults'),
  )),
  dnsNamespace: optional(mix(good(dnsLabel), bad(badDnsLabel, 'clusterDns'))),
  sandboxes: good(fc.integer({ min: 0, max: 3 })),
}), () => []);

function buildNamespace(chart: Chart, n: NamespaceInput): void {
  new FteNamespace(chart, 'Namespace', {
    labels: n.labels,
    quotaHeadroom: n.headroom,
    quota: { pods: n.quotaPods, requestsCpu: n.quotaCpu && cpuOf(n.quotaCpu) },
    containerDefaults: n.defaults && { cpuRequest: cpuOf(n.defaults.cpuRequest), cpuLimit: cpuOf(n.defaults.cpuLimit), memoryRequest: sizeOf(n.defaults.memoryRequest), memoryLimit: sizeOf(n.defaults.memoryLimit) },
    clusterDns: n.dnsNamespace === undefined ? undefined : { namespace: n.dnsNamespace },
  });
  for (let i = 0; i < n.sandboxes; i++) new FteSandbox(chart, `agent-${i}`, { image: IMAGE, resources: RESOURCES });
}

function chartIn(ns?: string): Chart {
  return new Chart(new App({ outdir: '/nonexistent-not-written' }), 'test', ns ? { namespace: ns } : {});
}

describeWithShared('property: runtimes and namespaces', () => {
  test('SandboxRuntime.custom: bad options throw; good ones give valid RuntimeClasses and pods', () => {
    fc.assert(fc.property(customRuntime, (c) => {
      checkCase(c, (r) => {
        const runtime = runtimeOfCustom(r);
        const chart = chartIn('agents');
        new RuntimeClasses(chart, 'RuntimeClasses', { runtimes: [runtime, SandboxRuntime.GVISOR, SandboxRuntime.unsandboxedForLocalDevelopment('kind on a laptop')] });
        new FteSandbox(chart, 'agent', { image: IMAGE, resources: RESOURCES, runtime });
        return chart.toJson();
      }, (r, objs) => {
        const rc = objs.find((o) => o.kind === 'RuntimeClass' && o.metadata.name === r.name);
        expect(rc.handler).toBe(r.handler ?? r.name);
        expect(rc.metadata.namespace).toBeUndefined();
        if (r.overhead) {
          expect(quantityValue(rc.overhead.podFixed.cpu) * 1000).toBeCloseTo(cpuRecipeMillis(r.overhead.cpu), 6);
          expect(quantityValue(rc.overhead.podFixed.memory)).toBe(sizeRecipeBytes(r.overhead.memory));
        }
        // A custom runtime is sandboxed because its owner says so: the gate is told, as users
        // tell it in cdk8s.yaml or with --sandboxed-runtime-class.
      }, (r) => ({ sandboxedRuntimeClasses: [r.name] }));
    }), params(500));
  });

  test('FteNamespace: bad quota, head-room, defaults and labels throw; good ones give valid objects', () => {
    fc.assert(fc.property(namespaceInput, (c) => {
      checkCase(c, (n) => {
        const chart = chartIn('agents');
        buildNamespace(chart, n);
        return chart.toJson();
      }, (n, objs) => {
        const quota = objs.find((o) => o.kind === 'ResourceQuota');
        if (n.quotaPods !== undefined) expect(quota.spec.hard.pods).toBe(String(n.quotaPods));
        if (n.quotaCpu !== undefined) expect(quantityValue(quota.spec.hard['requests.cpu']) * 1000).toBeCloseTo(cpuRecipeMillis(n.quotaCpu), 6);
      });
    }), params(500));
  });

  test('synthesising the same namespace and runtimes twice gives byte-identical YAML', () => {
    fc.assert(fc.property(namespaceInput.filter((c) => c.problems.length === 0), customRuntime.filter((c) => c.problems.length === 0), (n, r) => {
      expectDeterministic((app) => {
        const chart = new Chart(app, 'test', { namespace: 'agents' });
        buildNamespace(chart, n.value);
        new RuntimeClasses(chart, 'RuntimeClasses', { runtimes: [runtimeOfCustom(r.value)] });
      });
    }), params(40));
  });
});
