/**
 * `npm run bench -- --pulumi-live`: a real `pulumi up` of generated environments (the mix of
 * bench/generate.ts, 10 and 100 FTEs by default) against a live control plane started for
 * the run, with the engine built from Go modules (test/cluster/pulumi-engine.ts). Reports
 * wall time, resources per second, and the peak RSS of the engine (`pulumi`) and of the
 * Kubernetes provider, sampled from /proc while `pulumi up` runs.
 *
 * The operators are local (agent-sandbox CRDs of the running controller, the Prometheus
 * Operator CRDs from ../shared); Dapr and Vault Secrets Operator CRDs are installed directly,
 * their Helm installs are off. Each size gets a fresh namespace and a fresh stack.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { down, ensureBuild, up } from '../test/cluster/control-plane';
import { KubeClient } from '../test/cluster/kube-client';
import { ensureEngineBuild, EngineBuild, engineEnv, REPO_ROOT } from '../test/cluster/pulumi-engine';
import { benchStackEnvironment } from './pulumi-worker';

/** One live `pulumi up`. */
export interface LiveResult {
  readonly ftes: number;
  /** Resources in the stack's state after the update (components, provider, objects). */
  readonly resources: number;
  /** `pulumi up --yes --skip-preview`, spawn to exit, s. */
  readonly upSeconds: number;
  readonly resourcesPerSecond: number;
  /** Peak RSS of the `pulumi` engine process, MiB. */
  readonly enginePeakRssMiB: number;
  /** Peak RSS of the Kubernetes provider process, MiB. */
  readonly providerPeakRssMiB: number;
  /** Peak RSS of the Node.js program (language host's child), MiB. */
  readonly programPeakRssMiB: number;
}

function rssMiB(pid: string): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** PIDs whose executable is `exe` (ours: the build's own binaries) or whose command line matches `pattern`. */
function pidsOf(match: (cmdline: string[]) => boolean): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (match(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'))) out.push(pid);
    } catch {
      // gone
    }
  }
  return out;
}

async function pulumiUp(build: EngineBuild, project: string, env: NodeJS.ProcessEnv, stack: string): Promise<{ seconds: number; engine: number; provider: number; program: number; out: string }> {
  const peak = { engine: 0, provider: 0, program: 0 };
  const started = Date.now();
  const child = spawn(build.pulumi, ['up', '--yes', '--skip-preview', '--non-interactive', '--stack', stack], { cwd: project, env });
  let out = '';
  child.stdout.on('data', (d) => { out += String(d); });
  child.stderr.on('data', (d) => { out += String(d); });
  const sample = setInterval(() => {
    for (const pid of pidsOf((c) => c[0] === build.pulumi)) peak.engine = Math.max(peak.engine, rssMiB(pid));
    for (const pid of pidsOf((c) => c[0] === build.provider)) peak.provider = Math.max(peak.provider, rssMiB(pid));
    for (const pid of pidsOf((c) => c[0] === 'node' && c.some((a) => a.includes(path.join('cmd', 'run'))) && c.some((a) => a === `--stack=${stack}`))) peak.program = Math.max(peak.program, rssMiB(pid));
  }, 100);
  const code: number = await new Promise((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  clearInterval(sample);
  if (code !== 0) throw new Error(`pulumi up (${stack}) exited ${code}:\n${out.slice(-4000)}`);
  return { seconds: (Date.now() - started) / 1000, ...peak, out };
}

/** Runs `pulumi up` for each size on a control plane started (and stopped) here. */
export async function runLive(sizes: number[], log: (line: string) => void): Promise<LiveResult[]> {
  const shared = path.resolve(REPO_ROOT, '..', 'shared');
  if (!fs.existsSync(path.join(shared, 'crds'))) throw new Error(`${shared}/crds is missing: the benchmark installs the operators' CRDs from there`);
  const cp = ensureBuild(log);
  const build = ensureEngineBuild(log);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-bench-live-'));
  const stateDir = path.join(work, 'cluster');
  const state = await up({ stateDir, log, podsPerNode: 1000 });
  const client = KubeClient.fromKubeconfig(state.kubeconfig);
  try {
    for (const group of ['dapr', 'vault-secrets-operator', 'cilium']) {
      const dir = path.join(shared, 'crds', group);
      for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.yaml')).sort()) {
        for (const d of parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'))) {
          const o = d.toJS() as { kind?: string } | null;
          if (o?.kind === 'CustomResourceDefinition') await client.apply(o, 'ftekit-bench');
        }
      }
    }
    await client.waitForCrdsEstablished();
    const project = path.join(work, 'project');
    fs.mkdirSync(path.join(project, 'stacks'), { recursive: true });
    fs.mkdirSync(path.join(work, 'home', 'state'), { recursive: true });
    fs.writeFileSync(path.join(project, 'Pulumi.yaml'), stringify({
      name: 'ftekit', runtime: { name: 'nodejs', options: { typescript: false } },
      main: `${path.relative(project, path.join(REPO_ROOT, 'lib', 'src', 'deploy'))}/`, stackConfigDir: 'stacks',
    }));
    const env = engineEnv(build, path.join(work, 'home'), state.kubeconfig);
    const results: LiveResult[] = [];
    for (const ftes of sizes) {
      const stack = `bench-${ftes}`;
      const environment = {
        ...benchStackEnvironment(ftes),
        namespace: `bench-${ftes}`,
        operators: {
          agentSandbox: { manifest: path.dirname(cp.agentSandboxCrds[0]) },
          prometheusOperatorCrds: { manifest: path.join(shared, 'crds', 'prometheus-operator') },
        },
      };
      fs.writeFileSync(path.join(project, 'stacks', `Pulumi.${stack}.yaml`), stringify({ config: { 'kubernetes:context': 'ftekit-local', 'ftekit:environment': environment } }));
      const init = spawn(build.pulumi, ['stack', 'init', stack, '--non-interactive'], { cwd: project, env, stdio: 'ignore' });
      await new Promise((resolve) => init.on('close', resolve));
      log(`pulumi up: ${ftes} FTEs`);
      const r = await pulumiUp(build, project, env, stack);
      const exported = await new Promise<string>((resolve) => {
        const c = spawn(build.pulumi, ['stack', 'export', '--stack', stack], { cwd: project, env });
        let s = '';
        c.stdout.on('data', (d) => { s += String(d); });
        c.on('close', () => resolve(s));
      });
      const resources = (JSON.parse(exported) as { deployment: { resources?: unknown[] } }).deployment.resources?.length ?? 0;
      const result = { ftes, resources, upSeconds: r.seconds, resourcesPerSecond: resources / r.seconds, enginePeakRssMiB: r.engine, providerPeakRssMiB: r.provider, programPeakRssMiB: r.program };
      log(`pulumi up: ${ftes} FTEs, ${resources} resources in ${r.seconds.toFixed(1)} s`);
      results.push(result);
    }
    return results;
  } finally {
    client.close();
    await down(stateDir);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The live results as Markdown. */
export function formatLive(results: readonly LiveResult[]): string {
  const lines = [
    'Real `pulumi up` against the live control plane (engine built from Go modules; one run per size, fresh namespace and stack):',
    '',
    '| FTEs | resources | `pulumi up` wall s | resources / s | engine peak RSS MiB | provider peak RSS MiB | program peak RSS MiB |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.ftes} | ${r.resources} | ${r.upSeconds.toFixed(1)} | ${r.resourcesPerSecond.toFixed(1)} | ${r.enginePeakRssMiB.toFixed(0)} | ${r.providerPeakRssMiB.toFixed(0)} | ${r.programPeakRssMiB.toFixed(0)} |`),
  ];
  return lines.join('\n');
}
