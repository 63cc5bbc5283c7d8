/*
 * Jest global setup of the live-cluster project: starts one control plane for the run
 * (test/cluster/ suites start nothing themselves) and tells the suites where it is through
 * FTEKIT_KUBECONFIG. Without Go the suites skip with a message, except under CI=true.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { goAvailable, runningState, up } from './control-plane';

export default async function globalSetup(): Promise<void> {
  if (!goAvailable()) {
    if (process.env.CI === 'true') throw new Error('live-cluster tests: Go is not on PATH, and CI=true forbids skipping them');
    process.env.FTEKIT_CLUSTER_SKIP = 'Go is not on PATH, so the live control plane cannot be built (install Go 1.26+)';
    return;
  }
  // A control plane already running from `npm run cluster -- up` can be reused (faster
  // iterations): FTEKIT_REUSE_CLUSTER=<its state dir>. It is left running afterwards.
  const reuse = process.env.FTEKIT_REUSE_CLUSTER;
  if (reuse) {
    const running = runningState(reuse);
    if (!running) throw new Error(`FTEKIT_REUSE_CLUSTER=${reuse}: no control plane runs from there`);
    process.env.FTEKIT_CLUSTER_STATE_DIR = reuse;
    process.env.FTEKIT_KUBECONFIG = running.kubeconfig;
    return;
  }
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-cluster-'));
  process.env.FTEKIT_CLUSTER_STATE_DIR = stateDir;
  const started = Date.now();
  const state = await up({ stateDir, log: (l) => process.stderr.write(`\ncluster: ${l}`) });
  process.stderr.write(`\ncluster: control plane up in ${((Date.now() - started) / 1000).toFixed(1)} s at ${state.server}\n`);
  process.env.FTEKIT_KUBECONFIG = state.kubeconfig;
}
