import { Construct } from 'constructs';
import { DaprComponent } from './dapr-component';
import { describeValue, ProblemCollector } from './errors';
import { checkDnsLabel, checkLabels } from './_validate';
import { nameClash } from './_object-names';
import { SubscriptionV2Alpha1 } from './imports/dapr.io';

/** A routing rule: messages matching a CEL expression go to `path`. */
export interface DaprRouteRule {
  /** CEL expression over the CloudEvent, e.g. `event.type == "report.requested"`. */
  readonly match: string;
  /** App path that receives matching messages, e.g. `/reports`. */
  readonly path: string;
}

/** Props for {@link DaprSubscription}. */
export interface DaprSubscriptionProps {
  /**
   * Name of the Subscription object.
   * @default - the construct id
   */
  readonly name?: string;
  /** The pub/sub component (from `addPubSub`). */
  readonly pubsub: DaprComponent;
  /** Topic to subscribe to. */
  readonly topic: string;
  /**
   * App path for messages no rule matches. At least one of `defaultRoute` and `rules`.
   * @default - none
   */
  readonly defaultRoute?: string;
  /**
   * Routing rules (`routes.rules`): a message matching a rule's CEL expression goes to its path.
   * @default - none
   */
  readonly rules?: DaprRouteRule[];
  /**
   * Topic that receives messages the app failed to process after retries.
   * @default - none: undeliverable messages are dropped after the retries
   */
  readonly deadLetterTopic?: string;
  /** App ids that subscribe. */
  readonly scopes: string[];
  /** Labels for the object. @default - none */
  readonly labels?: Record<string, string>;
}

const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

/**
 * A declarative Dapr `Subscription` (`dapr.io/v2alpha1`, the storage version) with routes
 * and an optional dead-letter topic. Usually created through `DaprWorker.addSubscription`.
 */
export class DaprSubscription extends Construct {
  /** Subscription name. */
  public readonly name: string;
  /** The Subscription object. */
  public readonly resource: SubscriptionV2Alpha1;

  public constructor(scope: Construct, id: string, props: DaprSubscriptionProps) {
    super(scope, id);
    const kind = 'DaprSubscription';
    this.name = props.name ?? id;
    const problems = ProblemCollector.forConstruct(this, kind);
    if (problems.add('name', checkDnsLabel(this.name))) problems.add('name', nameClash(this, 'Subscription', this.name));
    problems.add('labels', checkLabels(props.labels));
    problems.add('pubsub', props.pubsub instanceof DaprComponent && props.pubsub.type.startsWith('pubsub.') ? undefined : `${describeValue(props.pubsub?.type ?? props.pubsub)} is not a pub/sub component; expected the result of worker.addPubSub(...)`);
    problems.add('topic', typeof props.topic === 'string' && TOPIC.test(props.topic) ? undefined : `${describeValue(props.topic)} is not a topic name; expected letters, digits, '.', '_' or '-'`);
    if (props.deadLetterTopic !== undefined) {
      problems.add('deadLetterTopic', TOPIC.test(props.deadLetterTopic) ? (props.deadLetterTopic === props.topic ? 'is the subscribed topic itself, which would redeliver failures forever; expected another topic' : undefined) : `${describeValue(props.deadLetterTopic)} is not a topic name; expected letters, digits, '.', '_' or '-'`);
    }
    const rules = props.rules ?? [];
    problems.add('defaultRoute', props.defaultRoute === undefined && rules.length === 0 ? 'and rules are both missing; expected a default route, rules, or both' : undefined);
    if (props.defaultRoute !== undefined) problems.add('defaultRoute', checkPath(props.defaultRoute));
    rules.forEach((r, i) => {
      problems.add(`rules[${i}].match`, typeof r.match === 'string' && r.match.trim().length > 0 ? undefined : `${describeValue(r.match)} is empty; expected a CEL expression such as event.type == "report.requested"`);
      problems.add(`rules[${i}].path`, checkPath(r.path));
    });
    problems.add('scopes', Array.isArray(props.scopes) && props.scopes.length > 0 ? props.scopes.map((s) => checkDnsLabel(s)).find((p) => p) : `${describeValue(props.scopes)} is empty; expected at least one app id`);
    problems.throwIfAny();

    this.resource = this._toKube(props, rules);
  }

  /** The Subscription (`dapr.io/v2alpha1`, routes with rules). */
  private _toKube(props: DaprSubscriptionProps, rules: readonly DaprRouteRule[]): SubscriptionV2Alpha1 {
    return new SubscriptionV2Alpha1(this, 'Resource', {
      metadata: { name: this.name, ...(props.labels ? { labels: { ...props.labels } } : {}) },
      spec: {
        pubsubname: props.pubsub.name,
        topic: props.topic,
        routes: {
          ...(rules.length ? { rules: rules.map((r) => ({ match: r.match, path: r.path })) } : {}),
          ...(props.defaultRoute ? { default: props.defaultRoute } : {}),
        },
        ...(props.deadLetterTopic ? { deadLetterTopic: props.deadLetterTopic } : {}),
      },
      scopes: [...props.scopes],
    });
  }
}

function checkPath(path: unknown): string | undefined {
  return typeof path === 'string' && /^\/[A-Za-z0-9._~/-]*$/.test(path) ? undefined : `${describeValue(path)} is not an app path; expected e.g. "/reports"`;
}
