#!/usr/bin/env node
/*
 * `npm run check -- <files or dirs>` / `ftekit-check <files or dirs>`: runs the policy gate
 * on any YAML or JSON manifests, made by ftekit or not.
 *
 * Exit codes: 0 no errors, 1 policy errors, 2 bad usage or input that cannot be checked.
 * Input is anything a GitOps repository holds, reviewed or not: every input problem is one
 * line naming the file (document and line where known), never a stack trace, and never exit
 * 0 or 1. Files are streamed (see _manifest-reader.ts), so memory follows the largest
 * document, not the input.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readManifestFile } from './_manifest-reader';
import { PolicyEvaluator } from './engine';
import { ExceptedFinding, formatPolicyReport, PolicyFinding, PolicyReport } from './report';
import { KubernetesVersion } from './kubernetes-version';
import { ManifestInputError, ManifestPosition } from './manifest-input-error';

const USAGE = `usage: ftekit-check [--kubernetes-version 1.${KubernetesVersion.FLOOR.minor}..1.${KubernetesVersion.LATEST.minor}] [--sandboxed-runtime-class NAME]... [--allow-empty] [--json] <file or directory>...

Checks Kubernetes manifests (YAML, multi-document; JSON object, array or List) against the
ftekit policy. Directories are read recursively (*.yaml, *.yml, *.json; hidden folders,
node_modules and construct-metadata.json are skipped). All files form one set: namespace
rules see the policies of every file.

  --kubernetes-version V       the clusters' Kubernetes version: selects the Pod Security
                               controls that differ between versions (default ${KubernetesVersion.FLOOR})
  --sandboxed-runtime-class N  another RuntimeClass that counts as sandboxed
  --allow-empty                no objects at all is a pass (default: an input error)
  --json                       the report (or the input errors) as JSON on stdout

Exit codes: 0 no errors, 1 policy errors, 2 bad usage or input that cannot be checked
(unreadable, not YAML or JSON, nested too deeply, an alias bomb, or no objects).`;

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/** Options as parsed from the command line. */
interface Invocation {
  readonly targets: string[];
  readonly sandboxedRuntimeClasses: string[];
  kubernetesVersion: KubernetesVersion;
  json: boolean;
  allowEmpty: boolean;
  help: boolean;
  /** Usage problems: exit 2. */
  readonly problems: string[];
}

function parseArgs(argv: readonly string[]): Invocation {
  const inv: Invocation = { targets: [], sandboxedRuntimeClasses: [], kubernetesVersion: KubernetesVersion.FLOOR, json: false, allowEmpty: false, help: false, problems: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      inv.help = true;
    } else if (a === '--json') {
      inv.json = true;
    } else if (a === '--allow-empty') {
      inv.allowEmpty = true;
    } else if (a === '--sandboxed-runtime-class') {
      const v = argv[++i];
      if (v) inv.sandboxedRuntimeClasses.push(v); else inv.problems.push('--sandboxed-runtime-class needs a RuntimeClass name');
    } else if (a === '--kubernetes-version') {
      const v = argv[++i];
      try {
        inv.kubernetesVersion = KubernetesVersion.of(v ?? '');
      } catch {
        inv.problems.push(`--kubernetes-version ${v === undefined ? 'needs a version' : `${JSON.stringify(v)} is not supported`}; expected 1.${KubernetesVersion.FLOOR.minor} to 1.${KubernetesVersion.LATEST.minor} (e.g. 1.32)`);
      }
    } else if (a.startsWith('-') && a !== '-') {
      inv.problems.push(`unknown option ${a}`);
    } else {
      inv.targets.push(a);
    }
  }
  if (!inv.help && inv.problems.length === 0 && inv.targets.length === 0) inv.problems.push('no files or directories given');
  return inv;
}

function collectFiles(target: string, out: string[]): void {
  let stat: fs.Stats;
  let entries: fs.Dirent[];
  try {
    stat = fs.statSync(target);
    if (!stat.isDirectory()) {
      out.push(target);
      return;
    }
    entries = fs.readdirSync(target, { withFileTypes: true });
  } catch (e) {
    throw new ManifestInputError(target, `cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = path.join(target, e.name);
    if (e.isDirectory()) {
      if (!e.name.startsWith('.') && e.name !== 'node_modules') collectFiles(p, out);
    } else if (MANIFEST_FILE.test(e.name) && e.name !== 'construct-metadata.json') {
      out.push(p);
    }
  }
}

/** Where each object came from, by its index in the report (plain number arrays: one entry per object of a large input). */
class ObjectSources {
  private readonly files: string[] = [];
  private readonly fileOf: number[] = [];
  /** Document and line of each object; 0 when unknown. */
  private readonly documents: number[] = [];
  private readonly lines: number[] = [];

  public add(file: string, position: ManifestPosition): void {
    if (this.files[this.files.length - 1] !== file) this.files.push(file);
    this.fileOf.push(this.files.length - 1);
    this.documents.push(position.document ?? 0);
    this.lines.push(position.line ?? 0);
  }

  public file(index: number): string {
    return this.files[this.fileOf[index]];
  }

  public position(index: number): ManifestPosition {
    const document = this.documents[index];
    const line = this.lines[index];
    return { ...(document ? { document } : {}), ...(line ? { line } : {}) };
  }
}

/** Reads every file into `evaluator`; returns the input errors (at most one per file or target). */
function readInputs(inv: Invocation, evaluator: PolicyEvaluator, sources: ObjectSources): ManifestInputError[] {
  const errors: ManifestInputError[] = [];
  const files: string[] = [];
  for (const t of inv.targets) {
    try {
      collectFiles(t, files);
    } catch (e) {
      errors.push(asInputError(t, e));
    }
  }
  if (files.length === 0 && errors.length === 0 && !inv.allowEmpty) {
    errors.push(ManifestInputError.ofInput(inv.targets, 'no *.yaml, *.yml or *.json files found'));
  }
  for (const file of files) {
    try {
      readManifestFile(file, (object, position) => {
        evaluator.add(object);
        sources.add(file, position);
      });
    } catch (e) {
      errors.push(asInputError(file, e));
    }
  }
  if (errors.length === 0 && evaluator.objectCount === 0 && files.length > 0 && !inv.allowEmpty) {
    errors.push(ManifestInputError.ofInput(inv.targets, 'no Kubernetes objects', 'pass --allow-empty if an empty set is expected'));
  }
  return errors;
}

/** Anything thrown while reading a file means it could not be checked: exit 2, never 0 or 1. */
function asInputError(file: string, e: unknown): ManifestInputError {
  return e instanceof ManifestInputError ? e : new ManifestInputError(file, `cannot be checked: ${e instanceof Error ? e.message : String(e)}`);
}

interface JsonInputError {
  readonly file?: string;
  readonly document?: number;
  readonly line?: number;
  readonly message: string;
}

/** What `--json` prints: always the same keys, whatever happened. */
function jsonOutput(version: KubernetesVersion, report: PolicyReport | undefined, inputErrors: JsonInputError[], sources?: ObjectSources): string {
  const located = <T extends PolicyFinding>(f: T): T & { file: string } & ManifestPosition => ({ ...f, file: sources?.file(f.object.index) ?? '', ...sources?.position(f.object.index) });
  return `${JSON.stringify({
    ok: report !== undefined && inputErrors.length === 0 && report.ok,
    kubernetesVersion: version.toString(),
    objectCount: report?.objectCount ?? 0,
    inputErrors,
    findings: report?.findings.map(located) ?? [],
    excepted: report?.excepted.map((f) => located<ExceptedFinding>(f)) ?? [],
  }, null, 2)}\n`;
}

/**
 * Runs the CLI; returns the exit code. Output goes to `write` (stdout) and `fail` (stderr).
 * Never throws: an unexpected error is exit 2 (and a JSON result with `--json`), so that it
 * cannot read as a verdict.
 */
export function runCheck(argv: readonly string[], write: (s: string) => void, fail: (s: string) => void): number {
  const inv = parseArgs(argv);
  try {
    return check(inv, write, fail);
  } catch (e) {
    const message = `internal error: ${e instanceof Error ? e.message : String(e)}`;
    fail(`ftekit-check: ${message}\n`);
    if (inv.json) write(jsonOutput(inv.kubernetesVersion, undefined, [{ message }]));
    return 2;
  }
}

function check(inv: Invocation, write: (s: string) => void, fail: (s: string) => void): number {
  if (inv.help) {
    write(`${USAGE}\n`);
    return 0;
  }
  if (inv.problems.length > 0) {
    fail(`${inv.problems.map((p) => `ftekit-check: ${p}`).join('\n')}\n${USAGE}\n`);
    if (inv.json) write(jsonOutput(inv.kubernetesVersion, undefined, inv.problems.map((message) => ({ message }))));
    return 2;
  }
  const evaluator = new PolicyEvaluator({ sandboxedRuntimeClasses: inv.sandboxedRuntimeClasses, kubernetesVersion: inv.kubernetesVersion });
  const sources = new ObjectSources();
  const inputErrors = readInputs(inv, evaluator, sources);
  if (inputErrors.length > 0) {
    fail(inputErrors.map((e) => `ftekit-check: ${e.message}\n`).join(''));
    if (inv.json) {
      write(jsonOutput(inv.kubernetesVersion, undefined, inputErrors.map((e) => ({
        file: e.file, ...(e.document !== undefined ? { document: e.document } : {}), ...(e.line !== undefined ? { line: e.line } : {}), message: e.message,
      }))));
    }
    return 2;
  }
  const report = evaluator.finish();
  if (inv.json) write(jsonOutput(inv.kubernetesVersion, report, [], sources));
  else write(`${formatPolicyReport(report, { locate: (o) => sources.file(o.index) })}\n`);
  return report.ok ? 0 : 1;
}

if (require.main === module) {
  process.exitCode = runCheck(process.argv.slice(2), (s) => process.stdout.write(s), (s) => process.stderr.write(s));
}
