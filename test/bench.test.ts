import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { BENCH_NAMESPACE, buildBenchEnvironment, fteMix, TEAM_SIZE } from '../bench/generate';
import { describeWithShared, expectSchemaValid } from './support/schema';
import { ofKind } from './support/synth';

const ROOT = path.resolve(__dirname, '..');

function synthBench(ftes: number): { cluster: any[]; ftes: any[] } {
  const env = buildBenchEnvironment(Testing.app(), ftes);
  return { cluster: Testing.synth(env.cluster), ftes: Testing.synth(env.ftes) };
}

/** Objects of each kind, as `{ kind: count }`. */
function kinds(objs: any[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of objs) counts[o.kind] = (counts[o.kind] ?? 0) + 1;
  return counts;
}

describe('bench generator', () => {
  test('splits N FTEs into sandboxes, pool claims and Dapr workers', () => {
    expect(fteMix(1000)).toEqual({ ftes: 1000, sandboxes: 800, claims: 100, workers: 100, poolReplicas: 20, teams: 100 });
    expect(fteMix(2)).toEqual({ ftes: 2, sandboxes: 2, claims: 0, workers: 0, poolReplicas: 1, teams: 1 });
    expect(() => fteMix(0)).toThrow('ftes: 0 is not a positive integer');
  });

  test('an environment of 100 FTEs has every object the mix calls for', () => {
    const { cluster, ftes } = synthBench(100);
    const mix = fteMix(100);
    expect(kinds(cluster)).toEqual({ RuntimeClass: 1, Namespace: 1 });
    expect(kinds(ftes)).toEqual({
      // FteNamespace, pool and monitoring
      ResourceQuota: 1, LimitRange: 1, SandboxTemplate: 1, SandboxWarmPool: 1, PrometheusRule: 1,
      // one VaultSync: connection, auth, team secrets plus Kafka and Redis credentials
      VaultConnection: 1, VaultAuth: 1, VaultStaticSecret: mix.teams + 2,
      Sandbox: mix.sandboxes,
      SandboxClaim: mix.claims,
      // every sandbox, worker and the pool has its ServiceAccount and allowlist; the default deny
      ServiceAccount: mix.sandboxes + mix.workers + 1 + 1,
      NetworkPolicy: mix.sandboxes + mix.workers + 1 + 1,
      CiliumNetworkPolicy: mix.sandboxes + mix.workers,
      PodMonitor: mix.sandboxes + mix.workers,
      ServiceMonitor: mix.workers,
      Deployment: mix.workers, Service: mix.workers, PodDisruptionBudget: mix.workers,
      Configuration: mix.workers, Component: 2 * mix.workers, Subscription: mix.workers, Resiliency: mix.workers,
    });
    expect(new Set(ftes.map((o) => o.metadata.namespace))).toEqual(new Set([BENCH_NAMESPACE]));
    // Half the sandboxes and every worker reach the pool, which admits each of them.
    const pool = ofKind(ftes, 'NetworkPolicy', 'code-exec-allowlist')[0];
    expect(pool.spec.ingress.filter((r: any) => r.ports[0].port === 8080)).toHaveLength(mix.sandboxes / 2 + mix.workers);
    // Vault restarts each worker for its team's keys and the shared Kafka and Redis
    // credentials, and nothing else (sandboxes mount their keys as files).
    const targets = (secret: string): unknown => ofKind(ftes, 'VaultStaticSecret', secret)[0].spec.rolloutRestartTargets;
    const deployments = ofKind(ftes, 'Deployment').map((d) => ({ kind: 'Deployment', name: d.metadata.name }));
    expect(targets('kafka-credentials')).toEqual(deployments);
    expect(targets('redis-credentials')).toEqual(deployments);
    expect(targets('team-009-llm')).toEqual(deployments.filter((d) => Math.floor(Number(d.name.slice('worker-'.length)) / TEAM_SIZE) === 9));
    expect(targets('team-000-llm')).toBeUndefined();
    expect(ofKind(ftes, 'VaultStaticSecret').flatMap((s) => s.spec.rolloutRestartTargets ?? [])).toHaveLength(3 * mix.workers);
  });
});

describeWithShared('bench generator schema', () => {
  test('every object of 20 FTEs is schema-valid (unknown fields rejected)', () => {
    const { cluster, ftes } = synthBench(20);
    expectSchemaValid([...cluster, ...ftes]);
    // Every worker's Dapr objects carry its name: no two objects share kind, namespace and name.
    const keys = [...cluster, ...ftes].map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });
});

describe('npm run bench', () => {
  test('runs a tiny size end to end, the Pulumi program included, and prints the report', () => {
    const run = path.join(ROOT, 'build/bench/run.js');
    if (!fs.existsSync(run)) throw new Error('build/bench/run.js is missing: run `npm run build` (npm test does) before this test');
    const out = execFileSync(process.execPath, [run, '--sizes', '2', '--repeat', '1', '--pulumi-ftes', '2'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toMatch(/^ftekit bench: Node v\d+/);
    expect(out).toContain('| FTEs | objects | YAML MiB | build | resolve | serialise | full synth | yaml floor | JSON floor |');
    expect(out).toMatch(/^\| 2 \| 26 \| /m);
    expect(out).toContain('yaml floor output byte-identical to synth output: yes');
    expect(out).toMatch(/^cdk8s synth, all stacks end to end: \d+ \(\d+\) ms$/m);
    expect(out).toMatch(/^Pulumi program under runtime mocks, 2 FTEs: \d+ registrations, all resolved in \d+ \(\d+\) ms /m);
    expect(out).toMatch(/^Targets:\n- n\/a full synth of 1000 FTEs within 1.5x the yaml floor: 1000 not in --sizes\n- n\/a 1000 FTEs cost at most 11x 100 FTEs: needs 100 and 1000 in --sizes\n- reported peak RSS: 2: \d+ MiB$/m);
  });
});

describe('npm run bench -- --check', () => {
  test('generates inputs, runs ftekit-check and the yaml floor on each, and prints the report', () => {
    const run = path.join(ROOT, 'build/bench/run.js');
    if (!fs.existsSync(run)) throw new Error('build/bench/run.js is missing: run `npm run build` (npm test does) before this test');
    const out = execFileSync(process.execPath, [run, '--check', '--check-ftes', '10', '--check-sizes', '0.1,0.3', '--floor-max-mb', '0.1', '--repeat', '1'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toMatch(/^ftekit bench --check: Node v\d+/);
    expect(out).toContain('| input MB | objects | check | check MB/s | check CPU ms | MB per CPU s | check peak RSS MiB | yaml floor | floor CPU ms | floor peak RSS MiB | check / floor | exit |');
    expect(out).toMatch(/^\| 0\.1 \| 139 \| \d+ \(\d+\) \| .* \| \d+\.\d\d \(\d+\.\d\d\) \| 0 \|$/m);
    expect(out).toMatch(/^\| 0\.4 \| 346 \| .* \| not run \| - \| - \| - \| 0 \|$/m);
    expect(out).toContain('every object checked and passed, every run: yes');
    expect(out).toContain('- n/a the 50 MB targets: 50 not in --check-sizes');
  });
});
