import { App, Chart, Duration } from 'cdk8s';
import * as fc from 'fast-check';
import { DaprWorker, ExistingSecret, FteMonitoring, FteSandbox, KvVersion, Probe, SandboxPool, VaultServer, VaultSync, Workspace } from '../src';
import { checkServiceName } from '../src/_validate';
import { IMAGE, RESOURCES } from './support/fixtures';
import { describeWithShared } from './support/schema';
import {
  badDnsLabel, dnsLabel, DurationRecipe, durationCase, durationOf, durationSeconds, labelKey, labelValue, badLabelPair,
} from './support/arbitraries';
import { bad, Case, caseArray, caseRecord, checkCase, expectDeterministic, good, Mentions, mix, optional, params, withConflicts } from './support/cases';

const isSubdomain = (n: string): boolean => n.length > 0 && n.length <= 253 && n.split('.').every((l) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(l));
const vaultPath = fc.stringMatching(/^[A-Za-z0-9_.@-]{1,8}(\/[A-Za-z0-9_.@-]{1,8}){0,2}$/).filter((p) => p.split('/').every((s) => s !== '.' && s !== '..'));
const badVaultPath = fc.constantFrom('', '/secret', 'secret/', 'a//b', 'a/../b', './a', 'a b', 'sécret');
const namespaceName = fc.oneof(dnsLabel, fc.constantFrom('vault', 'monitoring'));
/** Workload names this suite builds itself; generated names never take this form. */
const fixedName = (what: string, i: number): string => `${what}-fixed-${i}-x`;

// ---------------------------------------------------------------------------------------
// Vault

type ServerRecipe =
  | { readonly type: 'connect'; readonly address: string; readonly caCert?: string; readonly tlsServerName?: string; readonly timeout?: DurationRecipe; readonly allowPlainHttp?: boolean }
  | { readonly type: 'existing'; readonly name: string; readonly namespace?: string };

interface SecretInput {
  readonly secretName?: string;
  readonly mount: string;
  readonly path: string;
  readonly kvVersion?: KvVersion;
  readonly version?: number;
  readonly refreshAfter?: DurationRecipe;
  /** A DaprWorker in the namespace reads this secret (found as a rollout target). */
  readonly usedByWorker: boolean;
  /** Explicit `restartOnRotation` targets: a worker, a sandbox, a worker in another namespace. */
  readonly restart: Array<'worker' | 'sandbox' | 'other-namespace'>;
}

interface VaultInput {
  readonly id: string;
  readonly name?: string;
  readonly server: ServerRecipe;
  readonly role: string;
  readonly authMount?: string;
  readonly audiences?: string[];
  readonly tokenExpiration?: DurationRecipe;
  readonly vaultNamespace?: string;
  readonly secrets: SecretInput[];
  /** A workload whose name is the VaultSync's ServiceAccount name. */
  readonly clashingWorkload: boolean;
}

const connectCase: fc.Arbitrary<Case<ServerRecipe>> = withConflicts(caseRecord({
  type: good(fc.constant('connect' as const)),
  address: mix(
    good(fc.constantFrom('https://vault.vault.svc:8200', 'https://vault.example.com', 'https://10.0.0.5:8200', 'https://vault:8200/', 'https://[fd00::5]:8200', 'http://vault.vault.svc:8200')),
    bad(fc.constantFrom('vault:8200', 'ftp://vault', 'https://vault:8200/v1', 'https://vault?x=1', '', 'https://vault#x', 'https://vault:99999', 'https://user:pass@vault:8200', 'https://:token@vault:8200'), 'VaultServer.connect'),
    2,
  ),
  caCert: optional(good(dnsLabel)),
  tlsServerName: optional(mix(good(fc.constantFrom('vault.vault.svc', 'vault')), bad(fc.constantFrom('Vault', 'a b', ''), 'tlsServerName'))),
  timeout: optional(durationCase('timeout', 1, 3600)),
  allowPlainHttp: optional(good(fc.boolean())),
}), (s) => (s.address.startsWith('http://') && !s.allowPlainHttp ? [['VaultServer.connect']] : [])) as fc.Arbitrary<Case<ServerRecipe>>;

const existingCase: fc.Arbitrary<Case<ServerRecipe>> = caseRecord({
  type: good(fc.constant('existing' as const)),
  name: mix(good(fc.oneof(dnsLabel, fc.constantFrom('default', 'vault.shared'))), bad(badDnsLabel.filter((n) => !isSubdomain(n)), 'VaultServer.existingConnection')),
  namespace: optional(mix(good(namespaceName), bad(badDnsLabel, 'VaultServer.existingConnection'))),
}) as fc.Arbitrary<Case<ServerRecipe>>;

function serverOf(s: ServerRecipe): VaultServer {
  return s.type === 'existing' ? VaultServer.existingConnection(s.name, s.namespace) : VaultServer.connect({
    address: s.address,
    caCert: s.caCert === undefined ? undefined : ExistingSecret.fromName(s.caCert),
    tlsServerName: s.tlsServerName,
    timeout: s.timeout && durationOf(s.timeout),
    allowPlainHttp: s.allowPlainHttp,
  });
}

const secretCase: fc.Arbitrary<Case<SecretInput>> = withConflicts(caseRecord<SecretInput & Record<string, unknown>>({
  secretName: optional(mix(good(fc.oneof(dnsLabel, fc.constantFrom('llm.keys', 'shared'))), bad(badDnsLabel.filter((n) => !isSubdomain(n)), 'secretName'))),
  mount: mix(good(vaultPath), bad(badVaultPath, 'mount')),
  path: mix(good(vaultPath), bad(badVaultPath, 'path')),
  kvVersion: optional(mix(good(fc.constantFrom(KvVersion.V1, KvVersion.V2)), bad(fc.constantFrom('kv-v3', 'v2') as unknown as fc.Arbitrary<KvVersion>, 'kvVersion'))),
  version: optional(mix(good(fc.integer({ min: 1, max: 100 })), bad(fc.constantFrom(0, -1, 1.5, Number.NaN), 'version'))),
  refreshAfter: optional(durationCase('refreshAfter', 10, 7 * 24 * 3600)),
  usedByWorker: good(fc.boolean()),
  restart: fc.array(fc.oneof(
    { arbitrary: good(fc.constant<'worker'>('worker')), weight: 8 },
    { arbitrary: bad(fc.constantFrom<'sandbox' | 'other-namespace'>('sandbox', 'other-namespace'), 'restartOnRotation'), weight: 1 },
  ), { maxLength: 2 }).map((cs) => ({ value: cs.map((c) => c.value), problems: cs.flatMap((c) => c.problems) })),
}), (s) => (s.version !== undefined && s.kvVersion === KvVersion.V1 ? [['version']] : []));

const vaultCase: fc.Arbitrary<Case<VaultInput>> = withConflicts(caseRecord<VaultInput & Record<string, unknown>>({
  id: good(fc.oneof(dnsLabel, fc.constant('vault'))),
  name: optional(mix(good(dnsLabel), bad(badDnsLabel, 'name'))),
  server: fc.oneof(connectCase, existingCase),
  role: mix(good(fc.stringMatching(/^[A-Za-z0-9_.-]{1,20}$/)), bad(fc.constantFrom('', 'a b', 'r/x', 'x'.repeat(129), 'rôle'), 'role')),
  authMount: optional(mix(good(vaultPath), bad(badVaultPath, 'authMount'))),
  audiences: optional(mix(good(fc.constantFrom<string[]>(['vault'], ['vault', 'https://kubernetes.default.svc'])), bad(fc.constantFrom<string[]>([], ['']), 'audiences'))),
  tokenExpiration: optional(durationCase('tokenExpiration', 600, 86400)),
  vaultNamespace: optional(mix(good(fc.constantFrom('admin', 'admin/team-a')), bad(badVaultPath, 'vaultNamespace'))),
  secrets: fc.array(secretCase, { maxLength: 3 }).map((cs) => ({
    value: cs.map((c) => c.value),
    // Errors about a secret come from it (`.../s0': mount`) or from VaultSync (`addStaticSecret("s0")`).
    problems: cs.flatMap((c, i) => c.problems.map((p) => p.map((m) => (/^[a-z]/.test(m) ? `s${i}': ${m}` : m)).concat(p.includes('restartOnRotation') ? ['restartOnRotation'] : []))),
  })),
  clashingWorkload: fc.oneof({ arbitrary: good(fc.constant(false)), weight: 15 }, { arbitrary: good(fc.constant(true)), weight: 1 }),
}), (v) => {
  const problems: Mentions[] = [];
  const names = v.secrets.map((s, i) => s.secretName ?? `s${i}`);
  if (new Set(names).size !== names.length) problems.push(['addStaticSecret(']);
  if (clashes(v)) problems.push(['is already the name of a ServiceAccount']);
  return problems;
});

/** Whether the input asks for a workload named like the VaultSync's ServiceAccount (when that is a workload name). */
function clashes(v: VaultInput): boolean {
  return v.clashingWorkload && checkServiceName(`${v.name ?? v.id}-vault-auth`) === undefined;
}

function buildVault(app: App, v: VaultInput): Chart {
  const chart = new Chart(app, 'test', { namespace: 'agents' });
  const syncName = v.name ?? v.id;
  if (clashes(v)) new FteSandbox(chart, 'clash', { name: `${syncName}-vault-auth`, image: IMAGE, resources: RESOURCES });
  const sync = new VaultSync(chart, v.id, {
    name: v.name,
    server: serverOf(v.server),
    role: v.role,
    authMount: v.authMount,
    audiences: v.audiences,
    tokenExpiration: v.tokenExpiration && durationOf(v.tokenExpiration),
    vaultNamespace: v.vaultNamespace,
  });
  let other: Chart | undefined;
  v.secrets.forEach((s, i) => {
    const secret = sync.addStaticSecret(`s${i}`, { secretName: s.secretName, mount: s.mount, path: s.path, kvVersion: s.kvVersion, version: s.version, refreshAfter: s.refreshAfter && durationOf(s.refreshAfter) });
    const worker = (id: string, c: Chart, env: boolean): DaprWorker => new DaprWorker(c, id, {
      image: IMAGE, resources: RESOURCES, ports: [{ name: 'http', number: 8000 }], readiness: Probe.httpGet('/healthz', 8000),
      env: env ? { TOKEN: secret.envValue('token') } : undefined,
    });
    if (s.usedByWorker) worker(fixedName('reader', i), chart, true);
    s.restart.forEach((r, j) => {
      if (r === 'worker') {
        secret.restartOnRotation(worker(fixedName(`restart${j}`, i), chart, false));
      } else if (r === 'sandbox') {
        secret.restartOnRotation(new FteSandbox(chart, fixedName(`sandbox${j}`, i), { image: IMAGE, resources: RESOURCES }) as never);
      } else {
        other ??= new Chart(app, 'other', { namespace: 'elsewhere' });
        secret.restartOnRotation(worker(fixedName(`far${j}`, i), other, false));
      }
    });
  });
  return chart;
}

function synthVault(v: VaultInput): any[] {
  return buildVault(new App({ outdir: '/nonexistent-not-written' }), v).toJson();
}

function expectVaultKept(v: VaultInput, objs: any[]): void {
  const name = v.name ?? v.id;
  const auth = objs.find((o) => o.kind === 'VaultAuth');
  expect(auth.metadata.name).toBe(name);
  expect(auth.spec.kubernetes.role).toBe(v.role);
  expect(auth.spec.kubernetes.serviceAccount).toBe(`${name}-vault-auth`);
  expect(auth.spec.kubernetes.tokenExpirationSeconds).toBe(v.tokenExpiration ? durationSeconds(v.tokenExpiration, 600, 86400) : 600);
  expect(auth.spec.kubernetes.audiences).toEqual(v.audiences);
  expect(auth.spec.mount).toBe(v.authMount ?? 'kubernetes');
  expect(auth.spec.namespace).toBe(v.vaultNamespace);
  const connection = objs.find((o) => o.kind === 'VaultConnection');
  if (v.server.type === 'connect') {
    expect(auth.spec.vaultConnectionRef).toBe(name);
    expect(connection.spec.address).toBe(v.server.address.replace(/\/$/, ''));
    expect(connection.spec.skipTLSVerify).toBe(false);
    expect(connection.spec.timeout).toBe(v.server.timeout ? `${durationSeconds(v.server.timeout, 1, 3600)}s` : undefined);
  } else {
    expect(connection).toBeUndefined();
    expect(auth.spec.vaultConnectionRef).toBe(v.server.namespace ? `${v.server.namespace}/${v.server.name}` : v.server.name);
  }
  const secrets = objs.filter((o) => o.kind === 'VaultStaticSecret');
  expect(secrets.map((s) => s.metadata.name)).toEqual(v.secrets.map((s, i) => s.secretName ?? `s${i}`));
  v.secrets.forEach((s, i) => {
    const spec = secrets[i].spec;
    expect([spec.mount, spec.path, spec.type, spec.version]).toEqual([s.mount, s.path, s.kvVersion ?? 'kv-v2', s.version]);
    expect(spec.refreshAfter).toBe(`${s.refreshAfter ? durationSeconds(s.refreshAfter, 10, 7 * 24 * 3600) : 300}s`);
    const expected = [...(s.usedByWorker ? [fixedName('reader', i)] : []), ...s.restart.map((_, j) => fixedName(`restart${j}`, i))].sort();
    expect((spec.rolloutRestartTargets ?? []).map((t: any) => t.name).sort()).toEqual(expected);
  });
}

// ---------------------------------------------------------------------------------------
// Monitoring

type TargetKind = 'worker' | 'worker-no-metrics' | 'sandbox' | 'pool' | 'empty-pool' | 'other-namespace' | 'not-a-workload';

interface MonitorInput {
  readonly target: TargetKind;
  readonly port?: string;
  readonly portNumber?: number;
  readonly path?: string;
  readonly twice: boolean;
}

interface MonitoringInput {
  readonly selectionLabels?: Record<string, string>;
  readonly prometheusNamespace?: string;
  readonly scrapeInterval?: DurationRecipe;
  readonly ruleName?: string;
  readonly latencyMs?: number;
  readonly monitors: MonitorInput[];
}

const METRICS_PORT = { name: 'metrics', number: 9100 };

const monitorCase: fc.Arbitrary<Case<MonitorInput>> = withConflicts(caseRecord<MonitorInput & Record<string, unknown>>({
  target: fc.oneof(
    { arbitrary: good(fc.constantFrom<TargetKind>('worker', 'worker-no-metrics', 'sandbox', 'pool', 'empty-pool')), weight: 12 },
    { arbitrary: bad(fc.constant<TargetKind>('other-namespace'), 'runs in namespace'), weight: 1 },
    { arbitrary: bad(fc.constant<TargetKind>('not-a-workload'), 'is not a DaprWorker, FteSandbox or SandboxPool'), weight: 1 },
  ),
  port: optional(mix(good(fc.constantFrom('metrics', 'http')), bad(fc.constantFrom('Metrics', 'a-very-long-port-name', ''), '.port'))),
  portNumber: optional(mix(good(fc.constantFrom(9100, 8080)), bad(fc.constantFrom(0, 70000, 1.5), '.portNumber'))),
  path: optional(mix(good(fc.constantFrom('/metrics', '/', '/a/b.c')), bad(fc.constantFrom('metrics', '/a b', ''), '.path'))),
  twice: fc.oneof({ arbitrary: good(fc.constant(false)), weight: 15 }, { arbitrary: bad(fc.constant(true), 'is already monitored'), weight: 1 }),
}), (m) => {
  const problems: Mentions[] = [];
  const isWorker = m.target === 'worker' || m.target === 'worker-no-metrics';
  const isSandbox = m.target === 'sandbox' || m.target === 'pool' || m.target === 'empty-pool';
  if (isWorker && m.port !== undefined && m.port !== (m.target === 'worker' ? 'metrics' : undefined)) problems.push(['.port']);
  if (isWorker && m.portNumber !== undefined) problems.push(['.portNumber']);
  if (isSandbox) {
    if (m.port === undefined && m.portNumber !== undefined) problems.push(['.port']);
    if (m.port !== undefined && m.portNumber === undefined) problems.push(['.portNumber']);
    // The sandboxes declare `metrics` 9100 and nothing else: another name or number scrapes nothing.
    if (m.port !== undefined && m.port !== METRICS_PORT.name) problems.push(['.port']);
    if (m.port !== undefined && m.portNumber !== undefined && m.portNumber !== METRICS_PORT.number) problems.push(['.portNumber']);
  }
  return problems;
});

const monitoringCase: fc.Arbitrary<Case<MonitoringInput>> = caseRecord<MonitoringInput & Record<string, unknown>>({
  selectionLabels: optional(mix(
    good(fc.dictionary(labelKey, labelValue, { minKeys: 1, maxKeys: 2 })),
    fc.oneof(bad(fc.constant({}), 'selectionLabels'), bad(badLabelPair.map(([k, v]) => ({ [k]: v })), 'selectionLabels')),
  )),
  prometheusNamespace: optional(mix(good(namespaceName), bad(badDnsLabel, 'prometheusNamespace'))),
  scrapeInterval: optional(durationCase('scrapeInterval', 5, 3600)),
  ruleName: optional(mix(good(dnsLabel), bad(badDnsLabel, 'ruleName'))),
  latencyMs: optional(mix(good(fc.oneof(fc.integer({ min: 1, max: 60_000 }), fc.constant(1))), bad(fc.constantFrom(0, 0.5, 1500.5, Number.NaN), 'claimStartupLatencyThreshold'))),
  monitors: caseArray(monitorCase, { maxLength: 4 }),
});

function buildMonitoring(app: App, m: MonitoringInput): Chart {
  const chart = new Chart(app, 'test', { namespace: 'agents' });
  const monitoring = new FteMonitoring(chart, 'monitoring', {
    selectionLabels: m.selectionLabels,
    prometheusNamespace: m.prometheusNamespace,
    scrapeInterval: m.scrapeInterval && durationOf(m.scrapeInterval),
    ruleName: m.ruleName,
    claimStartupLatencyThreshold: m.latencyMs === undefined ? undefined : Duration.millis(m.latencyMs),
  });
  let other: Chart | undefined;
  m.monitors.forEach((mon, i) => {
    const name = fixedName(mon.target.replace(/-/g, ''), i);
    const worker = (c: Chart, metrics: boolean): DaprWorker => new DaprWorker(c, name, {
      image: IMAGE, resources: RESOURCES, readiness: Probe.httpGet('/healthz', 8000),
      ports: [{ name: 'http', number: 8000 }, ...(metrics ? [METRICS_PORT] : [])], metricsPortName: metrics ? 'metrics' : undefined,
    });
    const sandboxProps = { image: IMAGE, resources: RESOURCES, ports: [METRICS_PORT] };
    let target: unknown;
    switch (mon.target) {
      case 'worker': target = worker(chart, true); break;
      case 'worker-no-metrics': target = worker(chart, false); break;
      case 'sandbox': target = new FteSandbox(chart, name, sandboxProps); break;
      case 'pool': target = new SandboxPool(chart, name, { ...sandboxProps, replicas: 2, workspace: Workspace.ephemeral() }); break;
      case 'empty-pool': target = new SandboxPool(chart, name, { ...sandboxProps, replicas: 0, workspace: Workspace.ephemeral() }); break;
      case 'other-namespace': target = worker(other ??= new Chart(app, 'other', { namespace: 'elsewhere' }), true); break;
      case 'not-a-workload': target = new VaultSync(chart, name, { server: VaultServer.existingConnection('default'), role: 'r' }); break;
    }
    const options = { port: mon.port, portNumber: mon.portNumber, path: mon.path };
    monitoring.monitor(target as DaprWorker, options);
    if (mon.twice) monitoring.monitor(target as DaprWorker, options);
  });
  return chart;
}

function expectMonitoringKept(m: MonitoringInput, objs: any[]): void {
  const rule = objs.find((o) => o.kind === 'PrometheusRule');
  expect(rule.metadata.name).toBe(m.ruleName ?? 'ftekit-alerts');
  const selection = m.selectionLabels ?? { release: 'kube-prometheus-stack' };
  const monitors = objs.filter((o) => o.kind === 'PodMonitor' || o.kind === 'ServiceMonitor');
  for (const o of [rule, ...monitors]) for (const [k, v] of Object.entries(selection)) expect(o.metadata.labels[k]).toBe(v);
  const interval = `${m.scrapeInterval ? durationSeconds(m.scrapeInterval, 5, 3600) : 30}s`;
  for (const o of monitors) for (const e of o.spec.podMetricsEndpoints ?? o.spec.endpoints) expect(e.interval).toBe(interval);
  const pools = m.monitors.filter((mon) => mon.target === 'pool').length;
  const latency = rule.spec.groups.flatMap((g: any) => g.rules).filter((r: any) => r.alert === 'FteClaimStartupSlow');
  expect(latency).toHaveLength(pools);
  for (const r of latency) expect(r.expr.endsWith(`> ${m.latencyMs ?? 1000}`)).toBe(true);
  const expectedMonitors = m.monitors.reduce((n, mon) => n + (mon.target === 'worker' ? 2 : mon.target === 'worker-no-metrics' ? 1 : mon.port !== undefined ? 1 : 0), 0);
  expect(monitors).toHaveLength(expectedMonitors);
  // Prometheus may scrape every monitored port: the allowlists admit its namespace there.
  const ns = m.prometheusNamespace ?? 'monitoring';
  m.monitors.forEach((mon, i) => {
    if (mon.target !== 'worker' && !(mon.port !== undefined && mon.target !== 'worker-no-metrics')) return;
    const np = objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === `${fixedName(mon.target.replace(/-/g, ''), i)}-allowlist`);
    const admits = np.spec.ingress.some((r: any) => r.from.some((f: any) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === ns)
      && r.ports.some((p: any) => p.port === METRICS_PORT.number));
    expect(admits).toBe(true);
  });
}

// ---------------------------------------------------------------------------------------
// Properties

describeWithShared('property: VaultSync, static secrets, rollout targets and FteMonitoring', () => {
  test('VaultServer, VaultSync and addStaticSecret: bad input throws naming the field; good input gives valid manifests and the right rollout targets', () => {
    fc.assert(fc.property(vaultCase, (c) => {
      checkCase(c, synthVault, expectVaultKept);
    }), params(800));
  });

  test('FteMonitoring and monitor(...): bad input throws naming the field; good input gives valid manifests', () => {
    fc.assert(fc.property(monitoringCase, (c) => {
      checkCase(c, (m) => buildMonitoring(new App({ outdir: '/nonexistent-not-written' }), m).toJson(), expectMonitoringKept);
    }), params(700));
  });

  test('synthesising the same valid VaultSync or FteMonitoring twice gives byte-identical YAML', () => {
    const valid = fc.oneof(vaultCase.map((v) => ({ vault: v })), monitoringCase.map((m) => ({ monitoring: m })))
      .filter((c) => ('vault' in c ? c.vault : c.monitoring).problems.length === 0);
    fc.assert(fc.property(valid, (c) => {
      expectDeterministic((app) => {
        if ('vault' in c) buildVault(app, c.vault.value);
        else buildMonitoring(app, c.monitoring.value);
      });
    }), params(40));
  });
});
