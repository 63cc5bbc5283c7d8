import { Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import {
  DaprApi, DaprConfiguration, DaprResiliency, DaprRetry, DaprWorker, DaprWorkerProps, FteMonitoring, FteValidationError, KafkaAuth, Probe, VaultServer, VaultSync,
} from '../src';
import { secondsOf } from '../src/_validate';
import { chart } from './support/synth';

const worker: DaprWorkerProps = {
  image: 'ghcr.io/acme/worker:1.0.0',
  resources: { cpu: { request: Cpu.millis(100), limit: Cpu.millis(500) }, memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) } },
  ports: [{ name: 'http', number: 8000 }],
  readiness: Probe.httpGet('/healthz', 8000),
};

/** Runs `build` and returns the validation error's message; anything else fails the test. */
function messageOf(build: () => unknown): string {
  try {
    build();
  } catch (e) {
    expect(e).toBeInstanceOf(FteValidationError);
    return (e as Error).message;
  }
  throw new Error('expected a validation error');
}

describe('durations: whole seconds, in range, or a validation error naming the field', () => {
  test('secondsOf', () => {
    expect(secondsOf(Duration.minutes(2), 1, 3600)).toBe(120);
    expect(secondsOf(Duration.millis(1500), 1, 3600)).toBe('1500ms is not a whole number of seconds; expected e.g. Duration.seconds(30)');
    expect(secondsOf(Duration.hours(2), 1, 3600)).toBe('7200s is out of range; expected whole seconds from 1 to 3600');
    expect(secondsOf(30, 1, 3600)).toBe('30 is not a Duration; expected e.g. Duration.seconds(30)');
    expect(secondsOf(undefined, 1, 3600)).toBe('undefined is not a Duration; expected e.g. Duration.seconds(30)');
  });

  // cdk8s's toMilliseconds() throws a plain Error for these; they used to escape unchecked.
  test('secondsOf reports sub-millisecond and non-finite Durations instead of throwing', () => {
    expect(secondsOf(Duration.seconds(0.0005), 1, 3600)).toBe('0.5ms is not a whole number of seconds; expected e.g. Duration.seconds(30)');
    expect(secondsOf(Duration.seconds(Number.NaN), 1, 3600)).toBe('NaNms is not a finite Duration; expected e.g. Duration.seconds(30)');
    expect(secondsOf(Duration.seconds(Number.POSITIVE_INFINITY), 1, 3600)).toBe('Infinityms is not a finite Duration; expected e.g. Duration.seconds(30)');
    expect(messageOf(() => new DaprWorker(chart('ns'), 'w', { ...worker, terminationGracePeriod: Duration.seconds(Number.NaN) })))
      .toContain("DaprWorker at 'test/w': terminationGracePeriod: NaNms is not a finite Duration");
    expect(messageOf(() => new FteMonitoring(chart('ns'), 'm', { claimStartupLatencyThreshold: Duration.seconds(0.0005) })))
      .toContain("FteMonitoring at 'test/m': claimStartupLatencyThreshold: 0.5ms is not a positive whole number of milliseconds");
    expect(messageOf(() => DaprRetry.constant(Duration.seconds(1.0000001), 3))).toContain('DaprRetry.constant: interval:');
  });

  // Each of these used to escape as cdk8s's plain Error from Duration.toSeconds().
  test.each<[string, () => unknown, string]>([
    ['DaprWorker terminationGracePeriod', () => new DaprWorker(chart('ns'), 'w', { ...worker, terminationGracePeriod: Duration.millis(30500) }),
      "DaprWorker at 'test/w': terminationGracePeriod: 30500ms is not a whole number of seconds"],
    ['DaprWorker sidecar.gracefulShutdown', () => new DaprWorker(chart('ns'), 'w', { ...worker, sidecar: { gracefulShutdown: Duration.millis(2500) } }),
      "DaprWorker at 'test/w': sidecar.gracefulShutdown: 2500ms is not a whole number of seconds"],
    ['DaprConfiguration mtls.workloadCertTtl', () => new DaprConfiguration(chart('ns'), 'c', { mtls: { workloadCertTtl: Duration.millis(90500) } }),
      "DaprConfiguration at 'test/c': mtls.workloadCertTtl: 90500ms is not a whole number of seconds"],
    ['DaprConfiguration mtls.allowedClockSkew', () => new DaprConfiguration(chart('ns'), 'c', { mtls: { allowedClockSkew: Duration.days(2) } }),
      "DaprConfiguration at 'test/c': mtls.allowedClockSkew: 172800s is out of range; expected whole seconds from 0 to 86400"],
    ['DaprRetry.constant interval', () => DaprRetry.constant(Duration.millis(500), 3),
      'DaprRetry.constant: interval: 500ms is not a whole number of seconds'],
    ['DaprRetry.exponential maxInterval', () => DaprRetry.exponential(Duration.millis(1500), 3),
      'DaprRetry.exponential: maxInterval: 1500ms is not a whole number of seconds'],
    ['DaprResiliency timeout', () => new DaprResiliency(chart('ns'), 'r', { scopes: ['w'] }).forApp('w', { timeout: Duration.millis(1500) }),
      "DaprResiliency at 'test/r': forApp(w).timeout: 1500ms is not a whole number of seconds"],
    ['DaprResiliency circuitBreaker.timeout', () => new DaprResiliency(chart('ns'), 'r', { scopes: ['w'] }).forApp('w', { circuitBreaker: { consecutiveFailures: 3, timeout: Duration.millis(100) } }),
      "DaprResiliency at 'test/r': forApp(w).circuitBreaker.timeout: 100ms is not a whole number of seconds"],
    ['VaultServer timeout', () => VaultServer.connect({ address: 'https://vault:8200', timeout: Duration.millis(2500) }),
      'VaultServer.connect: timeout: 2500ms is not a whole number of seconds'],
    ['VaultSync tokenExpiration', () => new VaultSync(chart('ns'), 'v', { server: VaultServer.existingConnection('default'), role: 'r', tokenExpiration: Duration.millis(600500) }),
      "VaultSync at 'test/v': tokenExpiration: 600500ms is not a whole number of seconds"],
    ['VaultStaticSecret refreshAfter', () => new VaultSync(chart('ns'), 'v', { server: VaultServer.existingConnection('default'), role: 'r' }).addStaticSecret('s', { mount: 'kv', path: 'a', refreshAfter: Duration.millis(60500) }),
      "VaultStaticSecret at 'test/v/s': refreshAfter: 60500ms is not a whole number of seconds"],
    ['FteMonitoring scrapeInterval', () => new FteMonitoring(chart('ns'), 'm', { scrapeInterval: Duration.millis(30500) }),
      "FteMonitoring at 'test/m': scrapeInterval: 30500ms is not a whole number of seconds"],
    ['FteMonitoring claimStartupLatencyThreshold', () => new FteMonitoring(chart('ns'), 'm', { claimStartupLatencyThreshold: Duration.millis(0) }),
      "FteMonitoring at 'test/m': claimStartupLatencyThreshold: 0ms is not a positive whole number of milliseconds"],
  ])('%s', (_what, build, expected) => {
    expect(messageOf(build)).toContain(expected);
  });
});

describe('names and ids Dapr cannot use twice or at all', () => {
  test.each<[string, () => unknown, string]>([
    ['an empty Kafka client id', () => new DaprWorker(chart('ns'), 'w', worker).addPubSub('p', { brokers: ['kafka:9092'], auth: KafkaAuth.NONE, clientId: '' }),
      "addPubSub(\"p\").clientId: \"\" is not a Kafka client id"],
    ['an empty Redis user name', () => new DaprWorker(chart('ns'), 'w', worker).addStateStore('s', { host: 'redis:6379', username: '' }),
      "addStateStore(\"s\").username: \"\" is not a Redis user name"],
    ['an API allowed twice', () => new DaprConfiguration(chart('ns'), 'c', { allowedApis: [DaprApi.STATE, DaprApi.of('state', 'v1.0')] }),
      "DaprConfiguration at 'test/c': allowedApis: \"state v1.0\" is listed twice"],
    ['a workload named like the Service the Dapr operator creates for an app id', () => {
      const c = chart('ns');
      new DaprWorker(c, 'orders', worker);
      return new DaprWorker(c, 'orders-dapr', worker);
    }, "DaprWorker at 'test/orders-dapr': name: \"orders-dapr\" is already the name of a Service in namespace \"ns\" (from 'test/orders')"],
  ])('%s', (_what, build, expected) => {
    expect(messageOf(build)).toContain(expected);
  });
});
