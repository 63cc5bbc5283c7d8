import { Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { DaprComponent } from './dapr-component';
import { Resiliency, ResiliencySpec, ResiliencySpecPoliciesCircuitBreakers, ResiliencySpecPoliciesRetries, ResiliencySpecTargetsApps, ResiliencySpecTargetsComponents } from './imports/dapr.io';
import { constructError, describeValue, FteValidationError, ProblemCollector } from './errors';
import { checkDnsLabel, checkInteger, checkLabels, secondsOf } from './_validate';
import { nameClash } from './_object-names';

/** A retry policy. */
export class DaprRetry {
  /** Retry every `interval`, at most `maxRetries` times. */
  public static constant(interval: Duration, maxRetries: number): DaprRetry {
    DaprRetry.check(maxRetries);
    return new DaprRetry({ policy: 'constant', duration: seconds('DaprRetry.constant', 'interval', interval, 1, 3600), maxRetries });
  }

  /** Exponential back-off up to `maxInterval`, at most `maxRetries` times. */
  public static exponential(maxInterval: Duration, maxRetries: number): DaprRetry {
    DaprRetry.check(maxRetries);
    return new DaprRetry({ policy: 'exponential', maxInterval: seconds('DaprRetry.exponential', 'maxInterval', maxInterval, 1, 24 * 3600), maxRetries });
  }

  private static check(maxRetries: number): void {
    // -1 is Dapr's "retry forever", which hides outages: ftekit wants a bound.
    const problem = checkInteger(maxRetries, 0, 100);
    if (problem) throw new FteValidationError('DaprRetry', `maxRetries: ${problem}`);
  }

  private constructor(private readonly json: ResiliencySpecPoliciesRetries) {}

  /** The policy JSON. */
  public toJson(): ResiliencySpecPoliciesRetries {
    return { ...this.json };
  }
}

/** A circuit breaker: opens after `consecutiveFailures` failures in a row. */
export interface DaprCircuitBreaker {
  /** Failures in a row that open the breaker (`trip: consecutiveFailures > n-1`). */
  readonly consecutiveFailures: number;
  /** How long the breaker stays open before letting a probe through. */
  readonly timeout: Duration;
  /**
   * Period after which a closed breaker clears its failure counts (`interval`).
   * @default - counts are never cleared while closed (Dapr's default, interval 0)
   */
  readonly interval?: Duration;
  /** Requests let through while half-open. @default 1 */
  readonly maxRequests?: number;
}

/** The policies applied to one direction of one target. */
export interface DaprTargetPolicies {
  /**
   * Time limit of one call, emitted as a named policy under `policies.timeouts`.
   * @default - no timeout
   */
  readonly timeout?: Duration;
  /**
   * Retries of failed calls, emitted as a named policy under `policies.retries`.
   * @default - no retries
   */
  readonly retry?: DaprRetry;
  /**
   * Circuit breaker that stops calls after repeated failures, emitted under
   * `policies.circuitBreakers`.
   * @default - no circuit breaker
   */
  readonly circuitBreaker?: DaprCircuitBreaker;
}

/** Policies for a component, per direction. */
export interface DaprComponentPolicies {
  /** Calls from the sidecar to the component (publish, save state). @default - none */
  readonly outbound?: DaprTargetPolicies;
  /** Calls from the component into the app (message delivery). @default - none */
  readonly inbound?: DaprTargetPolicies;
}

/** Props for {@link DaprResiliency}. */
export interface DaprResiliencyProps {
  /**
   * Name of the Resiliency object.
   * @default - the construct id
   */
  readonly name?: string;
  /** App ids the resiliency applies to. */
  readonly scopes: string[];
  /** Labels for the object. @default - none */
  readonly labels?: Record<string, string>;
}

interface Policies {
  timeouts: Record<string, string>;
  retries: Record<string, ResiliencySpecPoliciesRetries>;
  circuitBreakers: Record<string, ResiliencySpecPoliciesCircuitBreakers>;
}

/**
 * A Dapr `Resiliency` (`dapr.io/v1alpha1`): timeouts, retries and circuit breakers per
 * target (a component of the worker, or another app it invokes). Policies are named after
 * their target, so each target's settings read together in the manifest.
 *
 * Usually created through `DaprWorker.addResiliency(...)`.
 */
export class DaprResiliency extends Construct {
  /** Resiliency name. */
  public readonly name: string;
  /** The Resiliency object. */
  public readonly resource: Resiliency;
  private readonly policies: Policies = emptyPolicies();
  private readonly apps: Record<string, ResiliencySpecTargetsApps> = {};
  private readonly components: Record<string, ResiliencySpecTargetsComponents> = {};

  public constructor(scope: Construct, id: string, props: DaprResiliencyProps) {
    super(scope, id);
    this.name = props.name ?? id;
    const problems = ProblemCollector.forConstruct(this, 'DaprResiliency');
    if (problems.add('name', checkDnsLabel(this.name))) problems.add('name', nameClash(this, 'Resiliency', this.name));
    problems.add('labels', checkLabels(props.labels));
    problems.add('scopes', Array.isArray(props.scopes) && props.scopes.length > 0 ? props.scopes.map((s) => checkDnsLabel(s)).find((p) => p) : `${describeValue(props.scopes)} is empty; expected at least one app id`);
    problems.throwIfAny();
    this.resource = this._toKube(props);
  }

  /** The Resiliency; its policies and targets are read at synth, after every `for*` call. */
  private _toKube(props: DaprResiliencyProps): Resiliency {
    return new Resiliency(this, 'Resource', {
      metadata: { name: this.name, ...(props.labels ? { labels: { ...props.labels } } : {}) },
      spec: Lazy.any({ produce: (): ResiliencySpec => ({ policies: this.policies, targets: { apps: this.apps, components: this.components } }) }),
      scopes: [...props.scopes],
    });
  }

  /** Policies for calls to a component (pub/sub, state store). Returns this. */
  public forComponent(component: DaprComponent, policies: DaprComponentPolicies): this {
    if (!(component instanceof DaprComponent)) throw constructError(this, 'DaprResiliency', 'forComponent', `${describeValue(component)} is not a DaprComponent; expected the result of addPubSub(...) or addStateStore(...)`);
    if (this.components[component.name]) throw constructError(this, 'DaprResiliency', 'forComponent', `component ${JSON.stringify(component.name)} already has policies; expected one call per component`);
    const problems = ProblemCollector.forConstruct(this, 'DaprResiliency');
    const staged = emptyPolicies();
    const target: Record<string, Record<string, string>> = {};
    for (const direction of ['outbound', 'inbound'] as const) {
      const p = policies?.[direction];
      if (p) target[direction] = this.stage(`${component.name}-${direction}`, p, `forComponent(${component.name}).${direction}`, problems, staged);
    }
    problems.add('forComponent', Object.keys(target).length === 0 ? `no outbound or inbound policies given for ${JSON.stringify(component.name)}; expected at least one` : undefined);
    problems.throwIfAny();
    this.adopt(staged);
    this.components[component.name] = target;
    return this;
  }

  /** Policies for service invocation of the app `appId`. Returns this. */
  public forApp(appId: string, policies: DaprTargetPolicies): this {
    const problems = ProblemCollector.forConstruct(this, 'DaprResiliency');
    const appIdOk = problems.add('forApp', checkDnsLabel(appId) ?? (this.apps[appId] ? `app ${JSON.stringify(appId)} already has policies; expected one call per app` : undefined));
    const staged = emptyPolicies();
    // Policy names derive from the app id: only staged under a good one.
    const refs = appIdOk ? this.stage(`app-${appId}`, policies, `forApp(${appId})`, problems, staged) : undefined;
    problems.throwIfAny();
    this.adopt(staged);
    this.apps[appId] = refs as Record<string, string>;
    return this;
  }

  /**
   * The policies of one target, checked (problems recorded in `problems`) and put in
   * `staged`, which {@link adopt} adds once the whole call is good. Returns the target's refs.
   */
  private stage(prefix: string, p: DaprTargetPolicies, where: string, problems: ProblemCollector, staged: Policies): Record<string, string> {
    const refs: Record<string, string> = {};
    if (p.timeout) {
      staged.timeouts[`${prefix}-timeout`] = policySeconds(problems, `${where}.timeout`, p.timeout, 1, 3600);
      refs.timeout = `${prefix}-timeout`;
    }
    if (p.retry) {
      if (problems.add(`${where}.retry`, p.retry instanceof DaprRetry ? undefined : `${describeValue(p.retry)} is not a DaprRetry; expected DaprRetry.constant(...) or .exponential(...)`)) {
        staged.retries[`${prefix}-retry`] = p.retry.toJson();
      }
      refs.retry = `${prefix}-retry`;
    }
    if (p.circuitBreaker) {
      const cb = p.circuitBreaker;
      problems.add(`${where}.circuitBreaker.consecutiveFailures`, checkInteger(cb.consecutiveFailures, 1, 1000));
      problems.add(`${where}.circuitBreaker.maxRequests`, cb.maxRequests === undefined ? undefined : checkInteger(cb.maxRequests, 1, 1000));
      staged.circuitBreakers[`${prefix}-cb`] = {
        maxRequests: cb.maxRequests ?? 1,
        timeout: policySeconds(problems, `${where}.circuitBreaker.timeout`, cb.timeout, 1, 24 * 3600),
        ...(cb.interval ? { interval: policySeconds(problems, `${where}.circuitBreaker.interval`, cb.interval, 1, 24 * 3600) } : {}),
        trip: `consecutiveFailures > ${cb.consecutiveFailures - 1}`,
      };
      refs.circuitBreaker = `${prefix}-cb`;
    }
    problems.add(where, Object.keys(refs).length === 0 ? 'has no timeout, retry or circuitBreaker; expected at least one' : undefined);
    return refs;
  }

  /** Adds policies that {@link stage} accepted. */
  private adopt(staged: Policies): void {
    Object.assign(this.policies.timeouts, staged.timeouts);
    Object.assign(this.policies.retries, staged.retries);
    Object.assign(this.policies.circuitBreakers, staged.circuitBreakers);
  }
}

function emptyPolicies(): Policies {
  return { timeouts: {}, retries: {}, circuitBreakers: {} };
}

/** `d` in whole seconds (`30s`) for a DaprRetry factory, which throws when it is out of range. */
function seconds(location: string, field: string, d: Duration, min: number, max: number): string {
  const s = secondsOf(d, min, max);
  if (typeof s === 'string') throw new FteValidationError(location, `${field}: ${s}`);
  return `${s}s`;
}

/** `d` in whole seconds (`30s`) for a policy, its problem recorded at `field` when out of range. */
function policySeconds(problems: ProblemCollector, field: string, d: Duration, min: number, max: number): string {
  const s = secondsOf(d, min, max);
  problems.add(field, typeof s === 'string' ? s : undefined);
  return `${s}s`;
}
