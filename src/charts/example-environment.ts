import { Chart, Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { EgressEnforcement, Peer, Port } from '../egress-allowlist';
import { ExistingSecret } from '../env';
import { FteNamespace } from '../fte-namespace';
import { FteSandbox } from '../fte-sandbox';
import { Probe } from '../probe';
import { SandboxPool } from '../sandbox-pool';
import { RuntimeClasses, SandboxRuntime } from '../sandbox-runtime';
import { Workspace } from '../workspace';

/** Namespace of the example environment. */
export const EXAMPLE_NAMESPACE = 'digital-ftes';

/** Cluster-scoped objects of the example: the gVisor RuntimeClass. */
export class ExampleClusterChart extends Chart {
  public constructor(scope: Construct, id: string) {
    super(scope, id);
    new RuntimeClasses(this, 'RuntimeClasses', { runtimes: [SandboxRuntime.GVISOR] });
  }
}

/**
 * The example environment: seed 000's research-analyst FTE and a pool of three pre-warmed
 * code-execution sandboxes (seed 002's sandbox) with two claims, in a restricted namespace.
 */
export class ExampleFtesChart extends Chart {
  /** The research analyst. */
  public readonly analyst: FteSandbox;
  /** The code-execution pool. */
  public readonly codeExec: SandboxPool;

  public constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: EXAMPLE_NAMESPACE });
    new FteNamespace(this, 'Namespace');

    const llmKeys = ExistingSecret.fromName('llm-api-keys');
    this.analyst = new FteSandbox(this, 'research-analyst', {
      image: 'ghcr.io/acme/research-analyst-fte:1.0.0',
      runtime: SandboxRuntime.GVISOR,
      resources: {
        cpu: { request: Cpu.millis(500), limit: Cpu.units(2) },
        memory: { request: Size.gibibytes(1), limit: Size.gibibytes(4) },
      },
      ports: [{ name: 'http', number: 8000 }],
      readiness: Probe.httpGet('/healthz', 8000),
      liveness: Probe.httpGet('/healthz', 8000, { period: Duration.seconds(20) }),
      env: {
        ANTHROPIC_API_KEY: llmKeys.envValue('anthropic'),
        OPENAI_API_KEY: llmKeys.envValue('openai'),
        GOOGLE_API_KEY: llmKeys.envValue('google'),
      },
      workspace: Workspace.persistent({ size: Size.gibibytes(10) }),
      egressEnforcement: EgressEnforcement.CILIUM,
      egress: ['kafka:9092', 'redis:6379', '*.googleapis.com:443', 'api.anthropic.com:443', 'api.openai.com:443'],
    });
    this.analyst.network.allowFrom(Peer.service('fastapi'), Port.tcp(8000));

    this.codeExec = new SandboxPool(this, 'code-exec', {
      image: 'ghcr.io/acme/deer-flow-sandbox:1.4.0',
      runtime: SandboxRuntime.GVISOR,
      replicas: 3,
      resources: {
        cpu: { request: Cpu.millis(100), limit: Cpu.units(1) },
        memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
      },
      ports: [{ name: 'http', number: 8080 }],
      readiness: Probe.httpGet('/v1/sandbox', 8080, { period: Duration.seconds(5) }),
      workspace: Workspace.ephemeral({ sizeLimit: Size.gibibytes(2) }),
    });
    // Only the analyst may reach the code sandboxes, and the sandboxes reach nothing but DNS.
    this.codeExec.network.allowFrom(Peer.workload(this.analyst), Port.tcp(8080));
    this.analyst.network.allowTo(Peer.workload(this.codeExec), Port.tcp(8080));
    this.codeExec.claim('analyst-task-1');
    this.codeExec.claim('analyst-task-2');
  }
}
