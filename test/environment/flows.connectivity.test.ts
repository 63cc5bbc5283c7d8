/**
 * Connectivity proof: np-guard's netpol-analyzer computes, from each dist/<env>/ (plus
 * stand-in Pods, see test/netpol/stand-ins.ts), which connections the NetworkPolicies allow;
 * they must equal exactly the flows ftekit's own model derives from the stack file
 * (src/environment/flows.ts): every intended flow allowed, every other pair of pods and
 * every other address denied. Hostname rules and the Cilium API-server entity are outside
 * what the analyzer reads: they are checked on the Cilium/GKE objects directly.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import * as YAML from 'yaml';
import { buildEnvironment } from '../../src/environment/build';
import { endpointId, environmentFlows, Flow, FlowEndpoint } from '../../src/environment/flows';
import { loadStackSpec } from '../../src/environment/stack-files';
import { EnvironmentSpec } from '../../src/environment/spec';
import { resolveCharts, writeManifests } from '../../src/app/synth';
import { goAvailable } from '../cluster/control-plane';
import { analyzeConnectivity, AnalyzerConnection, ensureAnalyzer } from '../netpol/analyzer';
import { asInjected, ipv4Only, Ipv6Rule, node, standIns } from '../netpol/stand-ins';
import { ipRanges, rangesOfCidr } from '../netpol/ranges';

const STACKS = path.resolve(__dirname, '../../stacks');
const ENVS = ['dev', 'staging', 'prod'];

function skipReason(): string | undefined {
  if (goAvailable()) return undefined;
  if (process.env.CI === 'true') throw new Error('connectivity test: Go is not on PATH (netpol-analyzer is built from Go modules), and CI=true forbids skipping it');
  return 'Go is not on PATH: netpol-analyzer is built from Go modules';
}

type Obj = { kind: string; apiVersion: string; metadata: { name: string; namespace?: string }; spec?: any };

/** dist/<env>/ of `spec` and its stand-ins in a fresh directory; the objects synthesised. */
function synthWithStandIns(spec: EnvironmentSpec, flows: readonly Flow[]): { dir: string; objects: Obj[]; ipv6Rules: Ipv6Rule[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ftekit-netpol-${spec.name}-`));
  const app = new App({ outdir: dir });
  buildEnvironment(app, spec);
  const manifests = resolveCharts(app);
  const ipv6Rules: Ipv6Rule[] = [];
  writeManifests(manifests.map((m) => ({ ...m, objects: m.objects.map((o) => ipv4Only(asInjected(o), ipv6Rules)) })));
  const objects = manifests.flatMap((m) => m.objects as Obj[]);
  const external = flows.flatMap((f) => [f.from, f.to]);
  fs.writeFileSync(path.join(dir, 'stand-ins.yaml'), standIns(spec, objects, external).map((o) => YAML.stringify(o)).join('---\n'));
  return { dir, objects, ipv6Rules };
}

/** The analyzer's nodes an endpoint stands for (pods only; addresses are compared as ranges). */
function nodesOf(e: FlowEndpoint, objects: readonly Obj[]): string[] {
  switch (e.kind) {
    case 'workload': {
      const o = objects.find((x) => ['Sandbox', 'SandboxTemplate', 'Deployment'].includes(x.kind) && x.metadata.name === e.name);
      return o ? [node(e.namespace, e.name, o.kind === 'Deployment' ? 'Deployment' : 'Pod')] : [];
    }
    case 'peer':
    case 'pods':
      return [node(e.namespace, e.name)];
    case 'namespace':
      return [node(e.namespace, 'prometheus')];
    default:
      return [];
  }
}

/** `TCP 8080,9090` / `UDP 53` / `All Connections` as `port/protocol` items. */
function connItems(conn: string): string[] {
  if (/^all connections$/i.test(conn.trim())) return ['*/*'];
  return conn.split(/[;,]\s*(?=[A-Z])/).flatMap((part) => {
    const m = /^\s*(TCP|UDP|SCTP)\s+(.+)$/.exec(part.trim());
    if (!m) return [`?${part}`];
    return m[2].split(',').flatMap((p) => {
      const r = /^(\d+)(?:-(\d+))?$/.exec(p.trim());
      if (!r) return [`?${p}/${m[1]}`];
      const lo = Number(r[1]);
      const hi = Number(r[2] ?? r[1]);
      return Array.from({ length: hi - lo + 1 }, (_x, i) => `${lo + i}/${m[1]}`);
    });
  });
}

const isAddress = (node: string): boolean => !node.includes('[');

const describeLive = skipReason() ? describe.skip : describe;
if (skipReason()) console.warn(`connectivity test skipped: ${skipReason()}`);

describeLive('every environment allows exactly its flows (netpol-analyzer)', () => {
  let analyzer: string;
  beforeAll(() => {
    analyzer = ensureAnalyzer((line) => console.log(`netpol: ${line}`));
  }, 30 * 60 * 1000);

  describe.each(ENVS)('%s', (env) => {
    const spec = loadStackSpec(STACKS, env);
    const flows = environmentFlows(spec);
    let objects: Obj[];
    let connections: AnalyzerConnection[];
    let ipv6Rules: Ipv6Rule[];
    beforeAll(() => {
      const synth = synthWithStandIns(spec, flows);
      objects = synth.objects;
      ipv6Rules = synth.ipv6Rules;
      connections = analyzeConnectivity(analyzer, synth.dir);
      fs.rmSync(synth.dir, { recursive: true, force: true });
    }, 120_000);

    /** Allowed pod-to-pod connections with an end in the FTE namespace, as `src -> dst port/proto`. */
    const podPairs = (): string[] => connections
      .filter((c) => !isAddress(c.src) && !isAddress(c.dst))
      .filter((c) => c.src.startsWith(`${spec.namespace}/`) || c.dst.startsWith(`${spec.namespace}/`))
      .flatMap((c) => connItems(c.conn).map((i) => `${c.src} -> ${c.dst} ${i}`))
      .sort();

    test('pod-to-pod connections equal the flows of the model', () => {
      const expected = flows.flatMap((f) => nodesOf(f.from, objects).flatMap((src) => nodesOf(f.to, objects)
        // The analyzer leaves out a workload's connections to itself (between a Deployment's
        // replicas: the Dapr sidecar flow), so the comparison does too.
        .filter((dst) => dst !== src)
        .map((dst) => `${src} -> ${dst} ${f.port ?? '*'}/${f.protocol}`)));
      expect(podPairs()).toEqual([...new Set(expected)].sort());
    });

    test('the only addresses FTE pods reach, and the only addresses that reach them, are the flows\' CIDRs', () => {
      const addressConns = connections.filter((c) => (isAddress(c.src) && c.dst.startsWith(`${spec.namespace}/`)) || (isAddress(c.dst) && c.src.startsWith(`${spec.namespace}/`)));
      expect(addressConns.filter((c) => isAddress(c.src))).toEqual([]);
      // Per source pod and port: the union of address ranges the analyzer allows.
      const actual = new Map<string, Array<[bigint, bigint]>>();
      for (const c of addressConns) for (const item of connItems(c.conn)) {
        const key = `${c.src} ${item}`;
        actual.set(key, [...(actual.get(key) ?? []), ...ipRanges(c.dst)]);
      }
      const expected = new Map<string, Array<[bigint, bigint]>>();
      for (const f of flows) {
        if (f.to.kind !== 'cidr' || f.to.cidr.includes(':')) continue;
        for (const src of nodesOf(f.from, objects)) {
          const key = `${src} ${f.port}/${f.protocol}`;
          expected.set(key, [...(expected.get(key) ?? []), ...rangesOfCidr(f.to.cidr, f.to.except)]);
        }
      }
      const norm = (m: Map<string, Array<[bigint, bigint]>>): Record<string, string> =>
        Object.fromEntries([...m].map(([k, v]) => [k, merge(v).map(([a, b]) => `${a}-${b}`).join(' ')]).sort());
      expect(norm(actual)).toEqual(norm(expected));
    });

    test('IPv6 flows (which the IPv4-only analyzer cannot judge) are exactly the IPv6 ipBlock rules', () => {
      const expected = flows.filter((f) => f.to.kind === 'cidr' && f.to.cidr.includes(':'))
        .map((f) => `${endpointId(f.from).split('/')[1]} -> ${endpointId(f.to)} ${f.port}/${f.protocol}`).sort();
      expect([...ipv6Rules].sort()).toEqual(expected);
    });

    test('hostname flows are exactly the hostname policy rules', () => {
      const hostnameFlows = flows.filter((f) => f.to.kind === 'hostname').map((f) => `${endpointId(f.from).split('/')[1]} -> ${endpointId(f.to)} ${f.port}`).sort();
      const rules: string[] = [];
      for (const o of objects) {
        const name = (o.spec?.podSelector ?? o.spec?.endpointSelector)?.matchLabels?.['ftekit.dev/workload'];
        if (o.kind === 'CiliumNetworkPolicy') {
          for (const r of o.spec.egress ?? []) for (const h of r.toFQDNs ?? []) for (const p of r.toPorts?.[0]?.ports ?? []) rules.push(`${name} -> ${h.matchName ?? h.matchPattern} ${p.port}`);
        }
        if (o.kind === 'FQDNNetworkPolicy') {
          for (const r of o.spec.egress ?? []) for (const h of r.matches ?? []) for (const p of r.ports ?? []) rules.push(`${name} -> ${h.name ?? h.pattern} ${p.port}`);
        }
      }
      expect(rules.sort()).toEqual(hostnameFlows);
    });

    test('API-server flows under Cilium are exactly its kube-apiserver entity rules', () => {
      const entityFlows = flows.filter((f) => f.to.kind === 'entity').map((f) => endpointId(f.from).split('/')[1]).sort();
      const rules = objects.filter((o) => o.kind === 'CiliumNetworkPolicy' && (o.spec.egress ?? []).some((r: { toEntities?: string[] }) => r.toEntities?.includes('kube-apiserver')))
        .map((o) => o.spec.endpointSelector.matchLabels['ftekit.dev/workload']).sort();
      expect(rules).toEqual(entityFlows);
    });
  });
});

/** Sorted, merged ranges. */
function merge(ranges: Array<[bigint, bigint]>): Array<[bigint, bigint]> {
  const sorted = [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Array<[bigint, bigint]> = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1n) last[1] = hi > last[1] ? hi : last[1];
    else out.push([lo, hi]);
  }
  return out;
}
