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

  test('with GKE_FQDN, hostnames become one FQDNNetworkPolicy (name or pattern, per port set), no Cilium object', () => {
    const objs = synth((c) => new EgressAllowlist(c, 'allow', {
      workload: workload(c, 'agent'),
      enforcement: EgressEnforcement.GKE_FQDN,
      egress: ['kafka:9092', '*.googleapis.com:443', 'api.anthropic.com:443', 'api.anthropic.com:443', 'git.example.com:22'],
    }));
    const fqdn = one(objs, 'FQDNNetworkPolicy', 'agent-fqdn');
    expect(fqdn.apiVersion).toBe('networking.gke.io/v1alpha1');
    expect(fqdn.spec).toEqual({
      podSelector: { matchLabels: { 'ftekit.dev/workload': 'agent' } },
      egress: [
        { matches: [{ pattern: '*.googleapis.com' }, { name: 'api.anthropic.com' }], ports: [{ protocol: 'TCP', port: 443 }] },
        { matches: [{ name: 'git.example.com' }], ports: [{ protocol: 'TCP', port: 22 }] },
      ],
    });
    expect(ofKind(objs, 'CiliumNetworkPolicy')).toHaveLength(0);
    // The in-cluster rule and DNS to kube-dns (which GKE's FQDN enforcement needs) stay in the NetworkPolicy.
    const np = one(objs, 'NetworkPolicy');
    expect(np.spec.egress).toEqual([DNS_RULE, { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'kafka' } } }], ports: [{ protocol: 'TCP', port: 9092 }] }]);
    expect(JSON.stringify(np)).not.toContain('0.0.0.0/0');
  });

  test('with EKS_APPLICATION_NETWORK_POLICY, hostnames become an egress-only ApplicationNetworkPolicy with domainNames', () => {
    const objs = synth((c) => {
      const a = new EgressAllowlist(c, 'allow', { workload: workload(c, 'agent'), enforcement: EgressEnforcement.EKS_APPLICATION_NETWORK_POLICY, egress: ['api.anthropic.com:443', 'api.openai.com:443'] });
      a.allowTo(Peer.hostname('dns.example.com'), Port.udp(53), Port.tcp(53));
      a.allowTo(Peer.cidr('10.0.0.0/8'), Port.tcp(5432));
    });
    const anp = one(objs, 'ApplicationNetworkPolicy', 'agent-fqdn');
    expect(anp.apiVersion).toBe('networking.k8s.aws/v1alpha1');
    expect(anp.spec).toEqual({
      podSelector: { matchLabels: { 'ftekit.dev/workload': 'agent' } },
      policyTypes: ['Egress'],
      egress: [
        { to: [{ domainNames: ['api.anthropic.com', 'api.openai.com'] }], ports: [{ protocol: 'TCP', port: 443 }] },
        { to: [{ domainNames: ['dns.example.com'] }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
      ],
    });
    // A domainNames peer carries nothing else (the CRD's CEL rules); no ingress in it.
    for (const rule of anp.spec.egress) for (const peer of rule.to) expect(Object.keys(peer)).toEqual(['domainNames']);
    expect(ofKind(objs, 'CiliumNetworkPolicy')).toHaveLength(0);
    expect(one(objs, 'NetworkPolicy').spec.egress).toEqual([DNS_RULE, { to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ protocol: 'TCP', port: 5432 }] }]);
  });

  test('without hostname rules, GKE_FQDN and EKS emit only the NetworkPolicy', () => {
    for (const enforcement of [EgressEnforcement.GKE_FQDN, EgressEnforcement.EKS_APPLICATION_NETWORK_POLICY]) {
      const objs = synth((c) => new EgressAllowlist(c, 'allow', { workload: workload(c, 'agent'), enforcement, egress: ['kafka:9092'] }));
      expect(objs.map((o) => o.kind)).toEqual(['NetworkPolicy']);
    }
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
      expect(() => a.allow('*.googleapis.com:443')).toThrow(/EgressAllowlist at 'test\/allow': allowTo: hostname "\*.googleapis.com" cannot be enforced by a Kubernetes NetworkPolicy; expected enforcement EgressEnforcement.CILIUM, GKE_FQDN or EKS_APPLICATION_NETWORK_POLICY/);
    });
    test('GKE_FQDN gets a Service name, which GKE translates before its policy applies', () => {
      const c = chart();
      const a = new EgressAllowlist(c, 'allow', { workload: workload(c, 'agent'), enforcement: EgressEnforcement.GKE_FQDN });
      expect(() => a.allowTo(Peer.hostname('kafka.messaging.svc.cluster.local'), Port.tcp(9092))).toThrow(
        /^EgressAllowlist at 'test\/allow': allowTo: hostname "kafka.messaging.svc.cluster.local" names an in-cluster Service, which a GKE FQDNNetworkPolicy cannot allow .*; expected Peer.service/);
      expect(() => a.allowTo(Peer.hostname('db-0.db.data.svc'), Port.tcp(5432))).toThrow(/names an in-cluster Service/);
    });
    test('GKE_FQDN gets more than 50 hostnames in one policy', () => {
      const c = chart();
      const a = new EgressAllowlist(c, 'allow', { workload: workload(c, 'agent'), enforcement: EgressEnforcement.GKE_FQDN });
      for (let i = 0; i < 50; i++) a.allow(`api${i}.example.com:443`);
      a.allow('api0.example.com:8443'); // the same hostname on another port adds no address
      expect(() => a.allow('one-more.example.com:443')).toThrow(
        /allowTo: hostname "one-more.example.com" would be hostname 51 of FQDNNetworkPolicy agent-fqdn, but GKE resolves at most 50 IP addresses per FQDNNetworkPolicy and every hostname takes at least one; expected at most 50 hostnames per workload/);
    });
    test('GKE_FQDN with a custom cluster DNS, which GKE FQDN policy does not support', () => {
      const c = chart();
      const a = new EgressAllowlist(c, 'allow', { workload: workload(c, 'agent'), enforcement: EgressEnforcement.GKE_FQDN, clusterDns: { namespace: 'dns', podLabels: { app: 'coredns' } } });
      a.allow('kafka:9092'); // only hostname rules need GKE's resolver
      expect(() => a.allow('api.openai.com:443')).toThrow(/allowTo: hostname "api.openai.com" needs GKE's kube-dns or Cloud DNS, but clusterDns names a custom resolver \(dns, \{"app":"coredns"\}\)/);
    });
    test('EKS_APPLICATION_NETWORK_POLICY gets a wildcard, which EKS matches at any depth', () => {
      const c = chart();
      expect(() => new EgressAllowlist(c, 'allow', { workload: workload(c, 'agent'), enforcement: EgressEnforcement.EKS_APPLICATION_NETWORK_POLICY, egress: ['api.openai.com:443', '*.googleapis.com:443'] })).toThrow(
        /^EgressAllowlist at 'test\/allow': egress\[1\]: hostname "\*.googleapis.com" is a wildcard, which an EKS ApplicationNetworkPolicy matches at one or more labels \(a.b.googleapis.com too\), wider than the one label ftekit promises; expected exact hostnames/);
    });
    test('a wildcard is not a whole leading label (refused for every backend, GKE and Cilium/AKS included)', () => {
      for (const bad of ['sub*.example.com', '**.example.com', 'api.*.example.com', '*.*.example.com', '*']) {
        expect(() => Peer.hostname(bad)).toThrow(/Peer.hostname: .* is not a valid hostname; expected RFC 1123 labels such as api.anthropic.com, with '\*' allowed only as the whole leftmost label/);
      }
    });
    test('a seed-style destination is malformed', () => {
      const c = chart();
      expect(() => new EgressAllowlist(c, 'a', { workload: workload(c, 'w'), egress: ['kafka'] })).toThrow(/^EgressAllowlist at 'test\/a': egress\[0\]: "kafka" has no port; expected "<service>:<port>"/);
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

  test('FQDNNetworkPolicy (GKE) and ApplicationNetworkPolicy (EKS) are schema-valid', () => {
    const objs = synth((c) => {
      const g = new EgressAllowlist(c, 'g', { workload: workload(c, 'gke'), enforcement: EgressEnforcement.GKE_FQDN, egress: ['kafka:9092', '*.googleapis.com:443', 'api.anthropic.com:443'] });
      g.allowTo(Peer.hostname('dns.example.com'), Port.udp(53), Port.tcp(53));
      const e = new EgressAllowlist(c, 'e', { workload: workload(c, 'eks'), enforcement: EgressEnforcement.EKS_APPLICATION_NETWORK_POLICY, egress: ['api.anthropic.com:443', 'api.openai.com:443'] });
      e.allowTo(Peer.hostname('a-b.c.example.io'), Port.udp(4789));
    });
    expect(objs.map((o) => o.kind).sort()).toEqual(['ApplicationNetworkPolicy', 'FQDNNetworkPolicy', 'NetworkPolicy', 'NetworkPolicy']);
    expectSchemaValid(objs);
  });
});
