/**
 * The Pulumi program (`src/pulumi/`) for a generated environment of N FTEs, under Pulumi's
 * runtime mocks (no engine, no cluster), in a fresh process. Prints one JSON line
 * ({@link PulumiResult}).
 *
 *   node build/bench/pulumi-worker.js --ftes 100
 *
 * The environment is the mix of `bench/generate.ts`, written as a stack spec (the program
 * reads its environment from Pulumi config, like `stacks/Pulumi.<env>.yaml`).
 */
import { performance } from 'perf_hooks';
import { fteMix, TEAM_SIZE } from './generate';

/** What one Pulumi run measured. Times are milliseconds. */
export interface PulumiResult {
  /** FTEs in the spec. */
  readonly ftes: number;
  /** Resources registered with the (mock) engine: components, providers, operators, objects. */
  readonly registrations: number;
  /** Process start until the benchmark code runs. */
  readonly startupMs: number;
  /** `require('@pulumi/pulumi')`, `@pulumi/kubernetes` and the program's modules. */
  readonly loadMs: number;
  /** `deployStack()` until every registration has resolved (every object's URN is known). */
  readonly registerMs: number;
  /** Peak resident set size of this process, MiB. */
  readonly peakRssMiB: number;
}

const pad = (i: number, width = 4): string => String(i).padStart(width, '0');

/**
 * The `ftekit:environment` config of `ftes` FTEs, with the mix of {@link fteMix}: sandboxes
 * (Cilium egress, ingress from the gateway, every other one reaching the pool), a pool with
 * one claim per pooled FTE, Dapr workers with Kafka, Redis and a subscription, a Vault
 * secret per team plus Kafka and Redis credentials, and monitoring.
 */
export function benchStackEnvironment(ftes: number): Record<string, unknown> {
  const mix = fteMix(ftes);
  const resources = (cpuRequest: string, cpuLimit: string, memRequest: string, memLimit: string): Record<string, unknown> => ({
    cpu: { request: cpuRequest, limit: cpuLimit }, memory: { request: memRequest, limit: memLimit },
  });
  const teamSecret = (fte: number): string => `team-${pad(Math.floor(fte / TEAM_SIZE), 3)}-llm`;
  const sandboxes: Record<string, unknown>[] = [];
  const workers: Record<string, unknown>[] = [];
  const claims: string[] = [];
  let fte = 0;
  for (let i = 0; i < mix.sandboxes; i++, fte++) {
    sandboxes.push({
      name: `agent-${pad(fte)}`,
      image: 'ghcr.io/acme/research-analyst-fte:1.0.0',
      resources: resources('250m', '1', '512Mi', '2Gi'),
      ports: [{ name: 'http', port: 8000 }],
      readiness: { path: '/healthz', port: 8000 },
      metricsPort: 'http',
      // Vault-synced keys rotate: sandboxes mount them as files (as bench/generate.ts does).
      secretMounts: [{ secret: teamSecret(fte), path: '/var/run/secrets/llm' }],
      workspace: { size: '5Gi' },
      egress: ['kafka:9092', 'redis:6379', '*.googleapis.com:443', 'api.anthropic.com:443'],
      ingressFrom: [{ service: 'api-gateway', port: 8000 }],
      ...(i % 2 === 0 ? { pools: [{ name: 'code-exec', port: 8080 }] } : {}),
    });
  }
  for (let i = 0; i < mix.claims; i++, fte++) claims.push(`task-${pad(fte)}`);
  for (let i = 0; i < mix.workers; i++, fte++) {
    workers.push({
      name: `worker-${pad(fte)}`,
      image: 'ghcr.io/acme/research-analyst-worker:1.0.0',
      resources: resources('500m', '2', '1Gi', '2Gi'),
      ports: [{ name: 'http', port: 8000 }, { name: 'metrics', port: 9100 }],
      readiness: { path: '/healthz', port: 8000 },
      appPort: 8000,
      metricsPort: 'metrics',
      replicas: 2,
      secretEnv: { ANTHROPIC_API_KEY: { secret: teamSecret(fte), key: 'anthropic' }, OPENAI_API_KEY: { secret: teamSecret(fte), key: 'openai' } },
      egress: ['api.anthropic.com:443', 'api.openai.com:443'],
      pubsub: { name: `pubsub-${pad(fte)}`, brokers: ['kafka:9092'], consumerGroup: `worker-${pad(fte)}`, username: 'bench', password: { secret: 'kafka-credentials', key: 'password' } },
      stateStore: { name: `statestore-${pad(fte)}`, host: 'redis:6379', password: { secret: 'redis-credentials', key: 'password' } },
      subscriptions: [{ topic: `requests-${pad(fte)}`, route: '/work', deadLetterTopic: `requests-${pad(fte)}-dead` }],
      pools: [{ name: 'code-exec', port: 8080 }],
    });
  }
  const secrets = [
    { name: 'kafka-credentials', mount: 'secret', path: 'bench/kafka' },
    { name: 'redis-credentials', mount: 'secret', path: 'bench/redis' },
  ];
  for (let t = 0; t < mix.teams; t++) secrets.push({ name: `team-${pad(t, 3)}-llm`, mount: 'secret', path: `bench/team-${pad(t, 3)}/llm` });
  return {
    namespace: 'bench-ftes',
    runtime: 'gvisor',
    egressEnforcement: 'cilium',
    ftes: sandboxes,
    // The services the FTEs call or are called by, in the namespace: ftekit opens their side.
    peers: [
      { name: 'kafka', ports: [9092], replicas: 3, resources: resources('500m', '2', '2Gi', '4Gi') },
      { name: 'redis', ports: [6379], resources: resources('250m', '1', '512Mi', '1Gi') },
      { name: 'api-gateway', replicas: 2, resources: resources('250m', '1', '256Mi', '512Mi') },
    ],
    pools: [{
      name: 'code-exec',
      image: 'ghcr.io/acme/deer-flow-sandbox:1.4.0',
      replicas: mix.poolReplicas,
      resources: resources('100m', '1', '256Mi', '1Gi'),
      ports: [{ name: 'http', port: 8080 }],
      readiness: { path: '/v1/sandbox', port: 8080 },
      workspace: { ephemeral: true, size: '2Gi' },
      claims,
    }],
    daprWorkers: workers,
    vault: { address: 'https://vault.vault.svc:8200', caCertSecret: 'vault-ca', role: 'bench-ftes', secrets },
    monitoring: { prometheusNamespace: 'monitoring' },
    // The agent-sandbox and Prometheus CRD manifests are fetched by the program at run time;
    // a benchmark must not depend on the network, so only the Helm installs are on.
    operators: { agentSandbox: false, dapr: true, vaultSecretsOperator: true, prometheusOperatorCrds: false },
  };
}

function ms(from: bigint): number {
  return Number(process.hrtime.bigint() - from) / 1e6;
}

/** Runs the program for `ftes` FTEs under mocks and waits for every registration. */
export async function measurePulumi(ftes: number): Promise<PulumiResult> {
  const startupMs = performance.now();
  let t = process.hrtime.bigint();
  // Loaded here, not at the top, so their load time is measured apart from registration.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const pulumi = require('@pulumi/pulumi') as typeof import('@pulumi/pulumi');
  const program = require('../src/pulumi/program') as typeof import('../src/pulumi/program');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const loadMs = ms(t);

  const environment = benchStackEnvironment(ftes);
  t = process.hrtime.bigint();
  let registrations = 0;
  await pulumi.runtime.setMocks({
    newResource: (args) => {
      registrations++;
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: (args) => args.inputs,
  }, 'ftekit', 'bench', false);
  pulumi.runtime.setAllConfig({ 'ftekit:environment': JSON.stringify(environment), 'kubernetes:context': 'bench' });
  const { environment: env } = program.deployStack();
  const urnOf = (o: import('@pulumi/pulumi').Output<unknown>): Promise<unknown> => new Promise((resolve) => o.apply((v) => { resolve(v); return v; }));
  // ConfigGroup v1 registers its children asynchronously: wait for each child's URN.
  for (const group of [env.clusterObjects, env.namespacedObjects]) {
    const children = await urnOf(group.resources) as Record<string, import('@pulumi/pulumi').CustomResource>;
    await Promise.all(Object.values(children).map((r) => urnOf(r.urn)));
  }
  await urnOf(env.urn);
  const registerMs = ms(t);
  return { ftes, registrations, startupMs, loadMs, registerMs, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
}

if (require.main === module) {
  const i = process.argv.indexOf('--ftes');
  const ftes = Number(i >= 0 ? process.argv[i + 1] : '100');
  measurePulumi(ftes).then((r) => process.stdout.write(`${JSON.stringify(r)}\n`), (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
