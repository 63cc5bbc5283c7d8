/**
 * Generators of construct inputs, valid and invalid, as plain recipes (built into props by
 * the `build*` functions, so that factories which throw, such as `Probe.httpGet`, are
 * called inside the property where their errors are checked).
 */
import { Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import * as fc from 'fast-check';
import {
  ApiAccess, ClusterDnsOptions, DnsPolicy, EgressEnforcement, EnvValue, ExistingSecret, Probe, ResourceRequirements, SandboxRuntime, WorkloadProps, Workspace, AccessMode,
} from '../../src';
import { looksSecret } from '../../src/_validate';
import { bad, Case, caseArray, caseRecord, good, mix, optional, withConflicts } from './cases';

// ---------------------------------------------------------------------------------------
// Names and strings

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const ALNUM = `${LOWER}0123456789`;

/** RFC 1123 labels of 1 to 63 characters (digits first included). */
export const dnsLabel: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.stringMatching(/^[a-z]([-a-z0-9]{0,14}[a-z0-9])?$/), weight: 6 },
  { arbitrary: fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,14}[a-z0-9])?$/), weight: 1 },
  { arbitrary: fc.constantFrom('a', `a${'b'.repeat(61)}c`, 'x-1'), weight: 1 },
);

/** Names that are not RFC 1123 labels: too long, uppercase, unicode, dots, edges. */
export const badDnsLabel: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', 'A', 'Research', '-a', 'a-', 'a_b', 'a.b', 'a b', 'a'.repeat(64), 'dé', 'ägent', '日本', 'a\nb', 'ａｂ'),
  fc.stringMatching(/^[a-z][a-z0-9]{0,8}[A-Z_.!][a-z0-9]{0,8}$/),
  fc.stringMatching(/^[a-z]{64,80}$/),
);

/** Workload names: RFC 1035 labels (they name Services, so they start with a letter). */
export const serviceName: fc.Arbitrary<string> = dnsLabel.filter((n) => /^[a-z]/.test(n));

/** Names that are RFC 1123 labels but not Service names, or not labels at all. */
export const badServiceName: fc.Arbitrary<string> = fc.oneof(badDnsLabel, fc.stringMatching(/^[0-9][-a-z0-9]{0,10}[a-z0-9]$/), fc.constantFrom('0', '1agent'));

/** A workload name prop: usually a good Service name, sometimes a bad one. */
export function nameCase(...mentions: string[]): fc.Arbitrary<Case<string>> {
  return mix(good(serviceName), bad(badServiceName, ...mentions));
}

/** Free text for values that may hold anything (annotation values, arguments). */
export const freeText: fc.Arbitrary<string> = fc.string({ maxLength: 40, unit: fc.constantFrom(...`${ALNUM} -_./:=,ü€日`) });

/** Label values (possibly empty). */
export const labelValue: fc.Arbitrary<string> = fc.oneof(fc.constant(''), fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,20}[A-Za-z0-9])?$/));

/** Label keys with and without a prefix, none reserved by ftekit, the injector or the controller. */
export const labelKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('team', 'tier', 'example.com/owner', 'acme.io/cost-centre', 'A_b.c'),
  fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/).filter((k) => !['app'].includes(k)),
  fc.tuple(fc.stringMatching(/^[a-z]{1,8}\.(com|io|dev)$/), fc.stringMatching(/^[a-z][-a-z0-9_.]{0,10}[a-z0-9]$/)).map(([p, n]) => `${p}/${n}`),
).filter((k) => !k.startsWith('dapr.io/') && !k.startsWith('ftekit.dev/'));

/** Label keys or values Kubernetes refuses. */
export const badLabelPair: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.constantFrom<[string, string]>(['Bad Key', 'x'], ['a/b/c', 'x'], ['-lead', 'x'], ['/x', 'x'], ['Example.com/x', 'x'], [`${'k'.repeat(64)}`, 'x'], ['team', 'v'.repeat(64)], ['team', 'has space'], ['team', '-edge'], ['team', 'ü']),
);

/** A label map, sometimes carrying a bad pair; `reserved` are keys ftekit refuses there. */
export function labelsCase(field: string, reserved: readonly string[] = []): fc.Arbitrary<Case<Record<string, string> | undefined>> {
  const goodMap = good(fc.dictionary(labelKey, labelValue, { maxKeys: 3 }));
  const badMap = fc.oneof(
    bad(fc.tuple(fc.dictionary(labelKey, labelValue, { maxKeys: 2 }), badLabelPair).map(([m, [k, v]]) => ({ ...m, [k]: v })), field),
    ...(reserved.length ? [bad(fc.tuple(fc.constantFrom(...reserved), labelValue).map(([k, v]) => ({ [k]: v })), field)] : []),
  );
  return optional(mix(goodMap, badMap, 2));
}

// ---------------------------------------------------------------------------------------
// Durations

/** A Duration as a recipe: a cdk8s factory and its amount. */
export interface DurationRecipe { readonly unit: 'millis' | 'seconds' | 'minutes' | 'hours'; readonly n: number }

const UNIT_MS = { millis: 1, seconds: 1000, minutes: 60_000, hours: 3_600_000 } as const;

export function durationOf(d: DurationRecipe): Duration {
  return d.unit === 'millis' ? Duration.millis(d.n) : d.unit === 'seconds' ? Duration.seconds(d.n) : d.unit === 'minutes' ? Duration.minutes(d.n) : Duration.hours(d.n);
}

/** Milliseconds of a recipe. */
export function durationMs(d: DurationRecipe): number {
  return d.n * UNIT_MS[d.unit];
}

/** Whole seconds of a recipe within `min`..`max`, or undefined when it is not. */
export function durationSeconds(d: DurationRecipe, min: number, max: number): number | undefined {
  const ms = durationMs(d);
  return Number.isFinite(ms) && ms % 1000 === 0 && ms / 1000 >= min && ms / 1000 <= max ? ms / 1000 : undefined;
}

/**
 * A Duration that must be whole seconds from `min` to `max`: good ones in several units,
 * bad ones with fractional seconds, out of range, or not finite. Errors must name `field`.
 */
export function durationCase(field: string, min: number, max: number): fc.Arbitrary<Case<DurationRecipe>> {
  const asRecipe = (s: number): fc.Arbitrary<DurationRecipe> => fc.constantFrom<DurationRecipe>(
    { unit: 'seconds', n: s }, { unit: 'millis', n: s * 1000 },
    ...(s % 60 === 0 ? [{ unit: 'minutes' as const, n: s / 60 }] : []), ...(s % 3600 === 0 ? [{ unit: 'hours' as const, n: s / 3600 }] : []),
  );
  const goodSeconds = fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max), fc.integer({ min, max: Math.min(max, min + 120) }));
  const badRecipe = fc.oneof(
    fc.integer({ min: 1, max: 999 }).chain((frac) => fc.integer({ min, max }).map((s): DurationRecipe => ({ unit: 'millis', n: s * 1000 + frac }))),
    fc.constantFrom<DurationRecipe>({ unit: 'seconds', n: min + 0.5 }, { unit: 'minutes', n: 0.01 }, { unit: 'seconds', n: 0.0005 }, { unit: 'millis', n: 1000.5 }, { unit: 'seconds', n: Number.NaN }, { unit: 'seconds', n: Number.POSITIVE_INFINITY }),
    fc.constantFrom(min - 1, max + 1, max * 10 + 7).filter((s) => s >= 0 && (s < min || s > max)).map((s): DurationRecipe => ({ unit: 'seconds', n: s })),
  ).filter((d) => durationSeconds(d, min, max) === undefined);
  return mix(good(goodSeconds.chain(asRecipe)), bad(badRecipe, field), 2);
}

// ---------------------------------------------------------------------------------------
// Images, resources, ports, probes

const goodImage = fc.oneof(
  fc.tuple(fc.constantFrom('ghcr.io/acme/', 'registry.local:5000/team/', '', 'docker.io/library/'), fc.stringMatching(/^[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,5})?$/), fc.stringMatching(/^v?[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2}$/))
    .map(([reg, repo, tag]) => `${reg}${repo}:${tag}`),
  fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-f0-9]{64}$/)).map(([repo, sha]) => `ghcr.io/acme/${repo}@sha256:${sha}`),
);
const badImage = fc.constantFrom('ghcr.io/acme/agent', 'ghcr.io/acme/agent:latest', 'Ghcr.io/Acme/Agent:1.0', '', 'agent:1.0 ', 'ghcr.io/acme/agent@sha256:abc', 'ghcr.io/acme/agent:', ':1.0');

/** An image reference (`image` prop). */
export const imageCase: fc.Arbitrary<Case<string>> = mix(good(goodImage), bad(badImage, 'image'));

/** A CPU amount as a recipe. */
export type CpuRecipe = { readonly millis: number } | { readonly units: number };
/** A memory amount as a recipe. */
export interface SizeRecipe { readonly unit: 'Ki' | 'Mi' | 'Gi'; readonly n: number }

const goodCpu: fc.Arbitrary<CpuRecipe> = fc.oneof(
  fc.integer({ min: 1, max: 8000 }).map((millis) => ({ millis })),
  fc.integer({ min: 1, max: 80 }).map((tenths) => ({ units: tenths / 10 })),
);
const badCpu: fc.Arbitrary<CpuRecipe> = fc.constantFrom<CpuRecipe>({ millis: 0 }, { millis: -250 }, { millis: Number.NaN }, { millis: 0.5 }, { units: 0.0001 }, { units: -1 }, { units: Number.POSITIVE_INFINITY });
const goodSize: fc.Arbitrary<SizeRecipe> = fc.oneof(
  fc.integer({ min: 1, max: 16384 }).map((n) => ({ unit: 'Mi' as const, n })),
  fc.integer({ min: 1, max: 16 }).map((n) => ({ unit: 'Gi' as const, n })),
  fc.integer({ min: 64, max: 1 << 20 }).map((n) => ({ unit: 'Ki' as const, n })),
);
const badSize: fc.Arbitrary<SizeRecipe> = fc.constantFrom<SizeRecipe>({ unit: 'Mi', n: 0 }, { unit: 'Gi', n: Number.NaN }, { unit: 'Ki', n: 0.3 }, { unit: 'Gi', n: Number.POSITIVE_INFINITY });

export function cpuOf(r: CpuRecipe): Cpu {
  return 'millis' in r ? Cpu.millis(r.millis) : Cpu.units(r.units);
}

/** Millicores of a recipe. */
export function cpuRecipeMillis(r: CpuRecipe): number {
  return 'millis' in r ? r.millis : r.units * 1000;
}

export function sizeOf(r: SizeRecipe): Size {
  return r.unit === 'Gi' ? Size.gibibytes(r.n) : r.unit === 'Mi' ? Size.mebibytes(r.n) : Size.kibibytes(r.n);
}

/** Bytes of a recipe. */
export function sizeRecipeBytes(r: SizeRecipe): number {
  return r.n * (r.unit === 'Gi' ? 2 ** 30 : r.unit === 'Mi' ? 2 ** 20 : 2 ** 10);
}

/** Requests and limits as recipes. */
export interface ResourcesRecipe {
  readonly cpu: { readonly request: CpuRecipe; readonly limit: CpuRecipe };
  readonly memory: { readonly request: SizeRecipe; readonly limit: SizeRecipe };
}

/** Resources; request > limit is a conflict. Errors must name `field`. */
export function resourcesCase(field: string): fc.Arbitrary<Case<ResourcesRecipe>> {
  // Limits are mostly generated at or above their request; bad amounts and inversions are rarer.
  const cpuPair = fc.oneof(
    { arbitrary: fc.tuple(goodCpu, fc.integer({ min: 0, max: 4000 })).map(([request, extra]) => ({ request, limit: { millis: cpuRecipeMillis(request) + extra } })), weight: 30 },
    { arbitrary: fc.record({ request: goodCpu, limit: goodCpu }), weight: 2 },
    { arbitrary: fc.record({ request: badCpu, limit: goodCpu }), weight: 1 },
    { arbitrary: fc.record({ request: goodCpu, limit: badCpu }), weight: 1 },
  );
  const sizePair = fc.oneof(
    { arbitrary: fc.tuple(goodSize, fc.integer({ min: 0, max: 4096 })).map(([request, extraMi]) => ({ request, limit: { unit: 'Ki' as const, n: sizeRecipeBytes(request) / 1024 + extraMi * 1024 } })), weight: 30 },
    { arbitrary: fc.record({ request: goodSize, limit: goodSize }), weight: 2 },
    { arbitrary: fc.record({ request: badSize, limit: goodSize }), weight: 1 },
    { arbitrary: fc.record({ request: goodSize, limit: badSize }), weight: 1 },
  );
  return fc.record({ cpu: cpuPair, memory: sizePair }).map((r) => {
    const cpuBad = [r.cpu.request, r.cpu.limit].some((c) => !(cpuRecipeMillis(c) > 0 && Number.isInteger(cpuRecipeMillis(c)) && cpuRecipeMillis(c) < Infinity))
      || cpuRecipeMillis(r.cpu.request) > cpuRecipeMillis(r.cpu.limit);
    const sizeBad = [r.memory.request, r.memory.limit].some((m) => !(sizeRecipeBytes(m) > 0 && Number.isInteger(sizeRecipeBytes(m)) && sizeRecipeBytes(m) < Infinity))
      || sizeRecipeBytes(r.memory.request) > sizeRecipeBytes(r.memory.limit);
    return { value: r, problems: cpuBad || sizeBad ? [[field]] : [] };
  });
}

export function resourcesOf(r: ResourcesRecipe): ResourceRequirements {
  return {
    cpu: { request: cpuOf(r.cpu.request), limit: cpuOf(r.cpu.limit) },
    memory: { request: sizeOf(r.memory.request), limit: sizeOf(r.memory.limit) },
  };
}

/** A container port recipe. */
export interface PortRecipe { readonly number: number; readonly name?: string }

const goodPortNumber = fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constantFrom(1, 80, 443, 8080, 65535));
const badPortNumber = fc.constantFrom(0, -1, 65536, 70000, 1.5, Number.NaN);
const goodPortName = fc.stringMatching(/^[a-z]([a-z0-9]{0,5}(-[a-z0-9]{1,6})?)?$/);
const badPortName = fc.constantFrom('Http', 'a-very-long-port-name', 'http_alt', '-http', '8080', 'a--b');

/**
 * Declared ports; duplicates (number or name) are conflicts. When names are required, a
 * missing name is a problem; `reservedPorts` are numbers the pod uses already (a sidecar's).
 */
export function portsCase(nameRequired = false, reservedPorts: readonly number[] = []): fc.Arbitrary<Case<PortRecipe[] | undefined>> {
  const number = mix(good(goodPortNumber.filter((n) => !reservedPorts.includes(n))), bad(badPortNumber, 'ports['));
  const port = caseRecord({
    number: reservedPorts.length ? fc.oneof({ arbitrary: number, weight: 20 }, { arbitrary: bad(fc.constantFrom(...reservedPorts), 'ports['), weight: 1 }) : number,
    name: nameRequired ? mix(good(goodPortName), bad(fc.oneof(badPortName, fc.constant(undefined)), 'ports[')) : optional(mix(good(goodPortName), bad(badPortName, 'ports['))),
  });
  return optional(withConflicts(caseArray(port, { minLength: 1, maxLength: 3 }), (ports) => {
    const numbers = ports.map((p) => p.number);
    const names = ports.flatMap((p) => (p.name !== undefined ? [p.name] : []));
    return [
      ...(new Set(numbers).size !== numbers.length ? [['ports']] : []),
      ...(new Set(names).size !== names.length ? [['ports']] : []),
    ];
  }));
}

/** A probe recipe; `port` indexes the declared ports when `declared` is true. */
export interface ProbeRecipe {
  readonly type: 'http' | 'tcp' | 'exec';
  readonly path: string;
  readonly port: number;
  readonly useDeclared: boolean;
  readonly periodMs?: number;
  readonly failureThreshold?: number;
}

/** A probe recipe; its problems depend on the declared ports, see {@link probeProblems}. */
export const probeRecipe: fc.Arbitrary<ProbeRecipe> = fc.record({
  type: fc.constantFrom<'http' | 'tcp' | 'exec'>('http', 'tcp', 'exec'),
  path: fc.oneof({ arbitrary: fc.constantFrom('/healthz', '/ready', '/'), weight: 20 }, { arbitrary: fc.constantFrom('healthz', ''), weight: 1 }),
  port: fc.oneof({ arbitrary: goodPortNumber, weight: 20 }, { arbitrary: badPortNumber, weight: 1 }),
  useDeclared: fc.oneof({ arbitrary: fc.constant(true), weight: 9 }, { arbitrary: fc.constant(false), weight: 1 }),
  periodMs: fc.option(fc.oneof({ arbitrary: fc.integer({ min: 1, max: 120 }).map((s) => s * 1000), weight: 20 }, { arbitrary: fc.constantFrom(0, 1500, 500), weight: 1 }), { nil: undefined }),
  failureThreshold: fc.option(fc.oneof({ arbitrary: fc.integer({ min: 1, max: 10 }), weight: 20 }, { arbitrary: fc.constantFrom(0, -1, 2.5), weight: 1 }), { nil: undefined }),
}, { requiredKeys: ['type', 'path', 'port', 'useDeclared'] });

function goodPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** Problems of the probe `which`, given the declared ports. */
export function probeProblems(which: string, p: ProbeRecipe | undefined, ports: readonly PortRecipe[] | undefined): string[][] {
  if (p === undefined) return [];
  const problems: string[][] = [];
  if ((p.periodMs !== undefined && !(p.periodMs >= 1000 && p.periodMs % 1000 === 0))
    || (p.failureThreshold !== undefined && !(Number.isInteger(p.failureThreshold) && p.failureThreshold >= 1))) problems.push(['Probe']);
  if (p.type === 'exec') return problems;
  if (p.type === 'http' && !p.path.startsWith('/')) problems.push(['Probe']);
  const port = probePort(p, ports);
  if (!goodPort(port)) problems.push(['Probe']);
  if (ports?.length && !ports.some((d) => d.number === port)) problems.push([which]);
  return problems;
}

/** The port a probe recipe ends up probing, given the declared ports. */
export function probePort(p: ProbeRecipe, ports: readonly PortRecipe[] | undefined): number {
  return p.useDeclared && ports?.length ? ports[0].number : p.port;
}

export function probeOf(p: ProbeRecipe, ports: readonly PortRecipe[] | undefined): Probe {
  const options = { ...(p.periodMs !== undefined ? { period: Duration.millis(p.periodMs) } : {}), ...(p.failureThreshold !== undefined ? { failureThreshold: p.failureThreshold } : {}) };
  if (p.type === 'exec') return Probe.exec(['cat', '/tmp/ready'], options);
  const port = probePort(p, ports);
  return p.type === 'http' ? Probe.httpGet(p.path, port, options) : Probe.tcpSocket(port, options);
}

// ---------------------------------------------------------------------------------------
// Env, secrets, workspace, identity, egress, runtime, API access

/** An environment variable value recipe. */
export type EnvRecipe =
  | { readonly type: 'literal'; readonly value: string; readonly notSecret: boolean }
  | { readonly type: 'secret'; readonly secret: string; readonly key: string }
  | { readonly type: 'field'; readonly path: string };

const envName = fc.oneof(fc.constantFrom('LOG_LEVEL', 'MAX_TOKENS', 'API_KEY', 'DB_PASSWORD', 'a.b-c', '_X'), fc.stringMatching(/^[A-Z][A-Z0-9_]{0,10}$/));
const badEnvName = fc.constantFrom('1ABC', 'A B', 'A=B', '', 'ÄPFEL');

const envValue: fc.Arbitrary<Case<EnvRecipe>> = fc.oneof(
  good(fc.record({ type: fc.constant('literal' as const), value: freeText, notSecret: fc.boolean() })),
  mix(
    good(fc.record({ type: fc.constant('secret' as const), secret: dnsLabel, key: fc.stringMatching(/^[-._a-zA-Z0-9]{1,20}$/) })),
    bad(fc.record({ type: fc.constant('secret' as const), secret: fc.constantFrom('Bad_Secret', ''), key: fc.constant('k') }), 'EnvValue.fromSecretKey'),
  ),
  mix(good(fc.constantFrom<string>('metadata.name', 'status.podIP', 'spec.nodeName').map((path) => ({ type: 'field' as const, path }))), bad(fc.constantFrom<string>('name', 'metadata name').map((path) => ({ type: 'field' as const, path })), 'EnvValue.fromFieldPath')),
);

/** `env`: names that look secret with a literal value are a conflict. */
export const envCase: fc.Arbitrary<Case<Record<string, EnvRecipe> | undefined>> = optional(
  fc.array(fc.tuple(mix(good(envName), bad(badEnvName, 'env.')), envValue), { maxLength: 4 }).map((pairs) => {
    const value: Record<string, EnvRecipe> = {};
    const problems: string[][] = [];
    const seen = new Set<string>();
    for (const [name, v] of pairs) {
      if (seen.has(name.value)) continue;
      seen.add(name.value);
      value[name.value] = v.value;
      problems.push(...name.problems.map((p) => [...p]), ...v.problems.map((p) => [...p]));
      if (name.problems.length === 0 && v.value.type === 'literal' && !v.value.notSecret && looksSecret(name.value)) problems.push(['env.']);
    }
    return { value, problems };
  }),
);

export function envOf(env: Record<string, EnvRecipe> | undefined): Record<string, EnvValue> | undefined {
  if (env === undefined) return undefined;
  const out: Record<string, EnvValue> = {};
  for (const [name, r] of Object.entries(env)) {
    out[name] = r.type === 'literal' ? EnvValue.fromValue(r.value, { notSecret: r.notSecret })
      : r.type === 'secret' ? EnvValue.fromSecretKey(r.secret, r.key) : EnvValue.fromFieldPath(r.path);
  }
  return out;
}

const goodMountPath = fc.oneof(fc.constantFrom('/var/run/secrets/llm', '/etc/creds', '/secrets', '/workspace', '/data'), fc.stringMatching(/^\/[a-z]{1,6}(\/[a-z0-9]{1,6}){0,2}$/))
  .filter((p) => p !== '/tmp');
const badMountPath = fc.constantFrom('relative/path', '/a/../b', '/a//b', '/a/./b', '', '/tmp', 'C:/x', '/x:y');

/** `secretMounts`; two mounts at one path, or one at the workspace's path, are conflicts. */
export const secretMountsCase: fc.Arbitrary<Case<Array<{ secret: string; path: string }> | undefined>> = optional(
  caseArray(caseRecord({ secret: good(dnsLabel), path: mix(good(goodMountPath), bad(badMountPath, 'secretMounts')) }), { maxLength: 3 }),
);

/** A workspace recipe. */
export interface WorkspaceRecipe {
  readonly persistent: boolean;
  readonly size?: SizeRecipe;
  readonly storageClassName?: string;
  readonly accessMode?: AccessMode;
  readonly mountPath?: string;
}

export const workspaceCase: fc.Arbitrary<Case<WorkspaceRecipe | undefined>> = optional(caseRecord({
  persistent: good(fc.boolean()),
  size: optional(mix(good(goodSize.filter((s) => sizeRecipeBytes(s) >= 2 ** 20)), bad(fc.constantFrom<SizeRecipe>({ unit: 'Ki', n: 512 }, { unit: 'Mi', n: 0 }, { unit: 'Mi', n: Number.NaN }), 'workspace'))),
  storageClassName: optional(mix(good(fc.constantFrom('standard-rwo', 'premium-rwo', 'fast.ssd')), bad(fc.constantFrom('Fast_SSD', 'a b'), 'storageClassName'))),
  accessMode: optional(good(fc.constantFrom(AccessMode.READ_WRITE_ONCE, AccessMode.READ_WRITE_ONCE_POD, AccessMode.READ_WRITE_MANY))),
  mountPath: optional(mix(good(fc.constantFrom('/workspace', '/data', '/home/agent/work')), bad(fc.constantFrom('/tmp', 'workspace', '/a/../b', ''), 'workspace'))),
}).map((c) => (c.value.persistent ? c : {
  // Storage class and access mode exist only on persistent workspaces.
  value: { ...c.value, storageClassName: undefined, accessMode: undefined },
  problems: c.problems.filter((p) => p[0] !== 'storageClassName'),
})));

export function workspaceOf(w: WorkspaceRecipe | undefined): Workspace | undefined {
  if (w === undefined) return undefined;
  const size = w.size && sizeOf(w.size);
  return w.persistent
    ? Workspace.persistent({ size, storageClassName: w.storageClassName, accessMode: w.accessMode, mountPath: w.mountPath })
    : Workspace.ephemeral({ sizeLimit: size, mountPath: w.mountPath });
}

const goodId = fc.oneof(fc.integer({ min: 1, max: 2147483647 }), fc.constantFrom(1, 1000, 65532, 2147483647));
const badId = fc.constantFrom(0, -1, 1.5, 2147483648, Number.NaN);

export const identityCase = optional(caseRecord({
  user: optional(mix(good(goodId), bad(badId, 'identity.user'))),
  group: optional(mix(good(goodId), bad(badId, 'identity.group'))),
  fsGroup: optional(mix(good(goodId), bad(badId, 'identity.fsGroup'))),
}));

/** Enforcement modes by name. */
export type EnforcementName = 'kubernetes' | 'cilium' | 'fallback' | 'gke' | 'eks';

export function enforcementOf(e: EnforcementName): EgressEnforcement {
  switch (e) {
    case 'cilium': return EgressEnforcement.CILIUM;
    case 'fallback': return EgressEnforcement.kubernetesWithPublicFallback();
    case 'gke': return EgressEnforcement.GKE_FQDN;
    case 'eks': return EgressEnforcement.EKS_APPLICATION_NETWORK_POLICY;
    default: return EgressEnforcement.KUBERNETES;
  }
}

/** In-cluster destinations (`service:port`, `svc.ns.svc:port`). */
export const serviceDestination = fc.tuple(dnsLabel, fc.option(dnsLabel, { nil: undefined }), goodPortNumber)
  .map(([svc, ns, port]) => (ns ? `${svc}.${ns}.svc${port % 2 ? '.cluster.local' : ''}:${port}` : `${svc}:${port}`));
/** Hostname destinations, with and without a leading wildcard. */
export const hostnameDestination = fc.tuple(fc.boolean(), fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$/), fc.constantFrom('com', 'io', 'googleapis.com', 'anthropic.com'), goodPortNumber)
  .map(([wild, label, tld, port]) => `${wild ? '*' : label}.${tld}:${port}`);
/** Destinations `Peer.parse` refuses. */
export const badDestination = fc.constantFrom(
  'kafka', 'kafka:', ':443', 'kafka:0', 'kafka:70000', 'kafka:9092x', 'Kafka:9092', 'api.*.com:443', '*:443', '*.*.com:443', 'a.*:443', 'api.anthröpic.com:443',
  '*api.example.com:443', 'api.example.com.:443', '-a.example.com:443', '10.0.0.0/8:443', 'a..b:443', 'kafka:-1', `${'a'.repeat(64)}.com:443`,
);

/** `egress` destinations; a hostname under plain Kubernetes enforcement is a conflict. */
export function egressCase(field = 'egress['): fc.Arbitrary<Case<string[] | undefined>> {
  return optional(caseArray(fc.oneof({ arbitrary: good(serviceDestination), weight: 8 }, { arbitrary: good(hostnameDestination), weight: 3 }, { arbitrary: bad(badDestination, field), weight: 1 }), { maxLength: 3 }));
}

/** True for destinations that `Peer.parse` reads as hostnames. */
export function isHostnameDestination(d: string): boolean {
  const host = d.slice(0, d.lastIndexOf(':'));
  return host.includes('.') && !/^[^.]+\.[^.]+\.svc(\.cluster\.local)?$/.test(host);
}

/** Runtime choices. */
export type RuntimeRecipe = { readonly kind: 'gvisor' | 'gke' | 'kata-qemu' | 'kata-fc' | 'kata-clh' } | { readonly kind: 'unsandboxed'; readonly reason: string } | { readonly kind: 'not-a-runtime' };

export const runtimeCase: fc.Arbitrary<Case<RuntimeRecipe>> = mix(
  good(fc.oneof(
    fc.constantFrom<RuntimeRecipe>({ kind: 'gvisor' }, { kind: 'gke' }, { kind: 'kata-qemu' }, { kind: 'kata-fc' }, { kind: 'kata-clh' }),
    fc.stringMatching(/^[a-z][a-z ]{2,30}$/).filter((s) => s.trim().length > 0).map((reason): RuntimeRecipe => ({ kind: 'unsandboxed', reason })),
  )),
  fc.oneof(
    bad(fc.constantFrom<RuntimeRecipe>({ kind: 'unsandboxed', reason: '' }, { kind: 'unsandboxed', reason: '   ' }), 'unsandboxedForLocalDevelopment'),
    bad(fc.constant<RuntimeRecipe>({ kind: 'not-a-runtime' }), 'runtime'),
  ),
);

export function runtimeOf(r: RuntimeRecipe): SandboxRuntime {
  switch (r.kind) {
    case 'gvisor': return SandboxRuntime.GVISOR;
    case 'gke': return SandboxRuntime.GKE_SANDBOX;
    case 'kata-qemu': return SandboxRuntime.KATA_QEMU;
    case 'kata-fc': return SandboxRuntime.KATA_FC;
    case 'kata-clh': return SandboxRuntime.KATA_CLH;
    case 'unsandboxed': return SandboxRuntime.unsandboxedForLocalDevelopment(r.reason);
    case 'not-a-runtime': return 'gvisor' as unknown as SandboxRuntime;
  }
}

/** API access grants as recipes. */
export type ApiAccessRecipe = { readonly manage: true } | CustomAccessRecipe;
/** An `ApiAccess.custom` grant. */
export interface CustomAccessRecipe { readonly apiGroups: string[]; readonly resources: string[]; readonly verbs: string[]; readonly resourceNames?: string[] }

export const apiAccessCase: fc.Arbitrary<Case<ApiAccessRecipe[] | undefined>> = optional(caseArray<ApiAccessRecipe>(mix(fc.oneof(
  good(fc.constant<ApiAccessRecipe>({ manage: true })),
  good(fc.record<CustomAccessRecipe>({
    apiGroups: fc.constantFrom<string[]>([''], ['apps'], ['', 'batch']),
    resources: fc.constantFrom<string[]>(['configmaps'], ['pods', 'pods/log'], ['jobs']),
    verbs: fc.subarray(['get', 'list', 'watch', 'create', 'delete'], { minLength: 1 }),
  })),
  good(fc.record<CustomAccessRecipe>({ apiGroups: fc.constant(['']), resources: fc.constant(['secrets']), verbs: fc.constant(['get']), resourceNames: fc.array(dnsLabel, { minLength: 1, maxLength: 2 }) })),
), bad(fc.constantFrom<ApiAccessRecipe>(
    { apiGroups: ['*'], resources: ['pods'], verbs: ['get'] },
    { apiGroups: [''], resources: ['*'], verbs: ['get'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['*'] },
    { apiGroups: [''], resources: ['pods'], verbs: [] },
    { apiGroups: [], resources: ['pods'], verbs: ['get'] },
    { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['impersonate'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['Bad Name'] },
  ), 'ApiAccess.custom'), 2), { maxLength: 2 }));

export function apiAccessOf(a: ApiAccessRecipe[] | undefined): ApiAccess[] | undefined {
  return a?.map((r) => ('manage' in r ? ApiAccess.MANAGE_SANDBOX_CLAIMS : ApiAccess.custom(r)));
}

export const clusterDnsCase: fc.Arbitrary<Case<ClusterDnsOptions | undefined>> = optional(caseRecord({
  namespace: optional(mix(good(dnsLabel), bad(badDnsLabel, 'clusterDns.namespace'))),
  podLabels: optional(mix(good(fc.dictionary(labelKey, labelValue, { minKeys: 1, maxKeys: 2 })), bad(fc.constantFrom<Record<string, string>>({}, { 'Bad Key': 'x' }, { 'k8s-app': 'Kube DNS' }), 'clusterDns.podLabels'))),
}));

export const dnsPolicyCase: fc.Arbitrary<Case<DnsPolicy | undefined>> = optional(mix(good(fc.constantFrom(DnsPolicy.CLUSTER_FIRST, DnsPolicy.DEFAULT)), bad(fc.constantFrom('None', 'ClusterFirstWithHostNet', 'cluster-first') as unknown as fc.Arbitrary<DnsPolicy>, 'dnsPolicy')));

// ---------------------------------------------------------------------------------------
// The whole workload

/** Everything {@link WorkloadProps} holds, as a recipe. */
export interface WorkloadRecipe {
  readonly name?: string;
  readonly image: string;
  readonly resources: ResourcesRecipe;
  readonly command?: string[];
  readonly args?: string[];
  readonly ports?: PortRecipe[];
  readonly readiness?: ProbeRecipe;
  readonly liveness?: ProbeRecipe;
  readonly env?: Record<string, EnvRecipe>;
  readonly secretMounts?: Array<{ secret: string; path: string }>;
  readonly workingDir?: string;
  readonly identity?: { user?: number; group?: number; fsGroup?: number };
  readonly dnsPolicy?: DnsPolicy;
  readonly runtime: RuntimeRecipe;
  readonly apiAccess?: ApiAccessRecipe[];
  readonly apiServer: { cidrs: string[]; port: number };
  readonly podLabels?: Record<string, string>;
  readonly podAnnotations?: Record<string, string>;
  readonly enforcement: EnforcementName;
  readonly egress?: string[];
  readonly clusterDns?: ClusterDnsOptions;
}

/** Pod label keys ftekit sets on every pod. */
export const FTEKIT_LABELS = ['app.kubernetes.io/name', 'app.kubernetes.io/component', 'app.kubernetes.io/part-of', 'ftekit.dev/workload'];

/** Options of {@link workloadCase}: the construct's reserved keys and port naming. */
export interface WorkloadCaseOptions {
  /** Pod label keys the construct must refuse. */
  readonly reservedLabels: readonly string[];
  /** Pod annotation keys the construct must refuse. */
  readonly reservedAnnotations: readonly string[];
  /** Ports must be named (DaprWorker). */
  readonly namedPorts?: boolean;
  /** A readiness probe is required (DaprWorker). */
  readonly readinessRequired?: boolean;
  /** Port numbers the app must not declare (a sidecar's own ports). */
  readonly reservedPorts?: readonly number[];
}

/** A workload recipe with its cross-field conflicts. */
export function workloadCase(options: WorkloadCaseOptions): fc.Arbitrary<Case<WorkloadRecipe>> {
  const annotationKey = fc.oneof(labelKey, fc.constant('example.com/note'));
  return withConflicts(caseRecord<WorkloadRecipe & Record<string, unknown>>({
    name: optional(nameCase('name')),
    image: imageCase,
    resources: resourcesCase('resources'),
    command: optional(good(fc.array(freeText, { minLength: 1, maxLength: 3 }))),
    args: optional(good(fc.array(freeText, { maxLength: 3 }))),
    ports: portsCase(options.namedPorts, options.reservedPorts),
    readiness: options.readinessRequired ? mix(good(probeRecipe), bad(fc.constant(undefined), 'readiness')) : optional(good(probeRecipe)),
    liveness: optional(good(probeRecipe)),
    env: envCase,
    secretMounts: secretMountsCase,
    workingDir: optional(mix(good(fc.constantFrom('/workspace', '/app')), bad(fc.constantFrom('app', '/a/../b'), 'workingDir'))),
    identity: identityCase,
    dnsPolicy: dnsPolicyCase,
    runtime: runtimeCase,
    apiAccess: apiAccessCase,
    // Always given: apiAccess without it is refused outside Cilium (test/peer-service.test.ts).
    apiServer: good(fc.constantFrom({ cidrs: ['172.16.0.2/32'], port: 443 }, { cidrs: ['10.0.0.1/32', '10.0.0.2/32'], port: 6443 })),
    podLabels: labelsCase('podLabels', options.reservedLabels),
    podAnnotations: optional(mix(
      good(fc.dictionary(annotationKey, freeText, { maxKeys: 2 })),
      fc.oneof(
        bad(fc.constantFrom<Record<string, string>>({ 'bad key': 'x' }, { 'a/b/c': 'x' }), 'podAnnotations'),
        bad(fc.constantFrom(...options.reservedAnnotations).map((k) => ({ [k]: 'x' })), 'podAnnotations'),
      ),
    )),
    enforcement: good(fc.constantFrom<EnforcementName>('kubernetes', 'cilium', 'fallback')),
    egress: egressCase(),
    clusterDns: clusterDnsCase,
  }), (w) => {
    const problems = [...probeProblems('readiness', w.readiness, w.ports), ...probeProblems('liveness', w.liveness, w.ports)];
    if (w.enforcement === 'kubernetes' && (w.egress ?? []).some(isHostnameDestination)) problems.push(['egress[']);
    const secretPaths = (w.secretMounts ?? []).map((m) => m.path);
    if (new Set(secretPaths).size !== secretPaths.length) problems.push(['secretMounts']);
    return problems;
  });
}

/** The props a recipe describes (factories may throw here). */
export function workloadPropsOf(w: WorkloadRecipe): WorkloadProps {
  return {
    name: w.name,
    image: w.image,
    resources: resourcesOf(w.resources),
    command: w.command,
    args: w.args,
    ports: w.ports?.map((p) => ({ number: p.number, name: p.name })),
    readiness: w.readiness && probeOf(w.readiness, w.ports),
    liveness: w.liveness && probeOf(w.liveness, w.ports),
    env: envOf(w.env),
    secretMounts: w.secretMounts?.map((m) => ExistingSecret.fromName(m.secret).mount(m.path)),
    workingDir: w.workingDir,
    identity: w.identity,
    dnsPolicy: w.dnsPolicy,
    runtime: runtimeOf(w.runtime),
    apiAccess: apiAccessOf(w.apiAccess),
    apiServer: w.apiServer,
    podLabels: w.podLabels,
    podAnnotations: w.podAnnotations,
    egressEnforcement: enforcementOf(w.enforcement),
    egress: w.egress,
    clusterDns: w.clusterDns,
  };
}
