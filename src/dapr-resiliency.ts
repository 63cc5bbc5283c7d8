import { Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { DaprComponent } from './dapr-component';
import { Resiliency, ResiliencySpec, ResiliencySpecPoliciesCircuitBreakers, ResiliencySpecPoliciesRetries, ResiliencySpecTargetsApps, ResiliencySpecTargetsComponents } from './imports/dapr.io';
import { constructError, describeValue, ensure, FteValidationError } from './errors';
import { checkDnsLabel, checkInteger, checkLabels, secondsOf } from './_validate';
import { claimName } from './_object-names';

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
  private readonly policies: Policies = { timeouts: {}, retries: {}, circuitBreakers: {} };
  private readonly apps: Record<string, ResiliencySpecTargetsApps> = {};
  private readonly components: Record<string, ResiliencySpecTargetsComponents> = {};

  public constructor(scope: Construct, id: string, props: DaprResiliencyProps) {
    super(scope, id);
    this.name = props.name ?? id;
    ensure(this, 'DaprResiliency', 'name', checkDnsLabel(this.name));
    ensure(this, 'DaprResiliency', 'labels', checkLabels(props.labels));
    claimName(this, 'DaprResiliency', 'name', 'Resiliency', this.name);
    ensure(this, 'DaprResiliency', 'scopes', Array.isArray(props.scopes) && props.scopes.length > 0 ? props.scopes.map((s) => checkDnsLabel(s)).find((p) => p) : `${describeValue(props.scopes)} is empty; expected at least one app id`);
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
    const target: Record<string, Record<string, string>> = {};
    for (const direction of ['outbound', 'inbound'] as const) {
      const p = policies?.[direction];
      if (p) target[direction] = this.register(`${component.name}-${direction}`, p, `forComponent(${component.name}).${direction}`);
    }
    if (Object.keys(target).length === 0) throw constructError(this, 'DaprResiliency', 'forComponent', `no outbound or inbound policies given for ${JSON.stringify(component.name)}; expected at least one`);
    this.components[component.name] = target;
    return this;
  }

  /** Policies for service invocation of the app `appId`. Returns this. */
  public forApp(appId: string, policies: DaprTargetPolicies): this {
    ensure(this, 'DaprResiliency', 'forApp', checkDnsLabel(appId) ?? (this.apps[appId] ? `app ${JSON.stringify(appId)} already has policies; expected one call per app` : undefined));
    this.apps[appId] = this.register(`app-${appId}`, policies, `forApp(${appId})`);
    return this;
  }

  private register(prefix: string, p: DaprTargetPolicies, where: string): Record<string, string> {
    const refs: Record<string, string> = {};
    if (p.timeout) {
      const s = secondsOf(p.timeout, 1, 3600);
      ensure(this, 'DaprResiliency', `${where}.timeout`, typeof s === 'string' ? s : undefined);
      this.policies.timeouts[`${prefix}-timeout`] = `${s}s`;
      refs.timeout = `${prefix}-timeout`;
    }
    if (p.retry) {
      ensure(this, 'DaprResiliency', `${where}.retry`, p.retry instanceof DaprRetry ? undefined : `${describeValue(p.retry)} is not a DaprRetry; expected DaprRetry.constant(...) or .exponential(...)`);
      this.policies.retries[`${prefix}-retry`] = p.retry.toJson();
      refs.retry = `${prefix}-retry`;
    }
    if (p.circuitBreaker) {
      const cb = p.circuitBreaker;
      ensure(this, 'DaprResiliency', `${where}.circuitBreaker.consecutiveFailures`, checkInteger(cb.consecutiveFailures, 1, 1000));
      ensure(this, 'DaprResiliency', `${where}.circuitBreaker.maxRequests`, cb.maxRequests === undefined ? undefined : checkInteger(cb.maxRequests, 1, 1000));
      this.policies.circuitBreakers[`${prefix}-cb`] = {
        maxRequests: cb.maxRequests ?? 1,
        timeout: seconds(`DaprResiliency at '${this.node.path}'`, `${where}.circuitBreaker.timeout`, cb.timeout, 1, 24 * 3600),
        ...(cb.interval ? { interval: seconds(`DaprResiliency at '${this.node.path}'`, `${where}.circuitBreaker.interval`, cb.interval, 1, 24 * 3600) } : {}),
        trip: `consecutiveFailures > ${cb.consecutiveFailures - 1}`,
      };
      refs.circuitBreaker = `${prefix}-cb`;
    }
    if (Object.keys(refs).length === 0) throw constructError(this, 'DaprResiliency', where, 'has no timeout, retry or circuitBreaker; expected at least one');
    return refs;
  }
}

function seconds(location: string, field: string, d: Duration, min: number, max: number): string {
  const s = secondsOf(d, min, max);
  if (typeof s === 'string') throw new FteValidationError(location, `${field}: ${s}`);
  return `${s}s`;
}
