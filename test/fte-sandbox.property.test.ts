import { App, Chart, Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import * as fc from 'fast-check';
import {
  ClaimShutdownPolicy, FteSandbox, OperatingMode, PoolDemand, PoolUpdateStrategy, SandboxPool, ShutdownPolicy,
} from '../src';
import { quantityValue } from './support/oracle';
import { describeWithShared } from './support/schema';
import { podSpecOf } from './support/synth';
import {
  badServiceName, cpuRecipeMillis, FTEKIT_LABELS, isHostnameDestination, serviceName, labelKey, labelValue, sizeRecipeBytes, WorkloadRecipe, workloadCase, workloadPropsOf, WorkspaceRecipe, workspaceCase, workspaceOf,
} from './support/arbitraries';
import { bad, Case, caseArray, caseRecord, checkCase, expectDeterministic, good, mix, optional, params, withConflicts } from './support/cases';

const SANDBOX_KEYS = {
  reservedLabels: ['agents.x-k8s.io/managed', 'extensions.agents.x-k8s.io/pool', ...FTEKIT_LABELS],
  reservedAnnotations: ['agents.x-k8s.io/note', 'ftekit.dev/unsandboxed'],
};

const goodTime = fc.integer({ min: Date.UTC(2020, 0, 1) / 1000, max: Date.UTC(2099, 11, 31) / 1000 })
  .map((s) => new Date(s * 1000).toISOString().replace('.000Z', 'Z'));
const badTime = fc.constantFrom('2026-13-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-04-31T12:00:00Z', 'tomorrow', '2026-12-31 18:00:00', '2026-12-31T24:00:00Z', '', '2026-12-31T18:00:00');

interface SandboxInput {
  readonly id: string;
  readonly workload: WorkloadRecipe;
  readonly workspace?: WorkspaceRecipe;
  readonly operatingMode?: OperatingMode;
  readonly shutdownTime?: string;
  readonly shutdownPolicy?: ShutdownPolicy;
  readonly service?: boolean;
}

const sandboxInput: fc.Arbitrary<Case<SandboxInput>> = withConflicts(caseRecord<SandboxInput & Record<string, unknown>>({
  id: good(serviceName),
  workload: workloadCase(SANDBOX_KEYS),
  workspace: workspaceCase,
  operatingMode: optional(mix(good(fc.constantFrom(OperatingMode.RUNNING, OperatingMode.SUSPENDED)), bad(fc.constantFrom('Paused', 'running') as unknown as fc.Arbitrary<OperatingMode>, 'operatingMode'))),
  shutdownTime: optional(mix(good(goodTime), bad(badTime, 'shutdownTime'))),
  shutdownPolicy: optional(mix(good(fc.constantFrom(ShutdownPolicy.RETAIN, ShutdownPolicy.DELETE)), bad(fc.constantFrom('Keep') as unknown as fc.Arbitrary<ShutdownPolicy>, 'shutdownPolicy'))),
  service: optional(good(fc.boolean())),
}), (s) => [
  ...(s.shutdownPolicy !== undefined && s.shutdownTime === undefined ? [['shutdownPolicy']] : []),
  ...workspaceConflicts(s),
]);

/** A secret mounted where the workspace is mounted. */
function workspaceConflicts(s: { workload: WorkloadRecipe; workspace?: WorkspaceRecipe }): string[][] {
  const at = s.workspace?.mountPath ?? '/workspace';
  return (s.workload.secretMounts ?? []).some((m) => m.path === at) ? [['secretMounts']] : [];
}

interface ClaimInput {
  readonly name?: string;
  readonly shutdownTime?: string;
  readonly shutdownPolicy?: ClaimShutdownPolicy;
  readonly ttlMs?: number;
  readonly podLabels?: Record<string, string>;
}

interface PoolInput {
  readonly id: string;
  readonly workload: WorkloadRecipe;
  readonly workspace?: WorkspaceRecipe;
  readonly replicas?: number;
  readonly updateStrategy?: PoolUpdateStrategy;
  readonly demand?: PoolDemand;
  readonly autoscaling?: { prometheusAddress: string; minReplicas?: number; maxReplicas?: number };
  readonly claims: ClaimInput[];
}

const claimInput: fc.Arbitrary<Case<ClaimInput>> = caseRecord<ClaimInput & Record<string, unknown>>({
  // Claim names are Service names (a cold claim's Sandbox and Service take them), kept apart
  // from the pool's own name.
  name: optional(mix(good(serviceName.map((n) => `claim-${n}`.slice(0, 63).replace(/-+$/, ''))), bad(badServiceName, '.name'))),
  shutdownTime: optional(mix(good(goodTime), bad(badTime, 'shutdownTime'))),
  shutdownPolicy: optional(mix(good(fc.constantFrom(ClaimShutdownPolicy.RETAIN, ClaimShutdownPolicy.DELETE, ClaimShutdownPolicy.DELETE_FOREGROUND)), bad(fc.constantFrom('Remove') as unknown as fc.Arbitrary<ClaimShutdownPolicy>, 'shutdownPolicy'))),
  ttlMs: optional(mix(good(fc.integer({ min: 0, max: 86400 }).map((s) => s * 1000)), bad(fc.constantFrom(1500, 999), 'ttlAfterFinished'))),
  podLabels: optional(mix(
    good(fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/).map((n) => `sandbox.users.io/${n}`), labelValue, { maxKeys: 2 })),
    fc.oneof(
      bad(fc.tuple(labelKey.filter((k) => !k.includes('/')), labelValue).map(([k, v]) => ({ [k]: v })), 'podLabels'),
      bad(fc.constantFrom<Record<string, string>>({ 'agents.x-k8s.io/x': 'y' }, { 'sandbox.users.io/x': 'Bad Value' }, { 'Bad/Key': 'v' }), 'podLabels'),
    ),
  )),
});

const poolInput: fc.Arbitrary<Case<PoolInput>> = withConflicts(caseRecord<PoolInput & Record<string, unknown>>({
  id: good(serviceName),
  workload: workloadCase(SANDBOX_KEYS),
  workspace: workspaceCase,
  replicas: optional(mix(good(fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constant(10000))), bad(fc.constantFrom(-1, 1.5, 10001, Number.NaN), 'replicas'))),
  updateStrategy: optional(mix(good(fc.constantFrom(PoolUpdateStrategy.ON_REPLENISH, PoolUpdateStrategy.RECREATE)), bad(fc.constantFrom('Rolling') as unknown as fc.Arbitrary<PoolUpdateStrategy>, 'updateStrategy'))),
  demand: optional(withConflicts(caseRecord<PoolDemand & Record<string, unknown>>({
    claimsPerMinute: mix(good(fc.double({ min: 0.01, max: 100, noNaN: true })), bad(fc.constantFrom(0, -1, Number.NaN, Number.POSITIVE_INFINITY), 'demand.claimsPerMinute')),
    peakClaimsPerMinute: optional(mix(good(fc.double({ min: 0.01, max: 300, noNaN: true })), bad(fc.constantFrom(-1, 0), 'demand.peakClaimsPerMinute'))),
    coldStartSeconds: mix(good(fc.double({ min: 0.5, max: 120, noNaN: true })), bad(fc.constantFrom(0, 3601, Number.NaN), 'demand.coldStartSeconds')),
    claimDurationMinutes: optional(mix(good(fc.double({ min: 0.1, max: 30, noNaN: true })), bad(fc.constantFrom(0, -5), 'demand.claimDurationMinutes'))),
    safetyFactor: optional(mix(good(fc.double({ min: 0, max: 5, noNaN: true })), bad(fc.constantFrom(-0.5, 11), 'demand.safetyFactor'))),
  }), (d) => {
    if (!demandValid(d)) return [];
    if (d.peakClaimsPerMinute !== undefined && d.peakClaimsPerMinute < d.claimsPerMinute) return [['demand.peakClaimsPerMinute']];
    const s = sizingOracle(d);
    return s.maxReplicas + s.claimedAtPeak > 10000 ? [['needs']] : [];
  })),
  autoscaling: optional(caseRecord({
    prometheusAddress: mix(good(fc.constantFrom('http://prometheus-operated.monitoring.svc:9090', 'https://prom.example/api/v1/prom')), bad(fc.constantFrom('prometheus:9090', 'ftp://prom', ''), 'autoscaling.prometheusAddress')),
    minReplicas: optional(mix(good(fc.integer({ min: 0, max: 20 })), bad(fc.constantFrom(-1, 0.5), 'autoscaling.minReplicas'))),
    maxReplicas: optional(mix(good(fc.integer({ min: 1, max: 100 })), bad(fc.constantFrom(10001, 2.5), 'autoscaling.maxReplicas'))),
  })),
  claims: caseArray(claimInput, { maxLength: 3 }),
}), (p) => {
  const problems = workspaceConflicts(p);
  if (p.replicas !== undefined && (p.autoscaling !== undefined || p.demand !== undefined)) problems.push(['replicas']);
  const a = p.autoscaling;
  if (a && !p.demand) problems.push(['without demand']);
  if (a) {
    const sizing = p.demand && demandValid(p.demand) ? sizingOracle(p.demand) : undefined;
    const min = a.minReplicas ?? sizing?.replicas ?? 0;
    const max = a.maxReplicas ?? sizing?.maxReplicas ?? 1;
    if (Number.isInteger(min) && min >= 0 && max < Math.max(1, min)) problems.push(['autoscaling.maxReplicas']);
  }
  const names = p.claims.map((c, i) => c.name ?? `task-${i}`);
  if (new Set(names).size !== names.length) problems.push(['.name']);
  return problems;
});

/** Whether every field of `d` is in range (their problems are the fields' own). */
function demandValid(d: PoolDemand): boolean {
  const inRange = (v: number | undefined, min: number, max: number, optionalField = true): boolean =>
    (v === undefined ? optionalField : Number.isFinite(v) && v > min && v <= max);
  return inRange(d.claimsPerMinute, 0, 100000, false) && inRange(d.coldStartSeconds, 0, 3600, false) && inRange(d.peakClaimsPerMinute, 0, 100000)
    && inRange(d.claimDurationMinutes, 0, 7 * 24 * 60) && (d.safetyFactor === undefined || (d.safetyFactor >= 0 && d.safetyFactor <= 10));
}

/** The sizes the docs promise, computed here on their own: R = claims/s x cold start, ceil(R + beta*sqrt(R)). */
function sizingOracle(d: PoolDemand): { replicas: number; maxReplicas: number; claimedAtPeak: number } {
  const beta = d.safetyFactor ?? 2;
  const staff = (r: number): number => (r <= 0 ? 0 : Math.ceil(r + beta * Math.sqrt(r) - 1e-9));
  const peak = d.peakClaimsPerMinute ?? d.claimsPerMinute;
  const replicas = Math.max(1, staff((d.claimsPerMinute / 60) * d.coldStartSeconds));
  return {
    replicas,
    maxReplicas: Math.max(replicas, staff((peak / 60) * d.coldStartSeconds)),
    claimedAtPeak: d.claimDurationMinutes === undefined ? 0 : staff(peak * d.claimDurationMinutes),
  };
}

interface GrantInput {
  readonly group: string;
  readonly exec?: boolean;
  readonly portForward?: boolean;
  readonly logs?: boolean;
}

/** Group names as authenticators assert them: any printable text, not system:*, not padded. */
const goodGroup = fc.oneof(
  fc.constantFrom('oidc:fte-oncall', 'oidc:team@example.com', 'OIDC:Team@Example.com', 'on-call', 'ops/sre', 'Ünïcode Team', 'x'.repeat(90), 'system-admins'),
  fc.string({ minLength: 1, maxLength: 70 }).filter((g) => g === g.trim() && g !== '' && !/[\u0000-\u001f\u007f]/.test(g) && !g.startsWith('system:')),
);
const badGroup = fc.constantFrom('', '   ', ' oncall', 'oncall\n', 'a\tb', 'system:authenticated', 'system:masters', 'system:serviceaccounts');
const flag = optional(mix(good(fc.boolean()), bad(fc.constantFrom('yes', 1, null) as unknown as fc.Arbitrary<boolean>, 'not a boolean')));

const grantInput: fc.Arbitrary<Case<GrantInput>> = withConflicts(caseRecord<GrantInput & Record<string, unknown>>({
  group: mix(good(goodGroup), bad(badGroup, '.group'), 2),
  exec: flag,
  portForward: flag,
  logs: flag,
}), (g) => (g.exec !== true && g.portForward !== true && g.logs !== true ? [['grant nothing']] : []));

const grantsInput: fc.Arbitrary<Case<{ id: string; grants: GrantInput[] }>> = withConflicts(caseRecord<{ id: string; grants: GrantInput[] }>({
  id: good(serviceName),
  grants: caseArray(grantInput, { minLength: 1, maxLength: 4 }),
}), (s) => (new Set(s.grants.map((g) => g.group)).size !== s.grants.length ? [['already granted']] : []));

function buildSandbox(chart: Chart, s: SandboxInput): FteSandbox {
  return new FteSandbox(chart, s.id, {
    ...workloadPropsOf(s.workload),
    workspace: workspaceOf(s.workspace),
    operatingMode: s.operatingMode,
    shutdownTime: s.shutdownTime,
    shutdownPolicy: s.shutdownPolicy,
    service: s.service,
  });
}

function buildPool(chart: Chart, p: PoolInput): SandboxPool {
  const a = p.autoscaling;
  const pool = new SandboxPool(chart, p.id, {
    ...workloadPropsOf(p.workload),
    workspace: workspaceOf(p.workspace),
    replicas: p.replicas,
    updateStrategy: p.updateStrategy,
    demand: p.demand,
    autoscaling: a,
  });
  p.claims.forEach((c, i) => pool.claim(c.name === undefined ? `task-${i}` : `c${i}`, {
    name: c.name,
    shutdownTime: c.shutdownTime,
    shutdownPolicy: c.shutdownPolicy,
    ttlAfterFinished: c.ttlMs === undefined ? undefined : Duration.millis(c.ttlMs),
    podLabels: c.podLabels,
  }));
  return pool;
}

function synthIn(ns: string, build: (chart: Chart) => void): any[] {
  const app = new App({ outdir: '/nonexistent-not-written' });
  const chart = new Chart(app, 'test', { namespace: ns });
  build(chart);
  return chart.toJson();
}

/** Output equals input: nothing clamped, rounded or dropped. */
function expectWorkloadKept(w: WorkloadRecipe, pod: any, objs: any[], name: string): void {
  const c = pod.spec.containers[0];
  expect(c.image).toBe(w.image);
  expect(quantityValue(c.resources.requests.cpu) * 1000).toBeCloseTo(cpuRecipeMillis(w.resources.cpu.request), 6);
  expect(quantityValue(c.resources.limits.cpu) * 1000).toBeCloseTo(cpuRecipeMillis(w.resources.cpu.limit), 6);
  expect(quantityValue(c.resources.requests.memory)).toBe(sizeRecipeBytes(w.resources.memory.request));
  expect(quantityValue(c.resources.limits.memory)).toBe(sizeRecipeBytes(w.resources.memory.limit));
  expect((c.ports ?? []).map((p: any) => p.containerPort)).toEqual((w.ports ?? []).map((p) => p.number));
  expect(pod.spec.securityContext.runAsUser).toBe(w.identity?.user ?? 65532);
  expect((c.env ?? []).map((e: any) => e.name).sort()).toEqual(Object.keys(w.env ?? {}).sort());
  for (const [k, v] of Object.entries(w.podLabels ?? {})) expect(pod.metadata.labels[k]).toBe(v);
  // Every egress destination reaches the output: a NetworkPolicy port, or a Cilium FQDN rule.
  const np = objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === `${name}-allowlist`);
  const cnp = objs.find((o) => o.kind === 'CiliumNetworkPolicy' && o.metadata.name === `${name}-fqdn`);
  for (const d of w.egress ?? []) {
    const port = Number(d.slice(d.lastIndexOf(':') + 1));
    if (isHostnameDestination(d) && w.enforcement === 'cilium') {
      const host = d.slice(0, d.lastIndexOf(':'));
      expect(cnp.spec.egress.some((r: any) => r.toFQDNs?.some((f: any) => (f.matchName ?? f.matchPattern) === host) && r.toPorts[0].ports.some((p: any) => p.port === String(port)))).toBe(true);
    } else {
      expect(np.spec.egress.some((r: any) => r.ports.some((p: any) => p.port === port))).toBe(true);
    }
  }
}

describeWithShared('property: FteSandbox and SandboxPool props', () => {
  test('FteSandbox: bad props throw naming the prop; good props give valid manifests', () => {
    fc.assert(fc.property(sandboxInput, (c) => {
      checkCase(c, (s) => synthIn('agents', (chart) => buildSandbox(chart, s)), (s, objs) => {
        const sb = objs.find((o) => o.kind === 'Sandbox');
        const name = s.workload.name ?? s.id;
        expect(sb.metadata.name).toBe(name);
        expect(sb.spec.operatingMode).toBe(s.operatingMode ?? 'Running');
        expect(sb.spec.shutdownTime).toBe(s.shutdownTime);
        expectWorkloadKept(s.workload, sb.spec.podTemplate, objs, name);
        expect(podSpecOf(sb).containers).toHaveLength(1);
      });
    }), params(1000));
  });

  test('SandboxPool and claims: bad props throw naming the prop; good props give valid manifests', () => {
    fc.assert(fc.property(poolInput, (c) => {
      checkCase(c, (p) => synthIn('agents', (chart) => buildPool(chart, p)), (p, objs) => {
        const name = p.workload.name ?? p.id;
        const warm = objs.find((o) => o.kind === 'SandboxWarmPool');
        const scaled = objs.find((o) => o.kind === 'ScaledObject');
        const sizing = p.demand && sizingOracle(p.demand);
        expect(objs.some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
        // spec.replicas is always explicit: the fixed size, or the autoscaling minimum.
        if (p.autoscaling) {
          const min = p.autoscaling.minReplicas ?? sizing!.replicas;
          const max = p.autoscaling.maxReplicas ?? sizing!.maxReplicas;
          expect(warm.spec.replicas).toBe(min);
          expect([scaled.spec.minReplicaCount, scaled.spec.maxReplicaCount]).toEqual([min, max]);
          expect(scaled.spec.scaleTargetRef).toEqual({ apiVersion: 'extensions.agents.x-k8s.io/v1beta1', kind: 'SandboxWarmPool', name });
          expect(scaled.spec.triggers[0].metadata.serverAddress).toBe(p.autoscaling.prometheusAddress);
          expect(scaled.spec.triggers[0].metadata.query).toContain(`warmpool_name="${name}"`);
        } else {
          expect(warm.spec.replicas).toBe(sizing ? sizing.maxReplicas : p.replicas ?? 1);
          expect(scaled).toBeUndefined();
        }
        expect(warm.metadata.annotations?.['ftekit.dev/pool-sizing'] !== undefined).toBe(p.demand !== undefined);
        expect(objs.filter((o) => o.kind === 'SandboxClaim').map((o) => o.metadata.name)).toEqual(p.claims.map((cl, i) => cl.name ?? `task-${i}`));
        const template = objs.find((o) => o.kind === 'SandboxTemplate');
        expectWorkloadKept(p.workload, template.spec.podTemplate, objs, name);
      });
    }), params(600));
  });

  test('FteSandbox.grantAccess: bad groups and options throw naming them; good ones give a Role on the pod only', () => {
    const base = { image: 'ghcr.io/acme/agent:1.0.0', resources: { cpu: { request: Cpu.millis(100), limit: Cpu.millis(500) }, memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) } } };
    fc.assert(fc.property(grantsInput, (c) => {
      checkCase(c, (s) => synthIn('agents', (chart) => {
        const sb = new FteSandbox(chart, s.id, base);
        for (const g of s.grants) sb.grantAccess(g.group, { exec: g.exec, portForward: g.portForward, logs: g.logs });
      }), (s, objs) => {
        const roles = objs.filter((o) => o.kind === 'Role');
        const bindings = objs.filter((o) => o.kind === 'RoleBinding');
        expect(roles).toHaveLength(s.grants.length);
        expect(bindings.map((b) => b.metadata.name)).toEqual(roles.map((r) => r.metadata.name));
        expect(new Set(roles.map((r) => r.metadata.name)).size).toBe(s.grants.length);
        s.grants.forEach((g, i) => {
          const role = roles[i];
          expect(role.metadata.name).toMatch(new RegExp(`^${s.id}-access-[a-z0-9]([-a-z0-9]*[a-z0-9])?$`));
          expect(role.metadata.name.length).toBeLessThanOrEqual(253);
          expect(bindings[i].subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: g.group }]);
          expect(bindings[i].roleRef.name).toBe(role.metadata.name);
          const want = ['pods:get', ...(g.exec ? ['pods/exec:create,get'] : []), ...(g.portForward ? ['pods/portforward:create,get'] : []), ...(g.logs ? ['pods/log:get'] : [])];
          expect(role.rules.map((r: any) => `${r.resources.join()}:${r.verbs.join()}`)).toEqual(want);
          for (const r of role.rules) {
            expect(r.apiGroups).toEqual(['']);
            expect(r.resourceNames).toEqual([s.id]);
            expect(r.verbs).not.toContain('list');
            expect(r.verbs).not.toContain('watch');
          }
        });
      });
    }), params(500));
  });

  test('synthesising the same valid sandbox or pool twice gives byte-identical YAML', () => {
    const valid = fc.oneof(sandboxInput.map((s) => ({ sandbox: s })), poolInput.map((p) => ({ pool: p })))
      .filter((c) => ('sandbox' in c ? c.sandbox : c.pool).problems.length === 0);
    fc.assert(fc.property(valid, (c) => {
      expectDeterministic((app) => {
        const chart = new Chart(app, 'agents', { namespace: 'agents' });
        if ('sandbox' in c) buildSandbox(chart, c.sandbox.value);
        else buildPool(chart, c.pool.value);
      });
    }), params(50));
  });
});
