import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { ResourceRequirements } from '../../src';

/** Small, valid resources for tests. */
export const RESOURCES: ResourceRequirements = {
  cpu: { request: Cpu.millis(250), limit: Cpu.units(1) },
  memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
};

/** A pinned image. */
export const IMAGE = 'ghcr.io/acme/agent:1.2.3';

/**
 * The pod annotations of a Dapr app with every default (app port 8000, its own Configuration):
 * the hardened sidecar DaprWorker, FteSandbox and SandboxPool ask the injector for alike.
 */
export function daprSidecarAnnotations(appId: string): Record<string, string> {
  return {
    'dapr.io/enabled': 'true',
    'dapr.io/app-id': appId,
    'dapr.io/app-port': '8000',
    'dapr.io/app-protocol': 'http',
    'dapr.io/config': appId,
    'dapr.io/log-level': 'info',
    'dapr.io/enable-metrics': 'true',
    'dapr.io/metrics-port': '9090',
    'dapr.io/graceful-shutdown-seconds': '5',
    'dapr.io/sidecar-listen-addresses': '[::1],127.0.0.1',
    'dapr.io/sidecar-cpu-request': '100m',
    'dapr.io/sidecar-cpu-limit': '300m',
    'dapr.io/sidecar-memory-request': '250Mi',
    'dapr.io/sidecar-memory-limit': '1000Mi',
    'dapr.io/sidecar-seccomp-profile-type': 'RuntimeDefault',
  };
}
