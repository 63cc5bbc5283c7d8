import { Construct } from 'constructs';
import { checkConfigKey, ISecretSource } from './env-value';
import { describeValue, FteValidationError, ProblemCollector } from './errors';
import { checkDnsLabel, checkInteger, checkLabels, Problem } from './_validate';
import { nameClash } from './_object-names';
import { Component, ComponentSpecMetadata } from './imports/dapr.io';

/** API group and version of every Dapr custom resource ftekit emits (except Subscription). */
export const DAPR_API_VERSION = Component.GVK.apiVersion;

/**
 * One key of a Kubernetes Secret, by reference. Dapr's operator resolves it (built-in
 * `kubernetes` secret store) from the Secret in the Component's own namespace, so the
 * value never appears in the Component.
 */
export interface DaprSecretKey {
  /** The Secret: an ExistingSecret or a VaultSync secret. */
  readonly secret: ISecretSource;
  /** Key within the Secret. */
  readonly key: string;
}

/** One `spec.metadata` item of a Component: a literal or a secret reference. */
export class DaprMetadataValue {
  /** A literal value (not for passwords: those must be {@link DaprMetadataValue.fromSecret}). */
  public static of(value: string): DaprMetadataValue {
    if (typeof value !== 'string') throw new FteValidationError('DaprMetadataValue.of', `${describeValue(value)} is not a string; expected a string (quote numbers and booleans)`);
    return new DaprMetadataValue(value, undefined);
  }

  /** A key of a Kubernetes Secret. */
  public static fromSecret(ref: DaprSecretKey): DaprMetadataValue {
    const problem = checkSecretKey(ref);
    if (problem) throw new FteValidationError('DaprMetadataValue.fromSecret', problem);
    return new DaprMetadataValue(undefined, ref);
  }

  private constructor(private readonly value: string | undefined, public readonly secretRef: DaprSecretKey | undefined) {}

  /** The metadata item JSON under `name`. */
  public toJson(name: string): ComponentSpecMetadata {
    return this.secretRef
      ? { name, secretKeyRef: { name: this.secretRef.secret.secretName, key: this.secretRef.key } }
      : { name, value: this.value };
  }
}

/** Checks a {@link DaprSecretKey}. */
export function checkSecretKey(ref: DaprSecretKey | undefined): Problem {
  if (!ref || typeof ref.secret?.secretName !== 'string') {
    return `${describeValue(ref)} is not a secret key reference; expected { secret: <ExistingSecret or VaultSync secret>, key: 'password' }`;
  }
  return checkConfigKey(ref.key);
}

/** Props for {@link DaprComponent}. */
export interface DaprComponentProps {
  /**
   * Component name: what the application code uses (`pubsubname`, state store name).
   * @default - the construct id
   */
  readonly name?: string;
  /** Component type, e.g. `pubsub.kafka` or `state.redis`. */
  readonly type: string;
  /**
   * Version of the component type (`spec.version`), e.g. `v1`.
   * @default 'v1'
   */
  readonly version?: string;
  /** Metadata items, by name. */
  readonly metadata: Record<string, DaprMetadataValue>;
  /** Dapr app ids allowed to load the component (at least one: ftekit never emits unscoped components). */
  readonly scopes: string[];
  /**
   * Time the sidecar waits for the component to initialise.
   * @default - Dapr's default (5s)
   */
  readonly initTimeoutSeconds?: number;
  /** Labels for the object. @default - none */
  readonly labels?: Record<string, string>;
}

/**
 * A Dapr `Component` (`dapr.io/v1alpha1`), always scoped to named app ids. Secret metadata
 * is referenced through `secretKeyRef` with no `auth` block, so Dapr's operator resolves it
 * from the Component's namespace (for instance from a Secret that VaultSync writes).
 *
 * Usually created through `DaprWorker.addPubSub(...)` / `addStateStore(...)`.
 */
export class DaprComponent extends Construct {
  /** Component name. */
  public readonly name: string;
  /** Component type, e.g. `pubsub.kafka`. */
  public readonly type: string;
  /** The Component object. */
  public readonly resource: Component;
  /** Secrets the component references. */
  public readonly secrets: readonly ISecretSource[];

  public constructor(scope: Construct, id: string, props: DaprComponentProps) {
    super(scope, id);
    this.name = props.name ?? id;
    const problems = ProblemCollector.forConstruct(this, 'DaprComponent');
    if (problems.add('name', checkDnsLabel(this.name))) problems.add('name', nameClash(this, 'Component', this.name));
    problems.add('labels', checkLabels(props.labels));
    problems.add('type', typeof props.type === 'string' && /^[a-z0-9]+\.[a-z0-9.-]+$/.test(props.type) ? undefined : `${describeValue(props.type)} is not a component type; expected e.g. "pubsub.kafka" or "state.redis"`);
    const version = props.version ?? 'v1';
    problems.add('version', /^v\d+(alpha\d+|beta\d+)?$/.test(version) ? undefined : `${describeValue(version)} is not a component version; expected e.g. "v1"`);
    problems.add('scopes', Array.isArray(props.scopes) && props.scopes.length > 0 ? props.scopes.map((s) => checkDnsLabel(s)).find((p) => p) : `${describeValue(props.scopes)} is empty; expected at least one app id (unscoped components load into every app of the namespace)`);
    const entries = Object.entries(props.metadata ?? {});
    for (const [key, value] of entries) {
      // Dapr matches metadata names case-insensitively against its component's fields.
      problems.add(`metadata[${JSON.stringify(key)}]`, /^[A-Za-z][A-Za-z0-9_.-]*$/.test(key) ? undefined : `${describeValue(key)} is not a metadata name; expected a field name such as "brokers"`);
      problems.add(`metadata.${key}`, value instanceof DaprMetadataValue ? undefined : `${describeValue(value)} is not a DaprMetadataValue; expected DaprMetadataValue.of(...) or .fromSecret(...)`);
    }
    if (props.initTimeoutSeconds !== undefined) problems.add('initTimeoutSeconds', checkInteger(props.initTimeoutSeconds, 1, 3600));
    problems.throwIfAny();

    this.type = props.type;
    const secrets: ISecretSource[] = [];
    for (const [, value] of entries) {
      if (value.secretRef && !secrets.some((s) => s.secretName === value.secretRef?.secret.secretName)) secrets.push(value.secretRef.secret);
    }
    this.secrets = secrets;
    this.resource = this._toKube(props, version, entries);
  }

  /** The Component, scoped to its apps. */
  private _toKube(props: DaprComponentProps, version: string, entries: Array<[string, DaprMetadataValue]>): Component {
    return new Component(this, 'Resource', {
      metadata: { name: this.name, ...(props.labels ? { labels: { ...props.labels } } : {}) },
      spec: {
        type: props.type,
        version,
        ...(props.initTimeoutSeconds !== undefined ? { initTimeout: `${props.initTimeoutSeconds}s` } : {}),
        metadata: entries.map(([key, value]) => value.toJson(key)),
      },
      scopes: [...props.scopes],
    });
  }
}
