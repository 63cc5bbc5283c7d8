import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { FteValidationError } from './errors';
import { checkPort, wholeSeconds } from './_validate';

/** Timing of a probe. Durations are whole seconds. */
export interface ProbeOptions {
  /**
   * Wait after the container starts before the first probe (`initialDelaySeconds`).
   * @default Duration.seconds(0)
   */
  readonly initialDelay?: Duration;
  /**
   * Interval between probes (`periodSeconds`).
   * @default Duration.seconds(10)
   */
  readonly period?: Duration;
  /**
   * How long one probe may take before it counts as failed (`timeoutSeconds`).
   * @default Duration.seconds(1)
   */
  readonly timeout?: Duration;
  /**
   * Failed probes in a row after which the probe counts as failed (`failureThreshold`).
   * @default 3
   */
  readonly failureThreshold?: number;
}

/** A readiness, liveness or startup check of the agent container. */
export class Probe {
  /** HTTP GET on `path` and `port`; healthy on 2xx/3xx. */
  public static httpGet(path: string, port: number, options: ProbeOptions = {}): Probe {
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new FteValidationError('Probe.httpGet', `path ${JSON.stringify(path)} is not absolute; expected e.g. "/healthz"`);
    }
    Probe.checkPort('Probe.httpGet', port);
    return new Probe({ httpGet: { path, port, scheme: 'HTTP' } }, options);
  }

  /** TCP connect to `port`. */
  public static tcpSocket(port: number, options: ProbeOptions = {}): Probe {
    Probe.checkPort('Probe.tcpSocket', port);
    return new Probe({ tcpSocket: { port } }, options);
  }

  /** Run `command` in the container; healthy on exit code 0. */
  public static exec(command: string[], options: ProbeOptions = {}): Probe {
    if (!Array.isArray(command) || command.length === 0 || command.some((c) => typeof c !== 'string')) {
      throw new FteValidationError('Probe.exec', `command ${JSON.stringify(command)} is empty; expected e.g. ["cat", "/tmp/ready"]`);
    }
    return new Probe({ exec: { command: [...command] } }, options);
  }

  private static checkPort(where: string, port: number): void {
    const problem = checkPort(port);
    if (problem) throw new FteValidationError(where, problem);
  }

  private readonly json: Record<string, unknown>;

  private constructor(handler: Record<string, unknown>, options: ProbeOptions) {
    const seconds = (d: Duration | undefined, fallback: number, min: number, what: string): number => {
      const s = d === undefined ? fallback : wholeSeconds(d, min);
      if (typeof s === 'string') throw new FteValidationError('Probe', `${what} ${s}`);
      return s;
    };
    const failureThreshold = options.failureThreshold ?? 3;
    if (!Number.isInteger(failureThreshold) || failureThreshold < 1) {
      throw new FteValidationError('Probe', `failureThreshold ${JSON.stringify(failureThreshold)} is invalid; expected a whole number >= 1`);
    }
    this.json = {
      ...handler,
      initialDelaySeconds: seconds(options.initialDelay, 0, 0, 'initialDelay'),
      periodSeconds: seconds(options.period, 10, 1, 'period'),
      timeoutSeconds: seconds(options.timeout, 1, 1, 'timeout'),
      failureThreshold,
    };
  }

  /** The Kubernetes `Probe` JSON. */
  public toJson(): Record<string, unknown> {
    return JSON.parse(JSON.stringify(this.json));
  }

  /** The typed Kubernetes `Probe` (ports as IntOrString, as the L1 serialises them). */
  public _toKube(): k8s.Probe {
    const { httpGet, tcpSocket, ...rest } = this.toJson() as { httpGet?: { path: string; port: number; scheme: string }; tcpSocket?: { port: number } } & k8s.Probe;
    return {
      ...rest,
      ...(httpGet ? { httpGet: { ...httpGet, port: k8s.IntOrString.fromNumber(httpGet.port) } } : {}),
      ...(tcpSocket ? { tcpSocket: { port: k8s.IntOrString.fromNumber(tcpSocket.port) } } : {}),
    };
  }

  /** The port the probe targets, if it uses one. */
  public get port(): number | undefined {
    const handler = (this.json.httpGet ?? this.json.tcpSocket) as { port?: number } | undefined;
    return handler?.port;
  }
}
