import { Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { ResourceRequirements } from './_quantities';
import { DaprConfigurationProps } from './dapr-configuration';
import { DaprSubscriptionProps } from './dapr-subscription';

/** Protocol the Dapr sidecar uses to call the app (`dapr.io/app-protocol`). */
export enum DaprAppProtocol {
  /** Plain HTTP/1.1 (Dapr's default). */
  HTTP = 'http',
  /** gRPC. */
  GRPC = 'grpc',
  /** HTTP over TLS. */
  HTTPS = 'https',
  /** gRPC over TLS. */
  GRPCS = 'grpcs',
  /** HTTP/2 cleartext. */
  H2C = 'h2c',
}

/** Log level of the sidecar (`dapr.io/log-level`). */
export enum DaprLogLevel {
  /** debug */
  DEBUG = 'debug',
  /** info (Dapr's default) */
  INFO = 'info',
  /** warn */
  WARN = 'warn',
  /** error */
  ERROR = 'error',
}

/** The injected `daprd` sidecar. */
export interface DaprSidecarOptions {
  /**
   * Sidecar requests and limits, always emitted: under gVisor (GKE Sandbox) limits apply
   * only when every container of the pod has them, and quotas need them.
   * @default - requests 100m / 250Mi, limits 300m / 1000Mi (Dapr's production guidance)
   */
  readonly resources?: ResourceRequirements;
  /**
   * Log level of the daprd sidecar (`dapr.io/log-level`).
   * @default DaprLogLevel.INFO
   */
  readonly logLevel?: DaprLogLevel;
  /** Port of the sidecar's Prometheus endpoint (container port `dapr-metrics`). @default 9090 */
  readonly metricsPort?: number;
  /**
   * How long daprd drains on shutdown. Must be shorter than the pod's termination grace period.
   * @default Duration.seconds(5) (daprd's own default, emitted explicitly)
   */
  readonly gracefulShutdown?: Duration;
  /**
   * Addresses the Dapr HTTP/gRPC API binds to.
   * @default ['[::1]', '127.0.0.1'] (loopback only: nothing outside the pod reaches the API)
   */
  readonly listenAddresses?: string[];
}

/** Where the Dapr control plane runs. */
export interface DaprControlPlaneOptions {
  /**
   * Namespace of the Dapr control plane: the workload's allowlist lets the sidecar reach its
   * pods there, and the mTLS Sentry address names it.
   * @default 'dapr-system'
   */
  readonly namespace?: string;
}

/** The Dapr Configuration of a Dapr app (its name and scope are the workload's). */
export type DaprAppConfigurationOptions = Omit<DaprConfigurationProps, 'name' | 'controlPlaneNamespace' | 'labels'>;

/** Props for `addSubscription` of a Dapr-enabled workload: its app id is the scope. */
export type DaprAppSubscriptionProps = Omit<DaprSubscriptionProps, 'scopes' | 'labels'>;

/** Props for `addResiliency` of a Dapr-enabled workload. */
export interface DaprAppResiliencyProps {
  /**
   * Name of the Resiliency object.
   * @default - the construct id
   */
  readonly name?: string;
}

/**
 * What makes a workload a Dapr app: the app id and channel, the hardened `daprd` sidecar the
 * injector adds to its pods, its own Dapr Configuration and where the control plane and
 * Prometheus run. The same options for every Dapr-enabled workload: a `DaprWorker` takes
 * them as its own props, an `FteSandbox` or `SandboxPool` as its `dapr` prop. Components,
 * subscriptions and resiliency are added with the workload's `addPubSub`, `addStateStore`,
 * `addSubscription` and `addResiliency`, all scoped to the app id.
 */
export interface DaprAppOptions {
  /**
   * Dapr app id (`dapr.io/app-id`), the scope of the workload's components, subscriptions and
   * resiliency; the Dapr operator creates a Service `<appId>-dapr`. Every pod of the workload
   * has it: a SandboxPool's sandboxes are instances of one app.
   * @default - the workload name
   */
  readonly appId?: string;
  /**
   * Port the app serves Dapr calls and message delivery on (`dapr.io/app-port`); must be a
   * declared port.
   * @default - the first declared port; none when no port is declared (no app channel)
   */
  readonly appPort?: number;
  /**
   * Protocol the sidecar uses to call the app (`dapr.io/app-protocol`).
   * @default DaprAppProtocol.HTTP
   */
  readonly appProtocol?: DaprAppProtocol;
  /**
   * Resources, log level, metrics port, shutdown and listen addresses of the injected daprd
   * sidecar, set through `dapr.io/` pod annotations.
   * @default - the sidecar defaults in DaprSidecarOptions
   */
  readonly sidecar?: DaprSidecarOptions;
  /**
   * Tracing, metrics, mTLS, access control and API allowlist of the app's own Dapr
   * Configuration.
   * @default - metrics on, tracing off, the control plane's mTLS and access settings
   */
  readonly configuration?: DaprAppConfigurationOptions;
  /**
   * Where the Dapr control plane runs, for the allowlist and Configuration.
   * @default - `dapr-system`
   */
  readonly controlPlane?: DaprControlPlaneOptions;
  /**
   * Namespace Prometheus scrapes from; the sidecar metrics port (and a DaprWorker's app
   * metrics port) is opened to it.
   * @default 'monitoring'
   */
  readonly monitoringNamespace?: string;
}

/** Default sidecar resources, after Dapr's production guidelines for daprd. */
export const DEFAULT_DAPR_SIDECAR_RESOURCES: ResourceRequirements = {
  cpu: { request: Cpu.millis(100), limit: Cpu.millis(300) },
  memory: { request: Size.mebibytes(250), limit: Size.mebibytes(1000) },
};

/** Pod labels of the Dapr control-plane services a sidecar calls, and their pod ports. */
export const DAPR_CONTROL_PLANE_PODS: ReadonlyArray<{ readonly app: string; readonly port: number }> = [
  { app: 'dapr-sentry', port: 50001 },
  { app: 'dapr-operator', port: 6500 },
  { app: 'dapr-placement-server', port: 50005 },
  { app: 'dapr-scheduler-server', port: 50006 },
];

/** Sidecar-to-sidecar service invocation port (`dapr-internal`). */
export const DAPR_INTERNAL_PORT = 50002;
