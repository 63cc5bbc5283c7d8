import { ApiObject, ApiObjectMetadata, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { CiliumNetworkPolicy, CiliumNetworkPolicySpec, CiliumNetworkPolicySpecEgress, CiliumNetworkPolicySpecEgressToEntities, CiliumNetworkPolicySpecEgressToPortsPortsProtocol } from './imports/cilium.io';
import { FqdnNetworkPolicy, FqdnNetworkPolicySpec, FqdnNetworkPolicySpecEgressPortsProtocol } from './imports/networking.gke.io';
import { ApplicationNetworkPolicy, ApplicationNetworkPolicySpec, ApplicationNetworkPolicySpecEgressPortsPort } from './imports/networking.k8s.aws';
import { Construct } from 'constructs';
import { APP_NAME_LABEL, APP_PART_OF_LABEL, FTEKIT, HOSTNAME_FALLBACK_ANNOTATION, NAMESPACE_NAME_LABEL } from './_labels';
import { constructError, describeValue, ensure, FteValidationError, ProblemCollector } from './errors';
import { checkCidr, checkDnsLabel, checkHostname, checkLabelKey, checkLabels, checkPort, cidrContains, Problem } from './_validate';
import { IWorkload, namespaceOf } from './_workload';

/** A port (and protocol) a rule allows. */
export class Port {
  /** TCP port. */
  public static tcp(port: number): Port {
    return new Port(port, 'TCP');
  }

  /** UDP port. */
  public static udp(port: number): Port {
    return new Port(port, 'UDP');
  }

  private constructor(public readonly number: number, public readonly protocol: 'TCP' | 'UDP') {
    const problem = checkPort(number);
    if (problem) throw new FteValidationError(`Port.${protocol.toLowerCase()}`, problem);
  }

  /** `443/TCP` */
  public toString(): string {
    return `${this.number}/${this.protocol}`;
  }
}

/** Selects pods by labels, optionally in another namespace. */
export interface PodPeerOptions {
  /** Labels the peer pods carry (all must match). Empty selects every pod. */
  readonly labels: Record<string, string>;
  /**
   * Namespace of the peer pods.
   * @default - the allowlist's own namespace
   */
  readonly namespace?: string;
}

/** Options for {@link Peer.cidr}. */
export interface CidrPeerOptions {
  /**
   * Sub-networks of the CIDR that stay denied.
   * @default - none
   */
  readonly except?: string[];
}

/** Options for {@link Peer.service}. */
export interface ServicePeerOptions {
  /**
   * Namespace of the service's pods, matched with a namespaceSelector when it is not the
   * allowlist's own.
   * @default - the allowlist's own namespace
   */
  readonly namespace?: string;
  /**
   * Label key whose value is the service name on the backing pods.
   * @default 'app.kubernetes.io/name'
   */
  readonly nameLabel?: string;
}

type PeerSpec =
  | { readonly type: 'pods'; readonly labels: Record<string, string>; readonly namespace?: string; readonly allNamespacePods?: boolean }
  | { readonly type: 'cidr'; readonly cidr: string; readonly except: string[] }
  | { readonly type: 'hostname'; readonly hostname: string };

/**
 * The other side of a rule: in-cluster pods (by workload object, labels or namespace),
 * an IP network, or (egress only) a hostname.
 */
export class Peer {
  /** The pods of another ftekit workload, wherever it runs. */
  public static workload(workload: IWorkload): Peer {
    return new Peer({ type: 'pods', labels: { ...workload.podSelector }, namespace: workload.namespace }, workload.workloadName);
  }

  /** Pods selected by labels, optionally in another namespace. */
  public static pods(options: PodPeerOptions): Peer {
    const problem = checkLabels(options.labels) ?? (options.namespace !== undefined ? checkDnsLabel(options.namespace) : undefined);
    if (problem) throw new FteValidationError('Peer.pods', problem);
    return new Peer({ type: 'pods', labels: { ...options.labels }, namespace: options.namespace }, `pods ${JSON.stringify(options.labels)}`);
  }

  /** Every pod of a namespace (e.g. `monitoring`). */
  public static namespace(name: string): Peer {
    const problem = checkDnsLabel(name);
    if (problem) throw new FteValidationError('Peer.namespace', problem);
    return new Peer({ type: 'pods', labels: {}, namespace: name, allNamespacePods: true }, `namespace ${name}`);
  }

  /**
   * The pods behind an in-cluster service such as `kafka`, selected by the label
   * `app.kubernetes.io/name=<name>` (the Kubernetes recommended label that common charts
   * set). Use {@link Peer.pods} when the service's pods are labelled differently.
   */
  public static service(name: string, options: ServicePeerOptions = {}): Peer {
    const problem = checkDnsLabel(name) ?? (options.namespace !== undefined ? checkDnsLabel(options.namespace) : undefined)
      ?? (options.nameLabel !== undefined ? checkLabelKey(options.nameLabel) : undefined);
    if (problem) throw new FteValidationError('Peer.service', problem);
    return new Peer({ type: 'pods', labels: { [options.nameLabel ?? APP_NAME_LABEL]: name }, namespace: options.namespace }, `service ${name}`);
  }

  /** An IPv4 or IPv6 network, minus `except` sub-networks. */
  public static cidr(cidr: string, options: CidrPeerOptions = {}): Peer {
    const except = options.except ?? [];
    const problem = checkCidr(cidr) ?? except.map((e) => checkCidr(e) ?? (cidrContains(cidr, e) ? undefined : `except ${describeValue(e)} is not inside ${cidr}; expected a sub-network of it`)).find((p) => p);
    if (problem) throw new FteValidationError('Peer.cidr', problem);
    return new Peer({ type: 'cidr', cidr, except: [...except] }, cidr);
  }

  /**
   * A hostname such as `api.anthropic.com`, or `*.googleapis.com` (one label deep: it
   * does not match `googleapis.com` or `a.b.googleapis.com`). Egress only; needs
   * {@link EgressEnforcement.CILIUM}, {@link EgressEnforcement.GKE_FQDN},
   * {@link EgressEnforcement.EKS_APPLICATION_NETWORK_POLICY} (exact hostnames only), or the
   * explicit public-address fallback.
   */
  public static hostname(hostname: string): Peer {
    const problem = checkHostname(hostname);
    if (problem) throw new FteValidationError('Peer.hostname', problem);
    return new Peer({ type: 'hostname', hostname }, hostname);
  }

  /**
   * Parses a seed-style destination `host:port`:
   * - `kafka:9092`: one label, an in-cluster service in the same namespace ({@link Peer.service});
   * - `kafka.messaging.svc:9092` or `....svc.cluster.local:9092`: a service in namespace `messaging`;
   * - anything else with dots (`api.anthropic.com:443`, `*.googleapis.com:443`): a hostname.
   * The port is TCP.
   */
  public static parse(destination: string): { readonly peer: Peer; readonly port: Port } {
    const parsed = parseDestination(destination);
    if (typeof parsed === 'string') throw new FteValidationError('Peer.parse', parsed);
    return parsed;
  }

  private constructor(public readonly spec: PeerSpec, public readonly description: string) {}
}

/** {@link Peer.parse} as a check: the peer and port, or the problem with `destination`. */
function parseDestination(destination: unknown): { readonly peer: Peer; readonly port: Port } | string {
  const bad = (why: string): string => `${describeValue(destination)} ${why}; expected "<service>:<port>" (kafka:9092) or "<hostname>:<port>" (api.anthropic.com:443, *.googleapis.com:443)`;
  if (typeof destination !== 'string') return bad('is not a string');
  const colon = destination.lastIndexOf(':');
  if (colon <= 0) return bad('has no port');
  const host = destination.slice(0, colon);
  const portText = destination.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText)) return bad(`has port ${describeValue(portText)}, not a number`);
  const portProblem = checkPort(Number(portText));
  if (portProblem) return `${describeValue(destination)}: ${portProblem}`;
  const port = Port.tcp(Number(portText));
  const svc = /^([^.]+)\.([^.]+)\.svc(\.cluster\.local)?$/.exec(host);
  if (!host.includes('.')) {
    if (checkDnsLabel(host)) return bad('names an invalid service');
    return { peer: Peer.service(host), port };
  }
  if (svc) {
    if (checkDnsLabel(svc[1]) || checkDnsLabel(svc[2])) return bad('names an invalid service or namespace');
    return { peer: Peer.service(svc[1], { namespace: svc[2] }), port };
  }
  const hostProblem = checkHostname(host);
  if (hostProblem) return bad(`has an invalid hostname (${hostProblem})`);
  return { peer: Peer.hostname(host), port };
}

/** Names of the enforcement engines, as the stack files spell them (`egressEnforcement`). */
export type EgressEngine = 'kubernetes' | 'cilium' | 'gke-fqdn' | 'eks-application-network-policy';

/**
 * How egress rules are enforced, which decides whether hostname rules are possible and which
 * object carries them. In-cluster and CIDR rules are always a standard NetworkPolicy; only
 * hostname rules differ per platform. Each backend refuses, at synth time, what its platform
 * documents it cannot enforce, rather than emitting a policy that silently allows less or more.
 */
export class EgressEnforcement {
  /** Standard `networking.k8s.io/v1` NetworkPolicy only. Hostname rules are an error. */
  public static readonly KUBERNETES = new EgressEnforcement('kubernetes', false);

  /**
   * NetworkPolicy for in-cluster and CIDR rules, plus a `cilium.io/v2`
   * CiliumNetworkPolicy for hostname rules (`toFQDNs` and the DNS-proxy rule it needs).
   * For a self-managed Cilium, and for AKS with Advanced Container Networking Services (Azure
   * CNI powered by Cilium; its leading-wildcard-only rule is what {@link Peer.hostname} already
   * allows; it does not work with node-local DNS).
   */
  public static readonly CILIUM = new EgressEnforcement('cilium', false);

  /**
   * GKE's managed FQDN network policy: hostname rules become a `networking.gke.io/v1alpha1`
   * FQDNNetworkPolicy (egress only, additive to the NetworkPolicy, which keeps allowing DNS to
   * kube-dns). Needs Dataplane V2 and `--enable-fqdn-network-policy`, and kube-dns or Cloud
   * DNS (not a custom DNS deployment), Linux nodes only. Refused at synth time: more than 50
   * hostnames per workload (GKE programs at most 50 addresses per policy and every hostname
   * takes at least one), Service names (`*.svc`, `*.cluster.local`: GKE translates Service
   * addresses before the policy is evaluated) and a custom `clusterDns`. At run time GKE also
   * caps addresses at 100 per hostname.
   */
  public static readonly GKE_FQDN = new EgressEnforcement('gke-fqdn', false);

  /**
   * EKS Auto Mode's ApplicationNetworkPolicy: hostname rules become a
   * `networking.k8s.aws/v1alpha1` ApplicationNetworkPolicy with `domainNames` peers (egress
   * only, evaluated with the NetworkPolicy in the same tier, which keeps allowing DNS to
   * kube-dns). Wildcard hostnames are refused: EKS's `*.example.com` matches one or more
   * labels (`a.b.example.com` too), wider than the one label {@link Peer.hostname} promises.
   */
  public static readonly EKS_APPLICATION_NETWORK_POLICY = new EgressEnforcement('eks-application-network-policy', false);

  /**
   * Standard NetworkPolicy, where each hostname rule is widened to "those ports on any
   * public address" (0.0.0.0/0 and ::/0 minus private, CGNAT, loopback, link-local and ULA
   * ranges). Weaker than the hostname: the policy carries the annotation
   * `ftekit.dev/hostname-fallback` listing what was widened.
   */
  public static kubernetesWithPublicFallback(): EgressEnforcement {
    return new EgressEnforcement('kubernetes', true);
  }

  private constructor(public readonly engine: EgressEngine, public readonly publicFallback: boolean) {}
}

/** GKE programs at most 50 IP addresses per FQDNNetworkPolicy; each hostname needs at least one. */
export const GKE_FQDN_MAX_HOSTNAMES = 50;

/** Where cluster DNS runs; egress to it on 53/UDP and 53/TCP is always allowed. */
export interface ClusterDnsOptions {
  /**
   * Namespace of the cluster DNS pods, selected by its `kubernetes.io/metadata.name` label.
   * @default 'kube-system'
   */
  readonly namespace?: string;
  /**
   * Labels of the cluster DNS pods (the podSelector of the DNS egress rule); must not be empty.
   * @default { 'k8s-app': 'kube-dns' }
   */
  readonly podLabels?: Record<string, string>;
}

/** Namespace of the cluster DNS pods unless {@link ClusterDnsOptions} says otherwise. */
export const DEFAULT_DNS_NAMESPACE = 'kube-system';
/** Labels of the cluster DNS pods unless {@link ClusterDnsOptions} says otherwise. */
export const DEFAULT_DNS_LABELS: Readonly<Record<string, string>> = { 'k8s-app': 'kube-dns' };

/** The NetworkPolicy egress rule allowing DNS (53/UDP and 53/TCP) to the cluster resolver. */
export function dnsEgressRule(namespace: string, podLabels: Readonly<Record<string, string>>): k8s.NetworkPolicyEgressRule {
  return {
    to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } }, podSelector: { matchLabels: { ...podLabels } } }],
    ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) }],
  };
}

/** Props for {@link EgressAllowlist}. */
export interface EgressAllowlistProps {
  /** The workload whose pods this allowlist governs. */
  readonly workload: IWorkload;
  /**
   * How the rules are enforced: NetworkPolicy only, or with a CiliumNetworkPolicy, a GKE
   * FQDNNetworkPolicy or an EKS ApplicationNetworkPolicy for hostname rules.
   * @default EgressEnforcement.KUBERNETES
   */
  readonly enforcement?: EgressEnforcement;
  /**
   * Where cluster DNS runs; the NetworkPolicy always allows egress to it on 53/UDP and 53/TCP.
   * @default - kube-dns in kube-system
   */
  readonly clusterDns?: ClusterDnsOptions;
  /**
   * Seed-style destinations to allow right away, e.g. `['kafka:9092', 'api.anthropic.com:443']`
   * (see {@link Peer.parse}).
   * @default - none
   */
  readonly egress?: string[];
}

/**
 * Where the Kubernetes API server's endpoints are: the addresses and port behind the
 * `kubernetes` Service (`kubectl get endpointslices -n default -l
 * kubernetes.io/service-name=kubernetes`), which a standard NetworkPolicy sees after the
 * Service address is translated.
 */
export interface ApiServerEndpoint {
  /** The endpoint addresses as CIDRs, e.g. `['172.16.0.2/32']`. */
  readonly cidrs: string[];
  /** The endpoint port: 443 on GKE, EKS and AKS, 6443 on kubeadm clusters. */
  readonly port: number;
}

/** Private, CGNAT, loopback and link-local IPv4 ranges excluded by the public fallback. */
export const NON_PUBLIC_IPV4 = ['10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'];
/** Loopback, ULA and link-local IPv6 ranges excluded by the public fallback. */
export const NON_PUBLIC_IPV6 = ['::1/128', 'fc00::/7', 'fe80::/10'];

interface Rule { readonly peer: Peer; readonly ports: Port[] }

/**
 * Default deny for one workload, in both directions, then only what is allowed: DNS to
 * the cluster resolver, in-cluster pods, CIDRs, hostnames, and ingress from named peers.
 *
 * Emits a `networking.k8s.io/v1` NetworkPolicy (id `Resource`) with both policy types
 * and, for hostname rules, the enforcement's hostname object (id `Fqdn`, name
 * `<workload>-fqdn`): a CiliumNetworkPolicy ({@link EgressEnforcement.CILIUM}), an
 * FQDNNetworkPolicy ({@link EgressEnforcement.GKE_FQDN}) or an ApplicationNetworkPolicy
 * ({@link EgressEnforcement.EKS_APPLICATION_NETWORK_POLICY}). Rules are checked when added:
 * bad input throws and never reaches output.
 */
export class EgressAllowlist extends Construct {
  /** The governed workload. */
  public readonly workload: IWorkload;
  /** Enforcement in use. */
  public readonly enforcement: EgressEnforcement;
  /** The NetworkPolicy. */
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  private readonly egressRules = new RuleList();
  private readonly ingressRules = new RuleList();
  private readonly dnsNamespace: string;
  private readonly dnsLabels: Record<string, string>;
  private readonly ownNamespace?: string;
  private fqdnPolicy?: ApiObject;
  private readonly widened: string[] = [];
  private apiServerEntity?: { readonly port?: number };

  public constructor(scope: Construct, id: string, props: EgressAllowlistProps) {
    super(scope, id);
    if (!props.workload || typeof props.workload.workloadName !== 'string') {
      throw constructError(this, 'EgressAllowlist', 'workload', `${describeValue(props.workload)} is not a workload; expected an FteSandbox, SandboxPool or DaprWorker object`);
    }
    this.workload = props.workload;
    this.enforcement = props.enforcement ?? EgressEnforcement.KUBERNETES;
    this.dnsNamespace = props.clusterDns?.namespace ?? DEFAULT_DNS_NAMESPACE;
    this.dnsLabels = { ...(props.clusterDns?.podLabels ?? DEFAULT_DNS_LABELS) };
    const problems = ProblemCollector.forConstruct(this, 'EgressAllowlist');
    problems.add('clusterDns.namespace', checkDnsLabel(this.dnsNamespace), this.dnsNamespace);
    problems.add('clusterDns.podLabels', checkLabels(this.dnsLabels) ?? (Object.keys(this.dnsLabels).length === 0 ? 'is empty; expected the labels of the DNS pods' : undefined));
    this.ownNamespace = namespaceOf(this) ?? props.workload.namespace;

    this.networkPolicy = this._toKube();
    this.allowDestinations(props.egress ?? [], problems);
    problems.throwIfAny();
  }

  /**
   * The NetworkPolicy, its rules read at synth. The hostname policy (id `Fqdn`) comes with the
   * first hostname rule, in the kind of the enforcement ({@link EgressAllowlist.ensureFqdnPolicy}).
   */
  private _toKube(): k8s.KubeNetworkPolicy {
    return new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: { name: `${this.workload.workloadName}-allowlist`, labels: { [APP_PART_OF_LABEL]: FTEKIT } },
      spec: Lazy.any({ produce: () => this.networkPolicySpec() }),
    });
  }

  /** Allows egress to `peer` on `ports` (at least one). Returns this allowlist. */
  public allowTo(peer: Peer, ...ports: Port[]): this {
    ensure(this, 'EgressAllowlist', 'allowTo', this.egressProblem(peer, ports));
    this.addEgress(peer, ports);
    return this;
  }

  /**
   * Allows seed-style destinations (`kafka:9092`, `api.anthropic.com:443`), recording the
   * problem of each bad one at `<field>[i]` in `problems` (the owner's collector: the
   * destinations are its props) instead of throwing.
   * @internal
   */
  public allowDestinations(destinations: readonly string[], problems: ProblemCollector, field = 'egress'): void {
    destinations.forEach((destination, i) => {
      const parsed = parseDestination(destination);
      const problem = typeof parsed === 'string' ? parsed : this.egressProblem(parsed.peer, [parsed.port]);
      if (problems.add(`${field}[${i}]`, problem, destination) && typeof parsed !== 'string') this.addEgress(parsed.peer, [parsed.port]);
    });
  }

  /** What is wrong with an egress rule to `peer` on `ports` under this enforcement, if anything. */
  private egressProblem(peer: Peer, ports: Port[]): Problem {
    const ruleProblem = this.ruleProblem(peer, ports);
    if (ruleProblem !== undefined || peer.spec.type !== 'hostname') return ruleProblem;
    const hostname = peer.spec.hostname;
    switch (this.enforcement.engine) {
      case 'cilium':
        return undefined;
      case 'gke-fqdn':
        return this.gkeProblem(hostname);
      case 'eks-application-network-policy':
        return hostname.startsWith('*.')
          ? `hostname ${JSON.stringify(hostname)} is a wildcard, which an EKS ApplicationNetworkPolicy matches at one or more labels (${hostname.replace('*', 'a.b')} too), wider than the one label ftekit promises; expected exact hostnames under EgressEnforcement.EKS_APPLICATION_NETWORK_POLICY`
          : undefined;
      default:
        return this.enforcement.publicFallback ? undefined
          : `hostname ${JSON.stringify(hostname)} cannot be enforced by a Kubernetes NetworkPolicy; expected enforcement EgressEnforcement.CILIUM, GKE_FQDN or EKS_APPLICATION_NETWORK_POLICY (egressEnforcement: cilium, gke-fqdn or eks-application-network-policy), or the explicit EgressEnforcement.kubernetesWithPublicFallback() (kubernetes-public-fallback), or a Peer.cidr(...) instead`;
    }
  }

  /** Adds an egress rule that {@link egressProblem} accepted. */
  private addEgress(peer: Peer, ports: Port[]): void {
    if (peer.spec.type === 'hostname') {
      const hostname = peer.spec.hostname;
      switch (this.enforcement.engine) {
        case 'cilium':
          this.ensureFqdnPolicy((metadata) => new CiliumNetworkPolicy(this, 'Fqdn', { metadata, spec: Lazy.any({ produce: () => this.ciliumSpec() }) }));
          break;
        case 'gke-fqdn':
          this.ensureFqdnPolicy((metadata) => new FqdnNetworkPolicy(this, 'Fqdn', { metadata, spec: Lazy.any({ produce: () => this.gkeSpec() }) }));
          break;
        case 'eks-application-network-policy':
          this.ensureFqdnPolicy((metadata) => new ApplicationNetworkPolicy(this, 'Fqdn', { metadata, spec: Lazy.any({ produce: () => this.eksSpec() }) }));
          break;
        default:
          this.widened.push(...ports.map((p) => `${hostname}:${p.number}`));
          this.networkPolicy.metadata.addAnnotation(HOSTNAME_FALLBACK_ANNOTATION, `${this.widened.join(',')} widened to public addresses (no hostname enforcement)`);
      }
    }
    this.egressRules.add({ peer, ports });
  }

  /**
   * Allows egress to the Kubernetes API server: under {@link EgressEnforcement.CILIUM} to the
   * `kube-apiserver` entity (on `endpoint.port` when given), which follows the API server
   * wherever it runs; under every other enforcement to `endpoint`'s addresses and port, since
   * a standard NetworkPolicy can only allow it by address. Returns this allowlist.
   */
  public allowKubeApiServer(endpoint?: ApiServerEndpoint): this {
    ensure(this, 'EgressAllowlist', 'allowKubeApiServer', this.kubeApiServerProblem(endpoint));
    if (this.enforcement.engine === 'cilium') {
      this.apiServerEntity = { port: endpoint?.port };
      this.ensureFqdnPolicy((metadata) => new CiliumNetworkPolicy(this, 'Fqdn', { metadata, spec: Lazy.any({ produce: () => this.ciliumSpec() }) }));
      return this;
    }
    for (const cidr of endpoint!.cidrs) this.egressRules.add({ peer: Peer.cidr(cidr), ports: [Port.tcp(endpoint!.port)] });
    return this;
  }

  /** What is wrong with egress to the API server at `endpoint` under this enforcement, if anything. */
  public kubeApiServerProblem(endpoint: ApiServerEndpoint | undefined): Problem {
    if (endpoint === undefined) {
      return this.enforcement.engine === 'cilium' ? undefined
        : 'is missing; API access needs egress to the Kubernetes API server, which a standard NetworkPolicy can only allow by address; expected the API server endpoint\'s addresses and port, { cidrs: ["172.16.0.2/32"], port: 443 } (kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes), or EgressEnforcement.CILIUM (the kube-apiserver entity)';
    }
    if (!Array.isArray(endpoint.cidrs) || endpoint.cidrs.length === 0) return `cidrs ${describeValue(endpoint.cidrs)} is empty; expected the API server endpoint's addresses as CIDRs, e.g. ["172.16.0.2/32"]`;
    const bad = endpoint.cidrs.map((c) => checkCidr(c)).find((p) => p);
    return bad ? `cidrs: ${bad}` : checkPort(endpoint.port) ? `port: ${checkPort(endpoint.port)}` : undefined;
  }

  /** Allows ingress from `peer` on `ports` of the workload's pods. Returns this allowlist. */
  public allowFrom(peer: Peer, ...ports: Port[]): this {
    ensure(this, 'EgressAllowlist', 'allowFrom', this.ruleProblem(peer, ports) ?? (peer.spec.type === 'hostname'
      ? `hostname ${JSON.stringify(peer.spec.hostname)} cannot be an ingress source; expected a workload, pods, a namespace or a CIDR` : undefined));
    this.ingressRules.add({ peer, ports });
    return this;
  }

  /** Allows a seed-style destination such as `kafka:9092` or `*.googleapis.com:443`. */
  public allow(destination: string): this {
    const parsed = parseDestination(destination);
    if (typeof parsed === 'string') throw constructError(this, 'EgressAllowlist', 'allow', parsed);
    return this.allowTo(parsed.peer, parsed.port);
  }

  /** Hostnames widened by the public fallback, as `host:port`. */
  public get widenedHostnames(): readonly string[] {
    return [...this.widened];
  }

  private ruleProblem(peer: Peer, ports: Port[]): Problem {
    if (!(peer instanceof Peer)) return `${describeValue(peer)} is not a Peer; expected Peer.workload(...), Peer.pods(...), Peer.cidr(...) or Peer.hostname(...)`;
    return ports.length === 0
      ? `no ports given for ${peer.description}; expected at least one Port.tcp(...) or Port.udp(...) (ftekit never allows all ports)`
      : ports.every((p) => p instanceof Port) ? undefined : `${describeValue(ports)} are not Ports; expected Port.tcp(n) or Port.udp(n)`;
  }

  /**
   * The one object carrying the hostname rules (id `Fqdn`, name `<workload>-fqdn`), whichever
   * backend renders it.
   */
  private ensureFqdnPolicy(create: (metadata: ApiObjectMetadata) => ApiObject): void {
    if (this.fqdnPolicy) return;
    this.fqdnPolicy = create({ name: `${this.workload.workloadName}-fqdn`, labels: { [APP_PART_OF_LABEL]: FTEKIT } });
  }

  /** What GKE's FQDNNetworkPolicy documents it cannot do with `hostname`, knowable at synth time. */
  private gkeProblem(hostname: string): Problem {
    if (/\.(svc|cluster\.local)$/.test(hostname)) {
      return `hostname ${JSON.stringify(hostname)} names an in-cluster Service, which a GKE FQDNNetworkPolicy cannot allow (GKE translates the Service address to pod addresses before evaluating the policy); expected Peer.service(...), Peer.workload(...) or Peer.pods(...)`;
    }
    if (this.dnsNamespace !== DEFAULT_DNS_NAMESPACE || JSON.stringify(this.dnsLabels) !== JSON.stringify(DEFAULT_DNS_LABELS)) {
      return `hostname ${JSON.stringify(hostname)} needs GKE's kube-dns or Cloud DNS, but clusterDns names a custom resolver (${this.dnsNamespace}, ${JSON.stringify(this.dnsLabels)}), which GKE FQDNNetworkPolicy does not support; expected the default clusterDns under EgressEnforcement.GKE_FQDN`;
    }
    const hostnames = new Set(this.hostnameGroups().flatMap((g) => g.hosts));
    if (!hostnames.has(hostname) && hostnames.size >= GKE_FQDN_MAX_HOSTNAMES) {
      return `hostname ${JSON.stringify(hostname)} would be hostname ${hostnames.size + 1} of FQDNNetworkPolicy ${this.workload.workloadName}-fqdn, but GKE resolves at most ${GKE_FQDN_MAX_HOSTNAMES} IP addresses per FQDNNetworkPolicy and every hostname takes at least one; expected at most ${GKE_FQDN_MAX_HOSTNAMES} hostnames per workload`;
    }
    return undefined;
  }

  private networkPolicySpec(): k8s.NetworkPolicySpec {
    const egress: k8s.NetworkPolicyEgressRule[] = [dnsEgressRule(this.dnsNamespace, this.dnsLabels)];
    for (const rule of this.egressRules.rules) {
      if (rule.peer.spec.type === 'hostname') {
        if (this.enforcement.engine === 'kubernetes') {
          egress.push({ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: NON_PUBLIC_IPV4 } }, { ipBlock: { cidr: '::/0', except: NON_PUBLIC_IPV6 } }], ports: networkPolicyPorts(rule.ports) });
        }
        continue;
      }
      egress.push({ to: [this.peerJson(rule.peer)], ports: networkPolicyPorts(rule.ports) });
    }
    const ingress = dedupe(this.ingressRules.rules.map((rule): k8s.NetworkPolicyIngressRule => ({ from: [this.peerJson(rule.peer)], ports: networkPolicyPorts(rule.ports) })));
    // An empty list is left out, not written as `[]`: the API server drops empty lists, so
    // a server-side apply of `ingress: []` changed the object on every apply (found on the
    // live control plane). With policyTypes Ingress, no rules still means no ingress.
    return {
      podSelector: { matchLabels: { ...this.workload.podSelector } },
      policyTypes: ['Ingress', 'Egress'],
      ...(ingress.length ? { ingress } : {}),
      egress: dedupe(egress),
    };
  }

  private peerJson(peer: Peer): k8s.NetworkPolicyPeer {
    const spec = peer.spec;
    if (spec.type === 'cidr') return { ipBlock: { cidr: spec.cidr, ...(spec.except.length ? { except: [...spec.except] } : {}) } };
    if (spec.type !== 'pods') throw new Error('unreachable: hostname peers are not rendered as NetworkPolicy peers');
    const podSelector = { matchLabels: { ...spec.labels } };
    if (spec.namespace === undefined || (spec.namespace === this.ownNamespace && !spec.allNamespacePods)) return { podSelector };
    const namespaceSelector = { matchLabels: { [NAMESPACE_NAME_LABEL]: spec.namespace } };
    return spec.allNamespacePods ? { namespaceSelector } : { namespaceSelector, podSelector };
  }

  private ciliumSpec(): CiliumNetworkPolicySpec {
    const dnsEndpoint: Record<string, string> = { 'k8s:io.kubernetes.pod.namespace': this.dnsNamespace };
    for (const [k, v] of Object.entries(this.dnsLabels)) dnsEndpoint[`k8s:${k}`] = v;
    // Cilium learns the IPs behind toFQDNs only from lookups its DNS proxy sees, so the
    // same policy must send DNS through the proxy (an L7 dns rule).
    const egress: CiliumNetworkPolicySpecEgress[] = [{
      toEndpoints: [{ matchLabels: dnsEndpoint }],
      toPorts: [{ ports: [{ port: '53', protocol: CiliumNetworkPolicySpecEgressToPortsPortsProtocol.ANY }], rules: { dns: [{ matchPattern: '*' }] } }],
    }];
    // toFQDNs cannot share a rule with other L3 selectors; one rule per port set.
    for (const group of this.hostnameGroups()) {
      egress.push({
        toFqdNs: group.hosts.map((h) => (h.includes('*') ? { matchPattern: h } : { matchName: h })),
        toPorts: [{ ports: group.ports.map((p) => ({ port: String(p.number), protocol: p.protocol as CiliumNetworkPolicySpecEgressToPortsPortsProtocol })) }],
      });
    }
    if (this.apiServerEntity) {
      const port = this.apiServerEntity.port;
      egress.push({
        toEntities: [CiliumNetworkPolicySpecEgressToEntities.KUBE_HYPHEN_APISERVER],
        ...(port !== undefined ? { toPorts: [{ ports: [{ port: String(port), protocol: CiliumNetworkPolicySpecEgressToPortsPortsProtocol.TCP }] }] } : {}),
      });
    }
    return {
      description: `ftekit: ${this.apiServerEntity ? 'hostname and API server' : 'hostname'} egress of ${this.workload.workloadName}`,
      endpointSelector: { matchLabels: { ...this.workload.podSelector } },
      egress,
    };
  }

  /**
   * GKE FQDNNetworkPolicy: one egress rule per port set, exact hostnames as `name` and
   * wildcards as `pattern` (GKE's `*` also matches one label). No DNS rule here: the
   * NetworkPolicy allows DNS to kube-dns, and GKE learns the addresses from kube-dns or Cloud DNS.
   */
  private gkeSpec(): FqdnNetworkPolicySpec {
    return {
      podSelector: { matchLabels: { ...this.workload.podSelector } },
      egress: this.hostnameGroups().map((group) => ({
        matches: group.hosts.map((h) => (h.includes('*') ? { pattern: h } : { name: h })),
        ports: group.ports.map((p) => ({ protocol: p.protocol as FqdnNetworkPolicySpecEgressPortsProtocol, port: p.number })),
      })),
    };
  }

  /**
   * EKS ApplicationNetworkPolicy: one egress rule per port set with a `domainNames` peer
   * (a peer with domainNames may carry nothing else). Egress only; DNS stays in the NetworkPolicy.
   */
  private eksSpec(): ApplicationNetworkPolicySpec {
    return {
      podSelector: { matchLabels: { ...this.workload.podSelector } },
      policyTypes: ['Egress'],
      egress: this.hostnameGroups().map((group) => ({ to: [{ domainNames: [...group.hosts] }], ports: group.ports.map((p) => ({ protocol: p.protocol, port: ApplicationNetworkPolicySpecEgressPortsPort.fromNumber(p.number) })) })),
    };
  }

  /** Hostname rules grouped by port set, in the order added, each hostname once per group. */
  private hostnameGroups(): Array<{ readonly ports: Port[]; readonly hosts: string[] }> {
    const byPorts = new Map<string, { ports: Port[]; hosts: string[] }>();
    for (const rule of this.egressRules.rules) {
      if (rule.peer.spec.type !== 'hostname') continue;
      const key = rule.ports.map(String).join(',');
      const group = byPorts.get(key) ?? { ports: rule.ports, hosts: [] };
      if (!group.hosts.includes(rule.peer.spec.hostname)) group.hosts.push(rule.peer.spec.hostname);
      byPorts.set(key, group);
    }
    return [...byPorts.values()];
  }
}

function networkPolicyPorts(ports: Port[]): k8s.NetworkPolicyPort[] {
  return ports.map((p) => ({ protocol: p.protocol, port: k8s.IntOrString.fromNumber(p.number) }));
}

/**
 * Rules in the order they were added, without repeats (same peer, same ports). The keys are
 * kept in a set: a pool that admits every FTE gets thousands of rules, and comparing each
 * new rule with all earlier ones made building quadratic.
 */
class RuleList {
  public readonly rules: Rule[] = [];
  private readonly keys = new Set<string>();

  public add(rule: Rule): void {
    const key = JSON.stringify([rule.peer.spec, rule.ports.map(String)]);
    if (this.keys.has(key)) return;
    this.keys.add(key);
    this.rules.push(rule);
  }
}

function dedupe<T>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = JSON.stringify(item);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
