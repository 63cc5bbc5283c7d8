import { Size, Testing } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { DAPR_ANNOTATIONS } from '../src/_labels';
import { DAPR_HELM_VALUES as PULUMI_DAPR_HELM_VALUES } from '../src/pulumi/operators';
import { DAPR_HELM_VALUES, daprSidecarAnnotations } from '../src/_pod';
import { DaprWorker, FteSandbox, Probe } from '../src';
import { chart, one } from './support/synth';

const resources = { cpu: { request: Cpu.millis(100), limit: Cpu.millis(300) }, memory: { request: Size.mebibytes(250), limit: Size.mebibytes(1000) } };

describe('daprSidecarAnnotations (the one place the Dapr sidecar is configured and hardened)', () => {
  const input = {
    appId: 'worker', appProtocol: 'http', config: 'worker', logLevel: 'info', metricsPort: 9090,
    gracefulShutdownSeconds: 5, listenAddresses: ['[::1]', '127.0.0.1'], resources,
  };

  test('hardens the sidecar: seccomp RuntimeDefault, loopback-only API, requests and limits', () => {
    const a = daprSidecarAnnotations(input);
    expect(a[DAPR_ANNOTATIONS.seccompProfileType]).toBe('RuntimeDefault');
    expect(a[DAPR_ANNOTATIONS.listenAddresses]).toBe('[::1],127.0.0.1');
    expect([a[DAPR_ANNOTATIONS.cpuRequest], a[DAPR_ANNOTATIONS.cpuLimit], a[DAPR_ANNOTATIONS.memoryRequest], a[DAPR_ANNOTATIONS.memoryLimit]]).toEqual(['100m', '300m', '250Mi', '1000Mi']);
    expect(a[DAPR_ANNOTATIONS.appPort]).toBeUndefined();
    expect(daprSidecarAnnotations({ ...input, appPort: 8000 })[DAPR_ANNOTATIONS.appPort]).toBe('8000');
  });

  test('the DaprWorker pod carries exactly these annotations (plus the user\'s own)', () => {
    const c = chart('ns');
    new DaprWorker(c, 'worker', {
      image: 'ghcr.io/acme/worker:1.0.0',
      resources,
      ports: [{ name: 'http', number: 8000 }],
      readiness: Probe.httpGet('/healthz', 8000),
      podAnnotations: { 'example.com/team': 'research' },
    });
    const annotations = one(Testing.synth(c), 'Deployment', 'worker').spec.template.metadata.annotations;
    expect(annotations).toEqual({ 'example.com/team': 'research', ...daprSidecarAnnotations({ ...input, appPort: 8000 }) });
  });

  test('dropping capabilities has no per-pod annotation: it is the injector value the Pulumi path installs', () => {
    expect(DAPR_HELM_VALUES).toEqual({ dapr_sidecar_injector: { sidecarDropALLCapabilities: true } });
    expect(PULUMI_DAPR_HELM_VALUES).toBe(DAPR_HELM_VALUES);
  });

  test('a sandbox pod has no Dapr annotations', () => {
    const c = chart('ns');
    new FteSandbox(c, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', resources });
    const meta = one(Testing.synth(c), 'Sandbox', 'agent').spec.podTemplate.metadata;
    expect(Object.keys(meta.annotations ?? {}).filter((k) => k.startsWith('dapr.io/'))).toEqual([]);
  });
});
