import { App, Chart } from 'cdk8s';
import * as fc from 'fast-check';
import { FteSandbox, Peer, Port } from '../src';
import { NON_PUBLIC_IPV4 } from '../src/egress-allowlist';
import { IMAGE, RESOURCES } from './support/fixtures';
import { describeWithShared } from './support/schema';
import { badDnsLabel, dnsLabel, EnforcementName, enforcementOf, labelKey, labelValue } from './support/arbitraries';
import { bad, Case, caseArray, caseRecord, checkCase, expectDeterministic, good, mix, params, withConflicts } from './support/cases';

type PeerRecipe =
  | { readonly type: 'workload' }
  | { readonly type: 'pods'; readonly labels: Record<string, string>; readonly namespace?: string }
  | { readonly type: 'namespace'; readonly name: string }
  | { readonly type: 'service'; readonly name: string; readonly namespace?: string; readonly nameLabel?: string }
  | { readonly type: 'cidr'; readonly cidr: string; readonly except: string[] }
  | { readonly type: 'hostname'; readonly hostname: string };

interface PortRecipe { readonly protocol: 'tcp' | 'udp'; readonly number: number }
interface RuleRecipe { readonly direction: 'to' | 'from'; readonly peer: PeerRecipe; readonly ports: PortRecipe[] }
interface AllowlistInput { readonly enforcement: EnforcementName; readonly rules: RuleRecipe[] }

/** An IPv4 network with its host bits cleared, and a sub-network of it. */
const ipv4Network = fc.tuple(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 8 }))
  .map(([octets, prefix, extra]) => {
    const addr = octets.reduce((a, o) => a * 256 + o, 0);
    const mask = (p: number): number => (p === 0 ? 0 : (2 ** 32 - 2 ** (32 - p)));
    const text = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
    const net = Number(BigInt(addr) & BigInt(mask(prefix)));
    const subPrefix = Math.min(32, prefix + extra);
    const sub = Number(BigInt(addr) & BigInt(mask(subPrefix)));
    return { cidr: `${text(net)}/${prefix}`, sub: `${text(sub)}/${subPrefix}` };
  });

const peer: fc.Arbitrary<Case<PeerRecipe>> = fc.oneof(
  good(fc.constant<PeerRecipe>({ type: 'workload' })),
  mix(
    good(fc.record({ type: fc.constant('pods' as const), labels: fc.dictionary(labelKey, labelValue, { maxKeys: 2 }), namespace: fc.option(dnsLabel, { nil: undefined }) })),
    bad(fc.record({ type: fc.constant('pods' as const), labels: fc.constantFrom<Record<string, string>>({ 'Bad Key': 'x' }, { app: 'has space' }), namespace: fc.constant(undefined) }), 'Peer.pods'),
    2,
  ),
  mix(good(dnsLabel.map((name): PeerRecipe => ({ type: 'namespace', name }))), bad(badDnsLabel.map((name): PeerRecipe => ({ type: 'namespace', name })), 'Peer.namespace'), 2),
  mix(
    good(fc.record({ type: fc.constant('service' as const), name: dnsLabel, namespace: fc.option(dnsLabel, { nil: undefined }), nameLabel: fc.option(fc.constantFrom('app', 'app.kubernetes.io/instance'), { nil: undefined }) })),
    fc.oneof(
      bad(fc.record({ type: fc.constant('service' as const), name: badDnsLabel }), 'Peer.service'),
      bad(fc.record({ type: fc.constant('service' as const), name: dnsLabel, nameLabel: fc.constantFrom('Bad Key', 'a/b/c', '') }), 'Peer.service'),
    ),
    2,
  ),
  mix(
    good(fc.oneof(
      ipv4Network.map(({ cidr, sub }): PeerRecipe => ({ type: 'cidr', cidr, except: sub !== cidr ? [sub] : [] })),
      fc.constantFrom<PeerRecipe>({ type: 'cidr', cidr: '::/0', except: ['fc00::/7'] }, { type: 'cidr', cidr: '2001:db8::/32', except: [] }, { type: 'cidr', cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] }),
    )),
    bad(fc.constantFrom<PeerRecipe>(
      { type: 'cidr', cidr: '10.0.0.1/8', except: [] }, { type: 'cidr', cidr: '10.0.0.0', except: [] }, { type: 'cidr', cidr: '256.0.0.0/8', except: [] },
      { type: 'cidr', cidr: '10.0.0.0/33', except: [] }, { type: 'cidr', cidr: 'fd00::/129', except: [] }, { type: 'cidr', cidr: '10.0.0.0/8', except: ['192.168.0.0/16'] },
      { type: 'cidr', cidr: '10.0.0.0/8', except: ['10.1.0.1/16'] }, { type: 'cidr', cidr: '', except: [] }, { type: 'cidr', cidr: '10.0.0.0/8', except: ['fd00::/8'] },
    ), 'Peer.cidr'),
    2,
  ),
  mix(
    good(fc.oneof(
      { arbitrary: fc.tuple(fc.boolean(), fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?$/), fc.constantFrom('com', 'googleapis.com', 'example.io')).map(([wild, l, tld]): PeerRecipe => ({ type: 'hostname', hostname: `${wild ? '*' : l}.${tld}` })), weight: 9 },
      // Valid hostnames that name in-cluster Services (GKE refuses them).
      { arbitrary: fc.tuple(dnsLabel, dnsLabel, fc.constantFrom('svc', 'svc.cluster.local')).map(([a, b, tail]): PeerRecipe => ({ type: 'hostname', hostname: `${a}.${b}.${tail}` })), weight: 1 },
    )),
    bad(fc.constantFrom('api.*.com', '*', 'localhost', 'API.example.com', 'a_b.example.com', '*.*.com', 'example.com.', '', 'exämple.com', '*api.example.com').map((hostname): PeerRecipe => ({ type: 'hostname', hostname })), 'Peer.hostname'),
    2,
  ),
);

const port: fc.Arbitrary<Case<PortRecipe>> = caseRecord({
  protocol: good(fc.constantFrom<'tcp' | 'udp'>('tcp', 'udp')),
  number: mix(good(fc.integer({ min: 1, max: 65535 })), bad(fc.constantFrom(0, -1, 65536, 70000, 1.5, Number.NaN), 'Port.')),
});

const rule: fc.Arbitrary<Case<RuleRecipe>> = withConflicts(caseRecord<RuleRecipe & Record<string, unknown>>({
  direction: good(fc.constantFrom<'to' | 'from'>('to', 'from')),
  peer,
  ports: mix(caseArray(port, { minLength: 1, maxLength: 3 }), bad(fc.constant([]), 'no ports given'), 1),
}), (r) => (r.peer.type === 'hostname' && r.direction === 'from' ? [['allowFrom']] : []));

/** Hostnames of egress rules. */
const egressHostnames = (a: AllowlistInput): string[] => a.rules.flatMap((r) => (r.peer.type === 'hostname' && r.direction === 'to' ? [r.peer.hostname] : []));

const input: fc.Arbitrary<Case<AllowlistInput>> = withConflicts(caseRecord<AllowlistInput & Record<string, unknown>>({
  enforcement: good(fc.constantFrom<EnforcementName>('kubernetes', 'cilium', 'fallback', 'gke', 'eks')),
  rules: caseArray(rule, { maxLength: 5 }),
}), (a) => {
  const hosts = egressHostnames(a);
  if (a.enforcement === 'kubernetes' && hosts.length) return [['cannot be enforced by a Kubernetes NetworkPolicy']];
  // What each platform documents it cannot enforce (at most 5 rules: GKE's 50-hostname cap has its own property).
  if (a.enforcement === 'gke' && hosts.some((h) => /\.(svc|cluster\.local)$/.test(h))) return [['names an in-cluster Service, which a GKE FQDNNetworkPolicy cannot allow']];
  if (a.enforcement === 'eks' && hosts.some((h) => h.startsWith('*.'))) return [['is a wildcard, which an EKS ApplicationNetworkPolicy matches at one or more labels']];
  return [];
});

function peerOf(p: PeerRecipe, self: FteSandbox): Peer {
  switch (p.type) {
    case 'workload': return Peer.workload(self);
    case 'pods': return Peer.pods({ labels: p.labels, namespace: p.namespace });
    case 'namespace': return Peer.namespace(p.name);
    case 'service': return Peer.service(p.name, { namespace: p.namespace, nameLabel: p.nameLabel });
    case 'cidr': return Peer.cidr(p.cidr, { except: p.except });
    case 'hostname': return Peer.hostname(p.hostname);
  }
}

function build(chart: Chart, a: AllowlistInput): void {
  const sandbox = new FteSandbox(chart, 'agent', { image: IMAGE, resources: RESOURCES, egressEnforcement: enforcementOf(a.enforcement) });
  for (const r of a.rules) {
    const ports = r.ports.map((p) => (p.protocol === 'tcp' ? Port.tcp(p.number) : Port.udp(p.number)));
    if (r.direction === 'to') sandbox.network.allowTo(peerOf(r.peer, sandbox), ...ports);
    else sandbox.network.allowFrom(peerOf(r.peer, sandbox), ...ports);
  }
}

function synthOnce(a: AllowlistInput): any[] {
  const chart = new Chart(new App({ outdir: '/nonexistent-not-written' }), 'test', { namespace: 'agents' });
  build(chart, a);
  return chart.toJson();
}

describeWithShared('property: EgressAllowlist rules', () => {
  test('bad peers, ports and enforcement conflicts throw naming them; good rules all reach valid policies', () => {
    fc.assert(fc.property(input, (c) => {
      checkCase(c, synthOnce, (a, objs) => {
        const np = objs.find((o) => o.kind === 'NetworkPolicy');
        const cnp = objs.find((o) => o.kind === 'CiliumNetworkPolicy');
        const fqdn = objs.find((o) => o.kind === 'FQDNNetworkPolicy');
        const anp = objs.find((o) => o.kind === 'ApplicationNetworkPolicy');
        // Exactly one hostname object, of the enforcement's kind, and only when there are hostnames.
        const kinds = objs.map((o) => o.kind).filter((k) => ['CiliumNetworkPolicy', 'FQDNNetworkPolicy', 'ApplicationNetworkPolicy'].includes(k));
        const expectedKind = { cilium: 'CiliumNetworkPolicy', gke: 'FQDNNetworkPolicy', eks: 'ApplicationNetworkPolicy' }[a.enforcement as string];
        expect(kinds).toEqual(expectedKind && egressHostnames(a).length ? [expectedKind] : []);
        // Hostnames are never widened to public addresses outside the explicit fallback.
        if (a.enforcement !== 'fallback') {
          expect(np.metadata.annotations?.['ftekit.dev/hostname-fallback']).toBeUndefined();
          expect(JSON.stringify(np)).not.toContain(JSON.stringify(NON_PUBLIC_IPV4));
        }
        for (const r of a.rules) {
          const wanted = r.ports.map((p) => ({ protocol: p.protocol.toUpperCase(), port: p.number }));
          const samePorts = (ports: any[]): boolean => ports.length === wanted.length && wanted.every((w) => ports.some((p: any) => p.port === w.port && p.protocol === w.protocol));
          if (r.peer.type === 'hostname') {
            const host = r.peer.hostname;
            if (a.enforcement === 'gke') {
              expect(fqdn.spec.egress.some((e: any) => e.matches.some((m: any) => (m.name ?? m.pattern) === host && ('pattern' in m) === host.includes('*')) && samePorts(e.ports))).toBe(true);
            } else if (a.enforcement === 'eks') {
              expect(anp.spec.egress.some((e: any) => e.to[0].domainNames.includes(host) && samePorts(e.ports))).toBe(true);
            } else if (a.enforcement === 'cilium') {
              expect(cnp.spec.egress.some((e: any) => e.toFQDNs?.some((f: any) => (f.matchName ?? f.matchPattern) === host)
                && wanted.every((w) => e.toPorts[0].ports.some((p: any) => p.port === String(w.port) && p.protocol === w.protocol)))).toBe(true);
            } else {
              expect(np.metadata.annotations['ftekit.dev/hostname-fallback']).toContain(`${r.peer.hostname}:${wanted[0].port}`);
            }
            continue;
          }
          const list = r.direction === 'to' ? np.spec.egress : np.spec.ingress;
          // The rule is there with exactly its ports: none clamped, none dropped.
          const key = (ports: any[]): string => ports.map((p) => `${p.port}/${p.protocol}`).join(',');
          expect(list.map((e: any) => key(e.ports))).toContain(key(wanted));
          if (r.peer.type === 'cidr') {
            const cidr = r.peer.cidr;
            expect(list.some((e: any) => (e.to ?? e.from).some((p: any) => p.ipBlock?.cidr === cidr))).toBe(true);
          }
        }
      });
    }), params(800));
  });

  test('GKE: up to 50 distinct hostnames (each takes at least one of its 50 addresses) fit in one FQDNNetworkPolicy; one more is refused', () => {
    const hostnames = fc.uniqueArray(fc.tuple(fc.boolean(), fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?$/), fc.constantFrom('com', 'example.io'))
      .map(([wild, l, tld]) => `${wild ? '*' : l}.${tld}`), { minLength: 1, maxLength: 60 });
    fc.assert(fc.property(hostnames, fc.array(fc.constantFrom(443, 8443), { minLength: 1, maxLength: 2 }), (hosts, ports) => {
      const c: Case<AllowlistInput> = {
        value: { enforcement: 'gke', rules: hosts.flatMap((hostname) => ports.map((n) => ({ direction: 'to' as const, peer: { type: 'hostname' as const, hostname }, ports: [{ protocol: 'tcp' as const, number: n }] }))) },
        problems: hosts.length > 50 ? [['would be hostname 51 of FQDNNetworkPolicy agent-fqdn, but GKE resolves at most 50 IP addresses per FQDNNetworkPolicy']] : [],
      };
      checkCase(c, synthOnce, (_a, objs) => {
        const fqdn = objs.find((o) => o.kind === 'FQDNNetworkPolicy');
        const matched = new Set(fqdn.spec.egress.flatMap((e: any) => e.matches.map((m: any) => m.name ?? m.pattern)));
        expect([...matched].sort()).toEqual([...hosts].sort());
      });
    }), params(60));
  });

  test('synthesising the same rules twice gives byte-identical YAML', () => {
    fc.assert(fc.property(input.filter((c) => c.problems.length === 0), (c) => {
      expectDeterministic((app) => build(new Chart(app, 'test', { namespace: 'agents' }), c.value));
    }), params(50));
  });
});
