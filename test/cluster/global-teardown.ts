/* Jest global teardown of the live-cluster project: stops the control plane by PID, also after failures. */
import * as fs from 'fs';
import * as path from 'path';
import { down } from './control-plane';

export default async function globalTeardown(): Promise<void> {
  const stateDir = process.env.FTEKIT_CLUSTER_STATE_DIR;
  if (!stateDir || process.env.FTEKIT_REUSE_CLUSTER) return;
  // Keep the logs of a failed run where CI prints them; a green run leaves nothing behind.
  const keep = process.env.FTEKIT_KEEP_CLUSTER_LOGS === 'true';
  await down(stateDir, { keepData: keep });
  if (keep) process.stderr.write(`\ncluster: logs kept in ${path.join(stateDir, 'logs')}\n`);
  else if (fs.existsSync(stateDir)) fs.rmSync(stateDir, { recursive: true, force: true });
}
