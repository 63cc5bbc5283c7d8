#!/usr/bin/env node
/*
 * `npm run cluster -- <command>`: a local Kubernetes control plane built from Go modules
 * (no Docker), the one the live-cluster tests use.
 *
 *   build          build the binaries (cached outside the repository, keyed by versions)
 *   build-engine   build the Pulumi engine the live Pulumi tests run (test/pulumi/go.mod)
 *   build-netpol   build np-guard's netpol-analyzer the connectivity test runs (test/netpol/go.mod)
 *   up             build if needed, start, print the kubeconfig path
 *   down           stop exactly the processes `up` started and remove the state directory
 *   status         say whether one runs
 */
import * as path from 'path';
import { ControlPlaneError, defaultStateDir, down, ensureBuild, KUBERNETES_VERSION, runningState, up } from './control-plane';
import { ensureEngineBuild } from './pulumi-engine';
import { ensureAnalyzer } from '../netpol/analyzer';

const USAGE = `usage: npm run cluster -- <build|build-engine|build-netpol|up|down|status> [--state-dir DIR]

A local control plane without Docker: etcd, kube-apiserver, kube-controller-manager and
kube-scheduler (Kubernetes ${KUBERNETES_VERSION}), kwok (fake nodes that mark pods Running and Ready; no
container runs) and the agent-sandbox controller, all built from Go modules and bound to
127.0.0.1. State (certificates, etcd data, logs, PID files, kubeconfig) lives in
--state-dir, default $FTEKIT_CLUSTER_DIR or ~/.cache/ftekit/cluster.`;

async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  let stateDir = defaultStateDir();
  const i = args.indexOf('--state-dir');
  if (i >= 0) {
    if (!args[i + 1]) {
      process.stderr.write('--state-dir needs a directory\n');
      return 2;
    }
    stateDir = path.resolve(args[i + 1]);
    args.splice(i, 2);
  }
  if (args.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const log = (line: string): void => {
    process.stderr.write(`cluster: ${line}\n`);
  };
  switch (args[0]) {
    case 'build': {
      const b = ensureBuild(log);
      process.stdout.write(`${b.dir}\n`);
      return 0;
    }
    case 'build-engine': {
      const b = ensureEngineBuild(log);
      process.stdout.write(`${b.binDir}\n`);
      return 0;
    }
    case 'build-netpol': {
      process.stdout.write(`${ensureAnalyzer(log)}\n`);
      return 0;
    }
    case 'up': {
      const running = runningState(stateDir);
      if (running) {
        process.stderr.write(`a control plane is already running from ${stateDir}\nexport KUBECONFIG=${running.kubeconfig}\n`);
        return 1;
      }
      const state = await up({ stateDir, log });
      process.stdout.write(`control plane running at ${state.server}\nexport KUBECONFIG=${state.kubeconfig}\nstop it with: npm run cluster -- down${stateDir === defaultStateDir() ? '' : ` --state-dir ${stateDir}`}\n`);
      return 0;
    }
    case 'down': {
      const stopped = await down(stateDir);
      process.stdout.write(stopped.length ? `stopped ${stopped.join(', ')}; removed ${stateDir}\n` : `nothing was running from ${stateDir}\n`);
      return 0;
    }
    case 'status': {
      const running = runningState(stateDir);
      process.stdout.write(running ? `running at ${running.server} (KUBECONFIG=${running.kubeconfig})\n` : `not running (${stateDir})\n`);
      return running ? 0 : 3;
    }
    default:
      process.stderr.write(`unknown command ${JSON.stringify(args[0])}\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`cluster: ${e instanceof ControlPlaneError ? e.message : (e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
