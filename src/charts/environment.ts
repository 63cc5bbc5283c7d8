import { App, Chart } from 'cdk8s';
import { Peer, Port } from '../egress-allowlist';
import { FteNamespace } from '../fte-namespace';
import { FteSandbox } from '../fte-sandbox';
import { SandboxPool } from '../sandbox-pool';
import { RuntimeClasses } from '../sandbox-runtime';
import { EnvironmentSpec } from '../spec/environment-spec';

/** The two charts of one environment. */
export interface EnvironmentCharts {
  /** Cluster-scoped objects: RuntimeClasses and the Namespace. Synthesised to `cluster.k8s.yaml`. */
  readonly cluster: Chart;
  /** Everything in the FTE namespace. Synthesised to `ftes.k8s.yaml`. */
  readonly ftes: Chart;
}

/**
 * Builds an environment's charts from its validated spec, in `app`. The same function
 * serves `cdk8s synth` and the Pulumi program, so both deliver the same objects.
 */
export function buildEnvironment(app: App, spec: EnvironmentSpec): EnvironmentCharts {
  const cluster = new Chart(app, 'cluster');
  new RuntimeClasses(cluster, 'RuntimeClasses', { runtimes: [spec.runtime] });
  const ftes = new Chart(app, 'ftes', { namespace: spec.namespace });
  new FteNamespace(ftes, 'Namespace', { namespaceObjectScope: cluster, quota: spec.quota, quotaHeadroom: spec.quotaHeadroom });

  const pools = new Map<string, SandboxPool>();
  for (const p of spec.pools) {
    const pool = new SandboxPool(ftes, p.props.name, p.props);
    for (const claim of p.claims) pool.claim(claim);
    pools.set(p.props.name, pool);
  }
  for (const f of spec.ftes) {
    const sandbox = new FteSandbox(ftes, f.props.name, f.props);
    for (const rule of f.ingress) sandbox.network.allowFrom(rule.peer, Port.tcp(rule.port));
    for (const reach of f.reaches) {
      const pool = pools.get(reach.pool) as SandboxPool;
      sandbox.network.allowTo(Peer.workload(pool), Port.tcp(reach.port));
      pool.network.allowFrom(Peer.workload(sandbox), Port.tcp(reach.port));
    }
  }
  return { cluster, ftes };
}
