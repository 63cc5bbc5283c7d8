import { Chart } from 'cdk8s';
import { EgressAllowlist, EgressEnforcement, FteValidationError, IWorkload, Peer, Port } from '../src';
import { describeWithShared, expectSchemaValid } from './support/schema';
import { chart, ofKind, one, synth } from './support/synth';
import { Construct } from 'constructs';

/** A minimal workload, as any ftekit workload presents itself. */
function workload(scope: Construct, name: string): IWorkload {
  const w = new Construct(scope, `w-${name}`) as Construct & { workloadName: string; podSelector: Record<string, string>; namespace?: string };
  w.workloadName = name;
  w.podSelector = { 'ftekit.dev/workload': name };
  w.namespace = Chart.of(scope).namespace;
  return w;
}

const DNS_RULE = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
};

describe('EgressAllowlist', () => {
  test('default deny both ways, DNS first, then exactly what is allowed', () => {
    const objs = synth((c) => {
      const a = new EgressAllowlist(c, 'allow', { workload: workload(c, 'agent'), egress: ['kafka:9092', 'redis.cache.svc.cluster.local:6379'] });
      a.allowTo(Peer.cidr('10.20.0.0/16', { except: ['10.20.5.0/24'] }), Port.tcp(5432));
      a.allowTo(Peer.pods({ labels: { app: 'db' }, namespace: 'data' }), Port.tcp(5432), Port.udp(5433));
      a.allowFrom(Peer.namespace('monitoring'), Port.tcp(9090));
      a.allowFrom(Peer.workload(workload(c, 'router')), Port.tcp(8000));
      a.allow('kafka:9092'); // duplicates collapse
    });
    const np = one(objs, 'NetworkPolicy', 'agent-allowlist');
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.podSelector).toEqual({ matchLabels: { 'ftekit.dev/workload': 'agent' } });
    expect(np.spec.egress).toEqual([
      DNS_RULE,
      { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'kafka' } } }], ports: [{ protocol: 'TCP', port: 9092 }] },
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cache' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'redis' } } }], ports: [{ protocol: 'TCP', port: 6379 }] },
      { to: [{ ipBlock: { cidr: '10.20.0.0/16', except: ['10.20.5.0/24'] } }], ports: [{ protocol: 'TCP', port: 5432 }] },
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'data' } }, podSelector: { matchLabels: { app: 'db' } } }], ports: [{ protocol: 'TCP', port: 5432 }, { protocol: 'UDP', port: 5433 }] },
    ]);
    expect(np.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 9090 }] },
      { from: [{ podSelector: { matchLabels: { 'ftekit.dev/workload': 'router' } } }], ports: [{ protocol: 'TCP', port: 8000 }] },
    ]);
    // Never an empty rule (which would allow everything).
    for (const rule of [...np.spec.egress, ...np.spec.ingress]) expect(Object.keys(rule).sort()).toEqual(rule.to ? ['ports', 'to'] : ['from', 'ports']);
    expect(ofKind(objs, 'CiliumNetworkPolicy')).toHaveLength(0);
  });

  test('no ingress rules: the ingress list is left out, not empty (server-side apply stays a no-op)', () => {
    const objs = synth((c) => {
      new EgressAllowlist(c, 'allow', { workload: workload(c, 'agent'), egress: ['kafka:9092'] });
    });
    const np = one(objs, 'NetworkPolicy', 'agent-allowlist');
    // Still denies all ingress: Ingress is among the policy types and no rule allows any.
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect('ingress' in np.spec).toBe(false);
    expect(np.spec.egress).toHaveLength(2);
  });

  test('with Cilium, hostnames become toFQDNs with the DNS-proxy rule, and no broad ipBlock', () => {
    const objs = synth((c) => new EgressAllowlist(c, 'allow', {
      workload: workload(c, 'agent'),
      enforcement: EgressEnforcement.CILIUM,
      egress: ['*.googleapis.com:443', 'api.anthropic.com:443', 'api.openai.com:443', 'git.example.com:22'],
    }));
    const cnp = one(objs, 'CiliumNetworkPolicy', 'agent-fqdn');
    expect(cnp.apiVersion).toBe('cilium.io/v2');
    expect(cnp.spec.endpointSelector).toEqual({ matchLabels: { 'ftekit.dev/workload': 'agent' } });
    expect(cnp.spec.egress).toEqual([
      {
        toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' } }],
        toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: [{ matchPattern: '*' }] } }],
      },
      { toFQDNs: [{ matchPattern: '*.googleapis.com' }, { matchName: 'api.anthropic.com' }, { matchName: 'api.openai.com' }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] },
      { toFQDNs: [{ matchName: 'git.example.com' }], toPorts: [{ ports: [{ port: '22', protocol: 'TCP' }] }] },
    ]);
    const np = one(objs, 'NetworkPolicy');
    expect(np.spec.egress).toEqual([DNS_RULE]);
    expect(JSON.stringify(np)).not.toContain('0.0.0.0/0');
  });

  test('the explicit public fallback widens hostnames to public addresses and says so', () => {
    const objs = synth((c) => new EgressAllowlist(c, 'allow', {
      workload: workload(c, 'agent'),
      enforcement: EgressEnforcement.kubernetesWithPublicFallback(),
      egress: ['api.anthropic.com:443'],
    }));
    const np = one(objs, 'NetworkPolicy');
    expect(np.metadata.annotations['ftekit.dev/hostname-fallback']).toBe('api.anthropic.com:443 widened to public addresses (no hostname enforcement)');
    const rule = np.spec.egress[1];
    expect(rule.ports).toEqual([{ protocol: 'TCP', port: 443 }]);
    expect(rule.to).toEqual([
      { ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'] } },
      { ipBlock: { cidr: '::/0', except: ['::1/128', 'fc00::/7', 'fe80::/10'] } },
    ]);
    expect(ofKind(objs, 'CiliumNetworkPolicy')).toHaveLength(0);
  });

  test('a custom cluster DNS (NodeLocal DNSCache, CoreDNS labels)', () => {
    const np = one(synth((c) => new EgressAllowlist(c, 'a', { workload: workload(c, 'w'), clusterDns: { namespace: 'dns', podLabels: { app: 'coredns' } } })), 'NetworkPolicy');
    expect(np.spec.egress[0].to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns' } }, podSelector: { matchLabels: { app: 'coredns' } } }]);
  });

  describe('throws when', () => {
    test('a service peer name label is not a label key', () => {
      expect(() => Peer.service('kafka', { nameLabel: 'Bad Key' })).toThrow(/Peer.service: "Bad Key" is not a valid label key/);
    });
    test('a hostname is used with plain NetworkPolicy enforcement', () => {
      const c = chart();
      const a = new EgressAllowlist(c, 'allow', { workload: workload(c, 'agent') });
      expect(() => a.allowTo(Peer.hostname('api.openai.com'), Port.tcp(443))).toThrow(FteValidationError);
      expect(() => a.allow('*.googleapis.com:443')).toThrow(/EgressAllowlist at 'test\/allow': allowTo: hostname "\*.googleapis.com" cannot be enforced by a Kubernetes NetworkPolicy; expected enforcement EgressEnforcement.CILIUM/);
    });
    test('a seed-style destination is malformed', () => {
      const c = chart();
      expect(() => new EgressAllowlist(c, 'a', { workload: workload(c, 'w'), egress: ['kafka'] })).toThrow(/egress\[0\]: Peer.parse: "kafka" has no port/);
      const cases: Array<[string, RegExp]> = [
        ['kafka:99999', /"kafka:99999": port 99999 is out of range; expected an integer 1-65535$/],
        ['kafka:http', /has port "http", not a number/],
        ['api.*.com:443', /has an invalid hostname/],
        ['Kafka:9092', /names an invalid service/],
        [':443', /has no port/],
      ];
      for (const [dest, pattern] of cases) expect(() => Peer.parse(dest)).toThrow(pattern);
    });
    test('a rule has no ports, or a hostname is an ingress source', () => {
      const c = chart();
      const a = new EgressAllowlist(c, 'allow', { workload: workload(c, 'agent'), enforcement: EgressEnforcement.CILIUM });
      expect(() => a.allowTo(Peer.cidr('10.0.0.0/8'))).toThrow(/allowTo: no ports given for 10.0.0.0\/8; expected at least one Port.tcp/);
      expect(() => a.allowFrom(Peer.hostname('evil.example.com'), Port.tcp(80))).toThrow(/allowFrom: hostname "evil.example.com" cannot be an ingress source/);
    });
    test('a CIDR or its except list is invalid', () => {
      expect(() => Peer.cidr('10.0.0.1/8')).toThrow(/Peer.cidr: "10.0.0.1\/8" is not a valid CIDR \(host bits set\)/);
      expect(() => Peer.cidr('10.0.0.0/8', { except: ['192.168.0.0/16'] })).toThrow(/except "192.168.0.0\/16" is not inside 10.0.0.0\/8/);
      expect(() => Port.tcp(0)).toThrow(/Port.tcp: port 0 is out of range/);
      expect(() => Peer.pods({ labels: { 'bad key!': 'x' } })).toThrow(/Peer.pods: label "bad key!"/);
    });
    test('the workload is missing', () => {
      expect(() => new EgressAllowlist(chart(), 'a', { workload: undefined as any })).toThrow(/EgressAllowlist at 'test\/a': workload: undefined is not a workload/);
    });
  });
});

describeWithShared('EgressAllowlist schema', () => {
  test('NetworkPolicy and CiliumNetworkPolicy are schema-valid', () => {
    expectSchemaValid(synth((c) => {
      const a = new EgressAllowlist(c, 'a', { workload: workload(c, 'agent'), enforcement: EgressEnforcement.CILIUM, egress: ['kafka:9092', '*.googleapis.com:443', 'api.anthropic.com:443'] });
      a.allowTo(Peer.cidr('fd00::/8', { except: ['fd00:1::/32'] }), Port.udp(4789));
      a.allowFrom(Peer.namespace('monitoring'), Port.tcp(9090));
      new EgressAllowlist(c, 'b', { workload: workload(c, 'other'), enforcement: EgressEnforcement.kubernetesWithPublicFallback(), egress: ['api.openai.com:443'] });
    }));
  });
});
