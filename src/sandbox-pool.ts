import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { SandboxTemplate } from './_l1';
import { POOL_SIZING_ANNOTATION } from './_labels';
import { claimName } from './_object-names';
import { SandboxClaim, SandboxClaimSpecLifecycleShutdownPolicy, SandboxWarmPool, SandboxWarmPoolSpecUpdateStrategyType } from './imports/extensions.agents.x-k8s.io';
import { ScaledObject } from './imports/keda.sh';
import { checkInteger, checkLabels, checkRfc3339, checkServiceName, wholeSeconds } from './_validate';
import { sandboxObjectMetadata, SandboxBlueprintProps, SandboxWorkload, workloadLabels } from './_workload';
import { constructError, describeValue, ProblemCollector } from './errors';
import { checkPoolDemand, PoolDemand, PoolSizing, sizePool } from './pool-sizing';

/**
 * PromQL label matchers of one pool's series of `agent_sandbox_claim_creation_total`
 * (labels namespace, sandbox_template, launch_type, warmpool_name, pod_condition,
 * created_by). The pool's template has the pool's name. Not `namespace`: scraped through
 * a ServiceMonitor it is the controller's namespace and the metric's own label becomes
 * `exported_namespace` unless `honorLabels` is set.
 */
export function claimSeriesSelector(poolName: string): string {
  return `warmpool_name="${poolName}",sandbox_template="${poolName}"`;
}

/** How a warm pool treats unclaimed sandboxes when the template changes. */
export enum PoolUpdateStrategy {
  /** Replace stale sandboxes only as they are claimed or deleted. */
  ON_REPLENISH = 'OnReplenish',
  /** Delete stale unclaimed sandboxes right away. Claimed sandboxes are never touched. */
  RECREATE = 'Recreate',
}

/** What happens when a claim's `shutdownTime` passes. */
export enum ClaimShutdownPolicy {
  /** Delete the sandbox, keep the claim (Ready=False, ClaimExpired). */
  RETAIN = 'Retain',
  /** Delete the claim and, by cascade, its sandbox. */
  DELETE = 'Delete',
  /** Like DELETE with foreground cascading. */
  DELETE_FOREGROUND = 'DeleteForeground',
}

/**
 * KEDA autoscaling of a pool's warm sandboxes: a `ScaledObject` (keda.sh/v1alpha1) drives
 * the SandboxWarmPool's scale subresource from a Prometheus query on the agent-sandbox
 * controller's own `agent_sandbox_claim_creation_total`, and KEDA creates and owns the
 * HorizontalPodAutoscaler. Needs the pool's {@link PoolDemand} (`demand`), whose cold-start
 * seconds and safety factor the query uses and which gives the default bounds.
 */
export interface PoolAutoscaling {
  /**
   * URL of the Prometheus HTTP API KEDA queries, which scrapes the agent-sandbox controller
   * (e.g. `http://prometheus-operated.monitoring.svc:9090`). Required.
   */
  readonly prometheusAddress: string;
  /**
   * Fewest warm sandboxes (0 lets KEDA scale the pool to zero when no claim comes).
   * @default - the demand's `replicas` (sizePool at claimsPerMinute)
   */
  readonly minReplicas?: number;
  /**
   * Most warm sandboxes (at least 1 and `minReplicas`).
   * @default - the demand's `maxReplicas` (sizePool at peakClaimsPerMinute)
   */
  readonly maxReplicas?: number;
}

/** Props for {@link SandboxPool}. */
export interface SandboxPoolProps extends SandboxBlueprintProps {
  /**
   * Warm sandboxes kept ready (`spec.replicas`, always written). Not with `demand` or
   * `autoscaling`, which derive it.
   * @default - from `demand` when given, else 1
   */
  readonly replicas?: number;
  /**
   * Expected claims and cold-start time: ftekit derives `replicas` (and the autoscaling
   * bounds) with {@link sizePool} and records how in the SandboxWarmPool's
   * `ftekit.dev/pool-sizing` annotation. Without autoscaling the pool is sized for the peak.
   * @default - fixed `replicas`
   */
  readonly demand?: PoolDemand;
  /**
   * What the SandboxWarmPool does with unclaimed sandboxes when the template changes
   * (`spec.updateStrategy.type`).
   * @default PoolUpdateStrategy.ON_REPLENISH
   */
  readonly updateStrategy?: PoolUpdateStrategy;
  /**
   * Scale the SandboxWarmPool with KEDA on the claim rate (needs `demand`). The pool's
   * `spec.replicas` is then the minimum; KEDA's HorizontalPodAutoscaler moves it.
   * @default - fixed size
   */
  readonly autoscaling?: PoolAutoscaling;
}

/** Props for {@link SandboxPool.claim}. */
export interface SandboxClaimProps {
  /**
   * Name of the SandboxClaim object; unique among the pool's claims.
   * @default - the claim's construct id
   */
  readonly name?: string;
  /**
   * Claim expiry, RFC 3339.
   * @default - none
   */
  readonly shutdownTime?: string;
  /**
   * What happens when `shutdownTime` passes (`spec.lifecycle.shutdownPolicy`).
   * @default ClaimShutdownPolicy.RETAIN
   */
  readonly shutdownPolicy?: ClaimShutdownPolicy;
  /**
   * Delete this long after the sandbox finished (pods with restartPolicy Never only).
   * @default - never
   */
  readonly ttlAfterFinished?: Duration;
  /**
   * Labels added to the claimed pod. Their domain must be in the controller's
   * `allowed-label-domains` (default `sandbox.users.io`).
   * @default - none
   */
  readonly podLabels?: Record<string, string>;
}

/** What a pool's props resolve to: its fixed or minimum size, bounds, and how they were derived. */
interface PoolSize {
  readonly replicas: number;
  readonly maxReplicas: number;
  readonly claimedAtPeak: number;
  readonly autoscaled: boolean;
  readonly sizing?: PoolSizing;
}

/**
 * Records the problems of the props only a SandboxPool has and returns the pool's size
 * (meaningless when a problem was recorded).
 */
function checkPoolProps(problems: ProblemCollector, props: SandboxPoolProps): PoolSize {
  const strategy = props.updateStrategy ?? PoolUpdateStrategy.ON_REPLENISH;
  problems.add('updateStrategy', Object.values(PoolUpdateStrategy).includes(strategy) ? undefined : `${describeValue(strategy)} is not a PoolUpdateStrategy; expected OnReplenish or Recreate`);
  const { demand, autoscaling: scaling } = props;
  if (props.replicas !== undefined) {
    problems.add('replicas', checkInteger(props.replicas, 0, 10000), props.replicas);
    if (demand) problems.add('replicas', `${describeValue(props.replicas)} is set together with demand; expected one of them (demand derives replicas)`, props.replicas);
    if (scaling) problems.add('replicas', `${describeValue(props.replicas)} is set together with autoscaling; expected one of them (replicas is then autoscaling's minimum)`, props.replicas);
  }
  const sizing = demand && checkPoolDemand(problems, 'demand', demand) ? sizePool(demand) : undefined;
  if (!scaling) {
    // Nothing scales the pool: size it for the peak.
    const replicas = sizing ? sizing.maxReplicas : props.replicas ?? 1;
    return { replicas, maxReplicas: replicas, claimedAtPeak: sizing?.claimedAtPeak ?? 0, autoscaled: false, sizing };
  }
  problems.add('autoscaling', demand ? undefined : 'is set without demand; expected demand too (its coldStartSeconds and safetyFactor turn the claim rate into warm sandboxes)');
  const address = scaling.prometheusAddress;
  problems.add('autoscaling.prometheusAddress', address === undefined
    ? 'is missing; expected the URL of the Prometheus HTTP API that scrapes the agent-sandbox controller, e.g. http://prometheus-operated.monitoring.svc:9090'
    : typeof address !== 'string' || !/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(address)
      ? `${describeValue(address)} is not an http(s) URL; expected e.g. http://prometheus-operated.monitoring.svc:9090` : undefined, address);
  const min = scaling.minReplicas ?? sizing?.replicas ?? 0;
  const max = scaling.maxReplicas ?? sizing?.maxReplicas ?? 1;
  if (problems.add('autoscaling.minReplicas', checkInteger(min, 0, 10000), scaling.minReplicas)) {
    problems.add('autoscaling.maxReplicas', checkInteger(max, Math.max(1, min), 10000)
      && `${describeValue(max)}${scaling.maxReplicas === undefined ? ' (from demand)' : ''} is not a whole number >= max(1, minReplicas=${min}) and <= 10000`, scaling.maxReplicas);
  }
  return { replicas: min, maxReplicas: max, claimedAtPeak: sizing?.claimedAtPeak ?? 0, autoscaled: true, sizing };
}

/**
 * Pre-warmed sandboxes: a `SandboxTemplate` (the same hardened blueprint as FteSandbox),
 * a `SandboxWarmPool` that keeps `replicas` of them ready, optional autoscaling, and
 * static `SandboxClaim`s from {@link SandboxPool.claim}.
 *
 * The template sets `networkPolicyManagement: Unmanaged`: the controller's default policy
 * allows the public internet and would defeat the allowlist (NetworkPolicies add up).
 * This construct's own allowlist selects the pool's pods by the stable label
 * `ftekit.dev/workload=<name>`.
 *
 * Sizing: `replicas`, or derived from `demand` ({@link sizePool}: Little's law and the
 * square-root staffing rule); `spec.replicas` is always written. With `autoscaling`, a KEDA
 * ScaledObject scales the pool on the controller's claim rate (KEDA, and a Prometheus that
 * scrapes the agent-sandbox controller, are cluster prerequisites).
 *
 * With `dapr` the template's pods are Dapr apps: every sandbox of the pool, warm or claimed,
 * is an instance of the one app id (see `dapr`).
 *
 * Objects: SandboxTemplate (id `Template`), SandboxWarmPool (id `Resource`),
 * ServiceAccount, NetworkPolicy (+ the hostname policy of its egress enforcement), optional
 * KEDA ScaledObject (id `Autoscaler`), one SandboxClaim per claim, and with `dapr` a Dapr
 * Configuration (id `Configuration`) and the Components, Subscriptions and Resiliency added.
 */
export class SandboxPool extends SandboxWorkload {
  /** The SandboxWarmPool object. */
  public readonly resource: SandboxWarmPool;
  /** The SandboxTemplate object. */
  public readonly template: SandboxTemplate;
  /** Claims made with {@link SandboxPool.claim}. */
  public readonly claims: SandboxClaim[] = [];
  /** The KEDA ScaledObject, when autoscaled. */
  public readonly scaledObject?: ScaledObject;
  /** How the pool was sized from its `demand`, if it has one. */
  public readonly sizing?: PoolSizing;
  private readonly size: PoolSize;

  public constructor(scope: Construct, id: string, props: SandboxPoolProps) {
    let size: PoolSize | undefined;
    super(scope, id, 'SandboxPool', 'sandbox-pool', props, (problems) => {
      size = checkPoolProps(problems, props);
    });
    this.size = size as PoolSize;
    this.sizing = this.size.sizing;
    const strategy = props.updateStrategy ?? PoolUpdateStrategy.ON_REPLENISH;
    [this.template, this.resource] = this._toKube(strategy);
    if (props.autoscaling) this.scaledObject = this.scaledObjectOf(props.autoscaling, this.sizing as PoolSizing);
  }

  /** The SandboxTemplate and SandboxWarmPool. */
  private _toKube(strategy: PoolUpdateStrategy): [SandboxTemplate, SandboxWarmPool] {
    const template = new SandboxTemplate(this, 'Template', {
      metadata: { name: this.workloadName, labels: { ...this.labels }, ...sandboxObjectMetadata(this.props) },
      spec: {
        ...this.blueprint(),
        networkPolicyManagement: 'Unmanaged',
        envVarsInjectionPolicy: 'Disallowed',
        volumeClaimTemplatesPolicy: 'Disallowed',
      },
    });
    const explanation = this.sizing && `${this.sizing.explanation}; ${this.size.autoscaled
      ? `KEDA scales between ${this.size.replicas} and ${this.size.maxReplicas}` : `fixed at ${this.size.replicas}`}`;
    const pool = new SandboxWarmPool(this, 'Resource', {
      metadata: { name: this.workloadName, labels: { ...this.labels }, ...(explanation ? { annotations: { [POOL_SIZING_ANNOTATION]: explanation } } : {}) },
      spec: {
        // Always explicit: the CRD's default (1) is nobody's decision. Autoscaled, it is the
        // minimum, which KEDA's HorizontalPodAutoscaler then moves.
        replicas: this.size.replicas,
        sandboxTemplateRef: { name: this.workloadName },
        updateStrategy: { type: strategy as string as SandboxWarmPoolSpecUpdateStrategyType },
      },
    });
    return [template, pool];
  }

  /**
   * The KEDA ScaledObject: its Prometheus query is the square-root staffing rule of
   * {@link sizePool} applied live, `R + β·√R` with `R` = the pool's claim rate over 2
   * minutes (claims/s) × cold-start seconds, so with threshold 1 (AverageValue) KEDA's HPA
   * asks for exactly that many warm sandboxes, between the bounds.
   */
  private scaledObjectOf(scaling: PoolAutoscaling, sizing: PoolSizing): ScaledObject {
    const rate = `sum(rate(agent_sandbox_claim_creation_total{${claimSeriesSelector(this.workloadName)}}[2m]))`;
    const load = `(${rate} * ${sizing.coldStartSeconds})`;
    return new ScaledObject(this, 'Autoscaler', {
      metadata: { name: this.workloadName, labels: { ...this.labels } },
      spec: {
        scaleTargetRef: { apiVersion: SandboxWarmPool.GVK.apiVersion, kind: SandboxWarmPool.GVK.kind, name: this.workloadName },
        minReplicaCount: this.size.replicas,
        maxReplicaCount: this.size.maxReplicas,
        triggers: [{
          type: 'prometheus',
          name: 'claim-rate',
          metricType: 'AverageValue',
          metadata: {
            serverAddress: scaling.prometheusAddress,
            // No series yet (no claim since the controller started) reads as no demand.
            query: `(${load} + ${sizing.safetyFactor} * sqrt(${load})) or vector(0)`,
            threshold: '1',
          },
        }],
      },
    });
  }

  /**
   * A static claim on the pool: checks out one warm sandbox. The claimed sandbox keeps its
   * pool-generated name; read it from the claim's `status.sandbox.name`.
   */
  public claim(id: string, props: SandboxClaimProps = {}): SandboxClaim {
    const name = props.name ?? id;
    const where = (field: string, problem: string | undefined): void => {
      if (problem) throw constructError(this, 'SandboxPool', `claim(${JSON.stringify(id)}).${field}`, problem);
    };
    // A claim started cold gets a Sandbox, and a Service, of its own name.
    where('name', checkServiceName(name));
    where('name', this.claims.some((c) => c.name === name) ? `${JSON.stringify(name)} is already claimed from this pool; expected unique claim names` : undefined);
    if (props.shutdownTime !== undefined) where('shutdownTime', checkRfc3339(props.shutdownTime));
    const policy = props.shutdownPolicy ?? ClaimShutdownPolicy.RETAIN;
    where('shutdownPolicy', Object.values(ClaimShutdownPolicy).includes(policy) ? undefined : `${describeValue(policy)} is not a ClaimShutdownPolicy; expected Retain, Delete or DeleteForeground`);
    const ttlSeconds = props.ttlAfterFinished === undefined ? undefined : wholeSeconds(props.ttlAfterFinished);
    if (typeof ttlSeconds === 'string') where('ttlAfterFinished', ttlSeconds);
    const ttl = ttlSeconds as number | undefined;
    where('podLabels', checkLabels(props.podLabels));
    for (const [key, value] of Object.entries(props.podLabels ?? {})) {
      where('podLabels', key.startsWith('agents.x-k8s.io/') || key.startsWith('extensions.agents.x-k8s.io/') || !key.includes('/')
        ? `label ${JSON.stringify(key)} is refused by the claim controller; expected a key with an allowed domain prefix such as sandbox.users.io/`
        : key === 'app' && value === 'sandbox-router' ? 'app=sandbox-router is reserved for the sandbox router' : undefined);
    }
    claimName(this, 'SandboxPool', `claim(${JSON.stringify(id)}).name`, 'SandboxClaim', name);
    claimName(this, 'SandboxPool', `claim(${JSON.stringify(id)}).name`, 'Service', name);
    const claim = new SandboxClaim(this, `Claim-${id}`, {
      metadata: { name, labels: workloadLabels(this.workloadName, 'sandbox-claim') },
      spec: {
        warmPoolRef: { name: this.workloadName },
        lifecycle: {
          shutdownPolicy: policy as string as SandboxClaimSpecLifecycleShutdownPolicy,
          ...(props.shutdownTime ? { shutdownTime: props.shutdownTime } : {}),
          ...(ttl !== undefined ? { ttlSecondsAfterFinished: ttl } : {}),
        },
        ...(props.podLabels && Object.keys(props.podLabels).length ? { additionalPodMetadata: { labels: { ...props.podLabels } } } : {}),
      },
    });
    this.claims.push(claim);
    return claim;
  }

  /** Warm sandboxes: the fixed size, or the minimum when autoscaled. */
  public get desiredReplicas(): number {
    return this.size.replicas;
  }

  protected hasPoolAlerts(): boolean {
    return this.desiredReplicas > 0;
  }

  protected sandboxCapacity(): { pods: number; claims: number } {
    // A claimed sandbox leaves the pool and the pool replenishes, so claims add pods: the
    // static ones, and those the demand says are claimed at once at peak.
    const pods = this.size.maxReplicas + this.claims.length + this.size.claimedAtPeak;
    return { pods, claims: pods };
  }
}
