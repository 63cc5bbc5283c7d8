import { Construct } from 'constructs';
import { APP_NAME_LABEL } from './_labels';
import { resourceProblems, ResourceRequirements } from './_quantities';
import { checkLabels, checkPort, checkServiceName } from './_validate';
import { IHasFootprint, IWorkload, namespaceOf, podFootprint, ResourceFootprint } from './_workload';
import { ClusterDnsOptions, EgressAllowlist, Peer, Port } from './egress-allowlist';
import { describeValue, ensure, ProblemCollector } from './errors';

/** Props for {@link PeerService}. */
export interface PeerServiceProps {
  /**
   * The service's name (its `host` in `kafka:9092`); also names its NetworkPolicy
   * `<name>-allowlist`.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Labels every pod of the service carries: the NetworkPolicies on both sides select them.
   * @default - { 'app.kubernetes.io/name': name }, what common charts set
   */
  readonly podLabels?: Record<string, string>;
  /**
   * Ports the service's pods listen on; flows into it must use one of them.
   * @default - any port a flow names
   */
  readonly ports?: number[];
  /**
   * Pods of the service at most, for the namespace's ResourceQuota.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Requests and limits of one pod of the service (all its containers together). They count
   * against the namespace's ResourceQuota, and the LimitRange's per-container maximum admits them.
   */
  readonly resources: ResourceRequirements;
  /**
   * Where cluster DNS runs; the service's policy allows egress to it on 53/UDP and 53/TCP.
   * @default - kube-dns in kube-system
   */
  readonly clusterDns?: ClusterDnsOptions;
}

/**
 * A service ftekit does not run (Kafka, Redis, a FastAPI front end) whose pods live in an
 * ftekit namespace, under its `default-deny` policy, ResourceQuota and LimitRange.
 *
 * ftekit opens the service's side of every flow it is part of: `allowFrom(workload, port)`
 * for callers, `allowTo(workload, port)` for a service that calls an FTE; a flow declared only
 * on the workload's side would stay closed at the service. Its pods count in the namespace's
 * quota (`replicas` x `resources`) and the LimitRange admits its largest pod.
 *
 * Objects: NetworkPolicy `<name>-allowlist` selecting the service's pods (DNS egress, plus
 * the flows added).
 */
export class PeerService extends Construct implements IWorkload, IHasFootprint {
  public readonly workloadName: string;
  public readonly podSelector: Readonly<Record<string, string>>;
  public readonly namespace?: string;
  /** The service's side of its flows. */
  public readonly network: EgressAllowlist;
  /** Ports the pods listen on, if given. */
  public readonly ports?: readonly number[];
  private readonly props: PeerServiceProps;

  public constructor(scope: Construct, id: string, props: PeerServiceProps) {
    super(scope, id);
    this.props = props;
    const name = props.name ?? id;
    const problems = ProblemCollector.forConstruct(this, 'PeerService');
    problems.add('name', checkServiceName(name), name);
    const labels = props.podLabels ?? { [APP_NAME_LABEL]: name };
    problems.add('podLabels', checkLabels(labels) ?? (Object.keys(labels).length === 0 ? 'is empty; expected the labels of the service\'s pods (an empty selector would select every pod of the namespace)' : undefined));
    (props.ports ?? []).forEach((p, i) => problems.add(`ports[${i}]`, checkPort(p), p));
    const replicas = props.replicas ?? 1;
    problems.add('replicas', Number.isInteger(replicas) && replicas >= 1 ? undefined : `${describeValue(replicas)} is not a whole number >= 1`);
    for (const { field, problem } of resourceProblems(props.resources)) problems.add(field, problem);
    problems.throwIfAny();
    this.workloadName = name;
    this.podSelector = { ...labels };
    this.namespace = namespaceOf(this);
    this.ports = props.ports ? [...props.ports] : undefined;
    this.network = new EgressAllowlist(this, 'Network', { workload: this, clusterDns: props.clusterDns });
  }

  /** Opens the service's side of a flow from `workload` to it on `port`. Returns this service. */
  public allowFrom(workload: IWorkload, port: Port): this {
    ensure(this, 'PeerService', 'allowFrom', this.portProblem(port));
    this.network.allowFrom(Peer.workload(workload), port);
    return this;
  }

  /** Opens the service's side of a flow from it to `workload` on `port`. Returns this service. */
  public allowTo(workload: IWorkload, port: Port): this {
    this.network.allowTo(Peer.workload(workload), port);
    return this;
  }

  /** What is wrong with a flow into the service on `port`, if anything. */
  public portProblem(port: Port): string | undefined {
    return this.ports && !this.ports.includes(port.number) ? `${port.number} is not a port of service ${this.workloadName} (${this.ports.join(', ')}); expected one it listens on` : undefined;
  }

  public footprint(): ResourceFootprint {
    return podFootprint({ pods: this.props.replicas ?? 1, containers: [this.props.resources], claims: 0, claimBytes: 0 });
  }
}
