import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { checkHostPort } from './dapr-backends';
import { describeValue, FteValidationError, ProblemCollector } from './errors';
import { checkDnsLabel, checkDnsSubdomain, checkLabels, secondsOf } from './_validate';
import { nameClash } from './_object-names';
import { Configuration } from './imports/dapr.io';

/** OTLP transport for traces. */
export enum OtlpProtocol {
  /** OTLP/gRPC (port 4317 by convention). */
  GRPC = 'grpc',
  /** OTLP/HTTP (port 4318 by convention). */
  HTTP = 'http',
}

/** Tracing of a Dapr app. */
export interface DaprTracingOptions {
  /** Fraction of requests traced, 0 to 1. */
  readonly samplingRate: number;
  /**
   * OTLP collector as `host:port` (e.g. `otel-collector.observability.svc:4317`). The
   * worker's allowlist gets an egress rule to it.
   * @default - spans are not exported
   */
  readonly otlpEndpoint?: string;
  /**
   * OTLP transport to the collector (`tracing.otel.protocol`).
   * @default OtlpProtocol.GRPC
   */
  readonly otlpProtocol?: OtlpProtocol;
  /**
   * TLS to the collector.
   * @default true
   */
  readonly otlpSecure?: boolean;
}

/** Settings of Dapr's mutual TLS between sidecars. */
export interface DaprMtlsOptions {
  /**
   * Lifetime of the sidecars' workload certificates (`mtls.workloadCertTTL`), at least one minute.
   * @default Duration.hours(24)
   */
  readonly workloadCertTtl?: Duration;
  /**
   * Clock skew tolerated when certificates are checked (`mtls.allowedClockSkew`).
   * @default Duration.minutes(15)
   */
  readonly allowedClockSkew?: Duration;
}

/** Allow or deny. */
export enum DaprAction {
  /** Allow the call. */
  ALLOW = 'allow',
  /** Deny the call. */
  DENY = 'deny',
}

/** An operation rule of an access-control policy. */
export interface DaprOperationRule {
  /** Operation path, e.g. `/orders/*`. */
  readonly name: string;
  /** HTTP verbs, e.g. `['GET']`. @default - all verbs (`*`) */
  readonly httpVerbs?: string[];
  /** What to do. */
  readonly action: DaprAction;
}

/** Which callers may invoke this app, per caller app id. */
export interface DaprAccessPolicy {
  /** Calling app id. */
  readonly appId: string;
  /** What to do for operations no rule matches. */
  readonly defaultAction: DaprAction;
  /** Caller namespace. @default - the caller's namespace is not checked */
  readonly namespace?: string;
  /** Per-operation rules. @default - none */
  readonly operations?: DaprOperationRule[];
}

/** Service-invocation access control of a Dapr app (callee side). */
export interface DaprAccessControlOptions {
  /** What happens to callers no policy names. */
  readonly defaultAction: DaprAction;
  /**
   * SPIFFE trust domain of `accessControl`, also written as every policy's trust domain.
   * @default 'public' (Dapr's default trust domain)
   */
  readonly trustDomain?: string;
  /** Policies per calling app. @default - none */
  readonly policies?: DaprAccessPolicy[];
}

/** A Dapr API that the app may call on its sidecar (`spec.api.allowed`). */
export class DaprApi {
  /** Service invocation. */
  public static readonly INVOKE = new DaprApi('invoke', 'v1.0');
  /** State management. */
  public static readonly STATE = new DaprApi('state', 'v1.0');
  /** Publishing to pub/sub. */
  public static readonly PUBLISH = new DaprApi('publish', 'v1.0');
  /** Output bindings. */
  public static readonly BINDINGS = new DaprApi('bindings', 'v1.0');
  /** Secrets API (reads Kubernetes secrets through the sidecar: allow with care). */
  public static readonly SECRETS = new DaprApi('secrets', 'v1.0');
  /** Actors. */
  public static readonly ACTORS = new DaprApi('actors', 'v1.0');
  /** Metadata API. */
  public static readonly METADATA = new DaprApi('metadata', 'v1.0');

  /** Any other API by name and version, e.g. `DaprApi.of('workflows', 'v1.0-beta1')`. */
  public static of(name: string, version: string): DaprApi {
    if (!/^[a-z][a-z0-9.-]*$/.test(name ?? '') || !/^v[0-9][a-z0-9.-]*$/.test(version ?? '')) {
      throw new FteValidationError('DaprApi.of', `${describeValue(name)} / ${describeValue(version)} is not a Dapr API; expected a name like "state" and a version like "v1.0"`);
    }
    return new DaprApi(name, version);
  }

  private constructor(public readonly name: string, public readonly version: string) {}
}

/** Props for {@link DaprConfiguration}. */
export interface DaprConfigurationProps {
  /**
   * Name of the Configuration object, which pods reference in their `dapr.io/config` annotation.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Sampling rate and OTLP export of traces (`spec.tracing`).
   * @default - sampling rate 0: no tracing
   */
  readonly tracing?: DaprTracingOptions;
  /**
   * Sidecar metrics.
   * @default true
   */
  readonly metrics?: boolean;
  /**
   * Emit an `mtls` block. In Kubernetes mode Dapr takes its mTLS switch from the control
   * plane's `daprsystem` Configuration (on in Dapr's Helm chart); set this to state the
   * settings next to the app.
   * @default - no mtls block: the control plane's settings apply
   */
  readonly mtls?: DaprMtlsOptions;
  /**
   * Which calling apps may invoke this app through service invocation (`spec.accessControl`).
   * @default - the control plane's default (allow)
   */
  readonly accessControl?: DaprAccessControlOptions;
  /**
   * APIs the app may call on its sidecar; every other API is refused.
   * @default - every API
   */
  readonly allowedApis?: DaprApi[];
  /** Dapr control-plane namespace, for the Sentry address in `mtls`. @default 'dapr-system' */
  readonly controlPlaneNamespace?: string;
  /** Labels for the object. @default - none */
  readonly labels?: Record<string, string>;
}

/**
 * A Dapr `Configuration` (`dapr.io/v1alpha1`): tracing, metrics, mTLS settings, access
 * control and the API allowlist of an app. A DaprWorker creates its own and points the
 * `dapr.io/config` annotation at it.
 */
export class DaprConfiguration extends Construct {
  /** Configuration name, for `dapr.io/config`. */
  public readonly name: string;
  /** The Configuration object. */
  public readonly resource: Configuration;
  /** OTLP collector address, if any. */
  public readonly otlpEndpoint?: string;

  public constructor(scope: Construct, id: string, props: DaprConfigurationProps = {}) {
    super(scope, id);
    const kind = 'DaprConfiguration';
    this.name = props.name ?? id;
    const problems = ProblemCollector.forConstruct(this, kind);
    if (problems.add('name', checkDnsSubdomain(this.name))) problems.add('name', nameClash(this, 'Configuration', this.name));
    problems.add('labels', checkLabels(props.labels));
    const tracing = props.tracing;
    const rate = tracing?.samplingRate ?? 0;
    problems.add('tracing.samplingRate', typeof rate === 'number' && rate >= 0 && rate <= 1 ? undefined : `${describeValue(rate)} is out of range; expected a number from 0 to 1`);
    if (tracing?.otlpEndpoint !== undefined) problems.add('tracing.otlpEndpoint', checkHostPort(tracing.otlpEndpoint));
    if (tracing?.otlpProtocol !== undefined) problems.add('tracing.otlpProtocol', Object.values(OtlpProtocol).includes(tracing.otlpProtocol) ? undefined : `${describeValue(tracing.otlpProtocol)} is not an OtlpProtocol; expected OtlpProtocol.GRPC or OtlpProtocol.HTTP`);
    const cpNamespace = props.controlPlaneNamespace ?? 'dapr-system';
    problems.add('controlPlaneNamespace', checkDnsLabel(cpNamespace));
    const ac = props.accessControl;
    if (ac) {
      problems.add('accessControl.defaultAction', checkAction(ac.defaultAction));
      if (ac.trustDomain !== undefined) problems.add('accessControl.trustDomain', checkTrustDomain(ac.trustDomain));
      const seen = new Set<string>();
      (ac.policies ?? []).forEach((p, i) => {
        const appIdOk = problems.add(`accessControl.policies[${i}].appId`, checkDnsLabel(p.appId));
        const namespaceOk = p.namespace === undefined || problems.add(`accessControl.policies[${i}].namespace`, checkDnsLabel(p.namespace));
        // Dapr keys policies by app id (and namespace): a second one would silently replace the first.
        if (appIdOk && namespaceOk) {
          const key = `${p.appId}/${p.namespace ?? ''}`;
          problems.add(`accessControl.policies[${i}].appId`, seen.has(key) ? `${JSON.stringify(p.appId)}${p.namespace ? ` in namespace ${JSON.stringify(p.namespace)}` : ''} already has a policy; expected one policy per calling app` : undefined);
          seen.add(key);
        }
        problems.add(`accessControl.policies[${i}].defaultAction`, checkAction(p.defaultAction));
        (p.operations ?? []).forEach((o, j) => {
          problems.add(`accessControl.policies[${i}].operations[${j}].name`, typeof o.name === 'string' && o.name.startsWith('/') ? undefined : `${describeValue(o.name)} is not an operation path; expected e.g. "/orders/*"`);
          problems.add(`accessControl.policies[${i}].operations[${j}].action`, checkAction(o.action));
          if (o.httpVerbs !== undefined) {
            problems.add(`accessControl.policies[${i}].operations[${j}].httpVerbs`, o.httpVerbs.length > 0 && o.httpVerbs.every((v) => HTTP_VERBS.includes(v)) ? undefined : `${describeValue(o.httpVerbs)} is not a non-empty list of HTTP verbs; expected some of ${HTTP_VERBS.join(', ')} (leave it out for every verb)`);
          }
        });
      });
    }
    const apis = props.allowedApis;
    // Duplicates are only looked for in a list of DaprApi: other items have no name to compare.
    if (problems.add('allowedApis', apis === undefined || (Array.isArray(apis) && apis.length > 0 && apis.every((a) => a instanceof DaprApi)) ? undefined : `${describeValue(apis)} is not a non-empty list of DaprApi; expected e.g. [DaprApi.STATE, DaprApi.PUBLISH] (leave it out to allow every API)`)) {
      const apiKeys = (apis ?? []).map((a) => `${a.name} ${a.version}`);
      const dupApi = apiKeys.find((k, i) => apiKeys.indexOf(k) !== i);
      problems.add('allowedApis', dupApi ? `${JSON.stringify(dupApi)} is listed twice; expected each API once` : undefined);
    }
    this.otlpEndpoint = tracing?.otlpEndpoint;
    const seconds = (field: string, d: Duration, min: number, max: number): string => {
      const s = secondsOf(d, min, max);
      problems.add(field, typeof s === 'string' ? s : undefined);
      return `${s}s`;
    };
    const mtls = props.mtls ? {
      workloadCertTtl: seconds('mtls.workloadCertTtl', props.mtls.workloadCertTtl ?? Duration.hours(24), 60, 365 * 24 * 3600),
      allowedClockSkew: seconds('mtls.allowedClockSkew', props.mtls.allowedClockSkew ?? Duration.minutes(15), 0, 24 * 3600),
    } : undefined;
    problems.throwIfAny();

    this.resource = this._toKube(props, rate, cpNamespace, mtls);
  }

  /** The Configuration. */
  private _toKube(props: DaprConfigurationProps, rate: number, cpNamespace: string, mtls: { workloadCertTtl: string; allowedClockSkew: string } | undefined): Configuration {
    const tracing = props.tracing;
    const ac = props.accessControl;
    const apis = props.allowedApis;
    return new Configuration(this, 'Resource', {
      metadata: { name: this.name, ...(props.labels ? { labels: { ...props.labels } } : {}) },
      spec: {
        tracing: {
          samplingRate: String(rate),
          ...(tracing?.otlpEndpoint ? {
            otel: { endpointAddress: tracing.otlpEndpoint, isSecure: tracing.otlpSecure ?? true, protocol: tracing.otlpProtocol ?? OtlpProtocol.GRPC },
          } : {}),
        },
        metric: { enabled: props.metrics ?? true },
        ...(mtls ? {
          mtls: {
            enabled: true,
            sentryAddress: `dapr-sentry.${cpNamespace}.svc.cluster.local:443`,
            controlPlaneTrustDomain: 'cluster.local',
            workloadCertTtl: mtls.workloadCertTtl,
            allowedClockSkew: mtls.allowedClockSkew,
          },
        } : {}),
        ...(ac ? {
          accessControl: {
            defaultAction: ac.defaultAction,
            trustDomain: ac.trustDomain ?? 'public',
            policies: (ac.policies ?? []).map((p) => ({
              appId: p.appId,
              defaultAction: p.defaultAction,
              trustDomain: ac.trustDomain ?? 'public',
              ...(p.namespace ? { namespace: p.namespace } : {}),
              ...(p.operations?.length ? {
                operations: p.operations.map((o) => ({ name: o.name, httpVerb: [...(o.httpVerbs ?? ['*'])], action: o.action })),
              } : {}),
            })),
          },
        } : {}),
        ...(apis ? { api: { allowed: apis.map((a) => ({ name: a.name, version: a.version })) } } : {}),
      },
    });
  }
}

/** HTTP verbs of an operation rule, as Dapr matches them (upper case; `*` is every verb). */
const HTTP_VERBS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', '*'];

/** A SPIFFE trust domain: lowercase letters, digits, '.', '-' and '_'. */
function checkTrustDomain(value: unknown): string | undefined {
  return typeof value === 'string' && /^[a-z0-9._-]{1,255}$/.test(value) ? undefined : `${describeValue(value)} is not a trust domain; expected lowercase letters, digits, '.', '-' or '_', e.g. "public" or "cluster.local"`;
}

function checkAction(action: unknown): string | undefined {
  return Object.values(DaprAction).includes(action as DaprAction) ? undefined : `${describeValue(action)} is not a DaprAction; expected DaprAction.ALLOW or DaprAction.DENY`;
}
