import { DaprMetadataValue, DaprSecretKey, checkSecretKey } from './dapr-component';
import { describeValue, FteValidationError } from './errors';
import { Peer } from './egress-allowlist';
import { checkDnsLabel, checkInteger, Problem } from './_validate';

/** SASL mechanism for {@link KafkaAuth.password}. */
export enum SaslMechanism {
  /** SASL/PLAIN (only over TLS). */
  PLAIN = 'PLAINTEXT',
  /** SCRAM-SHA-256. */
  SCRAM_SHA_256 = 'SHA-256',
  /** SCRAM-SHA-512. */
  SCRAM_SHA_512 = 'SHA-512',
}

/** Options for {@link KafkaAuth.password}. */
export interface KafkaPasswordAuthOptions {
  /** SASL user name (not a secret). */
  readonly username: string;
  /** SASL password, by reference. */
  readonly password: DaprSecretKey;
  /**
   * SASL mechanism (`saslMechanism` metadata); SASL/PLAIN is only accepted over TLS.
   * @default SaslMechanism.SCRAM_SHA_512
   */
  readonly mechanism?: SaslMechanism;
}

/** Options for {@link KafkaAuth.mtls}. */
export interface KafkaMtlsAuthOptions {
  /** CA certificate (PEM) the brokers' certificates chain to. */
  readonly caCert: DaprSecretKey;
  /** Client certificate (PEM). */
  readonly clientCert: DaprSecretKey;
  /** Client private key (PEM). */
  readonly clientKey: DaprSecretKey;
}

/** How the Dapr Kafka pub/sub authenticates to the brokers (`authType`). */
export class KafkaAuth {
  /** No authentication (`authType: none`): only for brokers reachable by this namespace alone. */
  public static readonly NONE = new KafkaAuth('none', undefined, {});

  /** SASL user name and password (`authType: password`); the password by secret reference. */
  public static password(options: KafkaPasswordAuthOptions): KafkaAuth {
    const mechanism = options.mechanism ?? SaslMechanism.SCRAM_SHA_512;
    if (!Object.values(SaslMechanism).includes(mechanism)) {
      throw new FteValidationError('KafkaAuth.password', `mechanism: ${describeValue(mechanism)} is not a SaslMechanism; expected e.g. SaslMechanism.SCRAM_SHA_512`);
    }
    return new KafkaAuth('password', mechanism === SaslMechanism.PLAIN ? 'SASL/PLAIN' : undefined, {
      saslUsername: DaprMetadataValue.of(options.username),
      saslPassword: DaprMetadataValue.fromSecret(options.password),
      saslMechanism: DaprMetadataValue.of(mechanism),
    });
  }

  /** Mutual TLS (`authType: mtls`); every PEM by secret reference. */
  public static mtls(options: KafkaMtlsAuthOptions): KafkaAuth {
    return new KafkaAuth('mtls', 'mTLS', {
      caCert: DaprMetadataValue.fromSecret(options.caCert),
      clientCert: DaprMetadataValue.fromSecret(options.clientCert),
      clientKey: DaprMetadataValue.fromSecret(options.clientKey),
    });
  }

  private constructor(
    public readonly authType: string,
    /** Set when this auth must run over TLS: what it is, for errors. */
    private readonly tlsOnly: string | undefined,
    private readonly items: Record<string, DaprMetadataValue>,
  ) {}

  /** Whether this auth must run over TLS (mTLS, SASL/PLAIN). */
  public get needsTls(): boolean {
    return this.tlsOnly !== undefined;
  }

  /** What this auth is, e.g. `SASL/PLAIN`. */
  public get description(): string {
    return this.tlsOnly ?? this.authType;
  }

  /** Metadata items of this auth method, `authType` included. */
  public metadata(): Record<string, DaprMetadataValue> {
    return { authType: DaprMetadataValue.of(this.authType), ...this.items };
  }
}

/** Where a new consumer group starts reading. */
export enum KafkaInitialOffset {
  /** Only messages published from now on (Dapr's default). */
  NEWEST = 'newest',
  /** From the oldest retained message. */
  OLDEST = 'oldest',
}

/** Props for `DaprWorker.addPubSub`: a Kafka pub/sub component (`pubsub.kafka` v1). */
export interface KafkaPubSubProps {
  /**
   * Component name, as the application's `pubsubname`.
   * @default - the construct id
   */
  readonly name?: string;
  /** Brokers as `host:port` (`kafka:9092`, `kafka-0.kafka.messaging.svc:9093`). */
  readonly brokers: string[];
  /**
   * Consumer group.
   * @default - the worker's app id
   */
  readonly consumerGroup?: string;
  /**
   * Client id reported to Kafka.
   * @default - the worker's app id
   */
  readonly clientId?: string;
  /** Authentication. */
  readonly auth: KafkaAuth;
  /**
   * TLS to the brokers. Dapr's own default is TLS on; turn it off only for a plaintext
   * listener inside the cluster.
   * @default true
   */
  readonly tls?: boolean;
  /**
   * Pods that serve the brokers, for the egress allowlist.
   * @default - parsed from each broker address (`Peer.parse`: pods labelled `app.kubernetes.io/name=<service>`)
   */
  readonly peer?: Peer;
  /**
   * Where a new consumer group starts reading (`initialOffset` metadata).
   * @default - KafkaInitialOffset.NEWEST (Dapr's default, not emitted)
   */
  readonly initialOffset?: KafkaInitialOffset;
}

/** Props for `DaprWorker.addStateStore`: a Redis state store (`state.redis` v1). */
export interface RedisStateStoreProps {
  /**
   * Component name, as the application's state store name.
   * @default - the construct id
   */
  readonly name?: string;
  /** `host:port`, e.g. `redis:6379`. */
  readonly host: string;
  /**
   * Password, by secret reference.
   * @default - no password (only for a Redis no other namespace can reach)
   */
  readonly password?: DaprSecretKey;
  /**
   * ACL user name.
   * @default - the default user
   */
  readonly username?: string;
  /**
   * TLS to Redis (`enableTLS`). Dapr's own default is off.
   * @default true
   */
  readonly tls?: boolean;
  /**
   * Redis logical database, 0 to 15 (`redisDB` metadata).
   * @default 0
   */
  readonly database?: number;
  /**
   * Use this store for actor state (`actorStateStore: "true"`).
   * @default false
   */
  readonly actorStateStore?: boolean;
  /**
   * Pods that serve Redis, for the egress allowlist.
   * @default - parsed from `host` (`Peer.parse`)
   */
  readonly peer?: Peer;
}

const HOST_PORT = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*:\d{1,5}$/;

/** `host:port` with a DNS host. */
export function checkHostPort(value: unknown): Problem {
  if (typeof value !== 'string' || !HOST_PORT.test(value)) return `${describeValue(value)} is not a host:port address; expected e.g. "kafka:9092"`;
  const host = value.slice(0, value.lastIndexOf(':'));
  if (host.length > 253 || host.split('.').some((l) => l.length > 63)) return `${describeValue(value)} has a host name longer than DNS allows (labels of at most 63 characters, 253 in all)`;
  const port = Number(value.slice(value.lastIndexOf(':') + 1));
  if (port < 1 || port > 65535) return `${describeValue(value)} has port ${port}, out of range; expected a port 1-65535`;
  return undefined;
}

/** Validates Kafka props; returns the first problem as `[field, problem]`. */
export function checkKafkaProps(props: KafkaPubSubProps): [string, Problem] {
  if (props.name !== undefined && checkDnsLabel(props.name)) return ['name', checkDnsLabel(props.name)];
  if (!Array.isArray(props.brokers) || props.brokers.length === 0) return ['brokers', `${describeValue(props.brokers)} is empty; expected at least one "host:port"`];
  const bad = props.brokers.findIndex((b) => checkHostPort(b));
  if (bad >= 0) return [`brokers[${bad}]`, checkHostPort(props.brokers[bad])];
  if (!(props.auth instanceof KafkaAuth)) return ['auth', `${describeValue(props.auth)} is not a KafkaAuth; expected KafkaAuth.password(...), KafkaAuth.mtls(...) or KafkaAuth.NONE`];
  if (props.tls === false && props.auth.needsTls) return ['tls', `is false while auth is ${props.auth.description}, which ${props.auth.authType === 'mtls' ? 'is TLS itself' : 'would send the password in clear text'}; expected tls true (the default)`];
  if (props.clientId !== undefined && (typeof props.clientId !== 'string' || !/^[A-Za-z0-9._-]{1,249}$/.test(props.clientId))) return ['clientId', `${describeValue(props.clientId)} is not a Kafka client id; expected letters, digits, '.', '_' or '-'`];
  if (props.consumerGroup !== undefined && !/^[A-Za-z0-9._-]{1,249}$/.test(props.consumerGroup)) return ['consumerGroup', `${describeValue(props.consumerGroup)} is not a Kafka group id; expected letters, digits, '.', '_' or '-'`];
  if (props.peer !== undefined && !(props.peer instanceof Peer)) return ['peer', `${describeValue(props.peer)} is not a Peer; expected Peer.pods(...) or Peer.service(...)`];
  if (props.initialOffset !== undefined && !Object.values(KafkaInitialOffset).includes(props.initialOffset)) return ['initialOffset', `${describeValue(props.initialOffset)} is not a KafkaInitialOffset; expected KafkaInitialOffset.NEWEST or KafkaInitialOffset.OLDEST`];
  return ['', undefined];
}

/** Validates Redis props; returns the first problem as `[field, problem]`. */
export function checkRedisProps(props: RedisStateStoreProps): [string, Problem] {
  if (props.name !== undefined && checkDnsLabel(props.name)) return ['name', checkDnsLabel(props.name)];
  if (checkHostPort(props.host)) return ['host', checkHostPort(props.host)];
  if (props.password !== undefined && checkSecretKey(props.password)) return ['password', checkSecretKey(props.password)];
  if (props.username !== undefined && (typeof props.username !== 'string' || !/^\S{1,256}$/.test(props.username))) return ['username', `${describeValue(props.username)} is not a Redis user name; expected a non-empty name without spaces (leave it out for the default user)`];
  if (props.database !== undefined && checkInteger(props.database, 0, 15)) return ['database', checkInteger(props.database, 0, 15)];
  if (props.peer !== undefined && !(props.peer instanceof Peer)) return ['peer', `${describeValue(props.peer)} is not a Peer; expected Peer.pods(...) or Peer.service(...)`];
  return ['', undefined];
}

/** Metadata of a `pubsub.kafka` component. */
export function kafkaMetadata(props: KafkaPubSubProps, appId: string): Record<string, DaprMetadataValue> {
  return {
    brokers: DaprMetadataValue.of(props.brokers.join(',')),
    consumerGroup: DaprMetadataValue.of(props.consumerGroup ?? appId),
    clientID: DaprMetadataValue.of(props.clientId ?? appId),
    ...props.auth.metadata(),
    ...(props.tls === false ? { disableTls: DaprMetadataValue.of('true') } : {}),
    ...(props.initialOffset ? { initialOffset: DaprMetadataValue.of(props.initialOffset) } : {}),
  };
}

/** Metadata of a `state.redis` component. */
export function redisMetadata(props: RedisStateStoreProps): Record<string, DaprMetadataValue> {
  return {
    redisHost: DaprMetadataValue.of(props.host),
    ...(props.username ? { redisUsername: DaprMetadataValue.of(props.username) } : {}),
    ...(props.password ? { redisPassword: DaprMetadataValue.fromSecret(props.password) } : {}),
    enableTLS: DaprMetadataValue.of(String(props.tls ?? true)),
    ...(props.database !== undefined ? { redisDB: DaprMetadataValue.of(String(props.database)) } : {}),
    ...(props.actorStateStore ? { actorStateStore: DaprMetadataValue.of('true') } : {}),
  };
}
