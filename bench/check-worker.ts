/**
 * One measurement of `npm run bench -- --check`, in a fresh process: either `ftekit-check`
 * itself (`runCheck`, what the CLI runs) on a file, or the floor: the `yaml` package alone
 * reading the same file into JavaScript (`parseAllDocuments` then `toJS()` of every document,
 * YAML 1.1 with merge keys, as the gate reads manifests). Prints one JSON line
 * ({@link CheckResult}).
 *
 *   node build/bench/check-worker.js --mode check|yaml-floor --file FILE
 */
import * as fs from 'fs';
import { parseAllDocuments } from 'yaml';
import { runCheck } from '../src/policy/cli';

/** Which measurement. */
export type CheckMode = 'check' | 'yaml-floor';

/** What one worker measured. */
export interface CheckResult {
  readonly mode: CheckMode;
  readonly bytes: number;
  /** From the start of reading to the verdict (check) or the last document converted (floor). */
  readonly ms: number;
  /** CPU time (user + system) of this process over the same span, ms: what `ms` would be on an idle machine, GC threads aside. */
  readonly cpuMs: number;
  /** Objects checked, or documents converted. */
  readonly objects: number;
  /** The CLI's exit code (check only). */
  readonly exitCode?: number;
  /** Peak resident set size of this process, MiB. */
  readonly peakRssMiB: number;
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Runs one measurement of `mode` on `file`. */
export function measureCheck(mode: CheckMode, file: string): CheckResult {
  const bytes = fs.statSync(file).size;
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let objects = 0;
  let exitCode: number | undefined;
  if (mode === 'check') {
    let out = '';
    exitCode = runCheck(['--json', file], (s) => { out += s; }, (s) => process.stderr.write(s));
    objects = (JSON.parse(out) as { objectCount: number }).objectCount;
  } else {
    for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'), { version: '1.1', merge: true })) {
      doc.toJS();
      objects++;
    }
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  return { mode, bytes, ms, cpuMs: (used.user + used.system) / 1000, objects, ...(exitCode !== undefined ? { exitCode } : {}), peakRssMiB: process.resourceUsage().maxRSS / 1024 };
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const mode = argValue(argv, '--mode');
  const file = argValue(argv, '--file');
  if ((mode !== 'check' && mode !== 'yaml-floor') || !file) {
    process.stderr.write('usage: node build/bench/check-worker.js --mode check|yaml-floor --file FILE\n');
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(measureCheck(mode, file))}\n`);
}
