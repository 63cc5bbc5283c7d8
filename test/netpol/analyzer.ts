/**
 * np-guard's netpol-analyzer (`netpolicy`), built from our own test/netpol/go.mod and cached
 * outside the repository keyed by its version, like the control plane. The connectivity
 * test runs it on each dist/<env>/ plus stand-in pods.
 */
import * as crypto from 'crypto';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { buildIntoCache, cacheRoot, ControlPlaneError, GO_MODULE_DIR, goAvailable } from '../cluster/control-plane';

/** The analyzer release test/netpol/go.mod pins. */
export const NETPOL_ANALYZER_VERSION = 'v1.4.2';
const PACKAGE = 'github.com/np-guard/netpol-analyzer/cmd/netpolicy';

/** test/netpol: our Go module that pins the analyzer (beside test/cluster's). */
function moduleDir(): string {
  return path.join(path.dirname(GO_MODULE_DIR), 'netpol');
}

/** The build's identity: go.mod, go.sum and the Go version. */
function buildKey(dir: string): string {
  const h = crypto.createHash('sha256');
  for (const f of ['go.mod', 'go.sum']) h.update(fs.readFileSync(path.join(dir, f)));
  h.update(execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim());
  return `${NETPOL_ANALYZER_VERSION}-${h.digest('hex').slice(0, 16)}`;
}

/** The path of the `netpolicy` binary, built unless cached. */
export function ensureAnalyzer(log: (line: string) => void = () => undefined): string {
  if (!goAvailable()) throw new ControlPlaneError('Go is not on PATH: netpol-analyzer is built from Go modules (Go 1.26 or later)');
  const mod = moduleDir();
  const dir = path.join(path.dirname(cacheRoot()), 'netpol-analyzer', buildKey(mod));
  buildIntoCache(dir, `netpol-analyzer ${NETPOL_ANALYZER_VERSION}`, 'about 2 minutes after the control plane, whose compiled packages it reuses,', log, (tmp) => {
    execFileSync('go', ['build', '-trimpath', '-ldflags', '-s -w', '-o', path.join(tmp, 'bin') + path.sep, PACKAGE], {
      cwd: mod, env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false', GOWORK: 'off' }, stdio: ['ignore', 'inherit', 'inherit'],
    });
  });
  return path.join(dir, 'bin', 'netpolicy');
}

/** One connection the analyzer allows. */
export interface AnalyzerConnection {
  readonly src: string;
  readonly dst: string;
  readonly conn: string;
}

/** `netpolicy list --dirpath dir -o json`: the allowed connections between the objects in `dir`. */
export function analyzeConnectivity(binary: string, dir: string): AnalyzerConnection[] {
  const out = execFileSync(binary, ['list', '--dirpath', dir, '-o', 'json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out) as AnalyzerConnection[];
}
