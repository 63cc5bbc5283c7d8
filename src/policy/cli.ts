#!/usr/bin/env node
/*
 * `npm run check -- <files or dirs>` / `ftekit-check <files or dirs>`: runs the policy gate
 * on any YAML or JSON manifests, made by ftekit or not.
 *
 * Exit codes: 0 no errors, 1 policy errors, 2 bad usage or unreadable/unparsable input.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { evaluatePolicy, flattenLists, formatPolicyReport } from './engine';

const USAGE = `usage: ftekit-check [--sandboxed-runtime-class NAME]... [--json] <file or directory>...

Checks Kubernetes manifests (YAML, multi-document; JSON object, array or List) against the
ftekit policy. Directories are read recursively (*.yaml, *.yml, *.json; hidden folders,
node_modules and construct-metadata.json are skipped). All files form one set: namespace
rules see the policies of every file.

Exit codes: 0 no errors, 1 policy errors, 2 bad usage or unreadable input.`;

/** Input that cannot be read: exit code 2. */
class InputError extends Error {}

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

function collectFiles(target: string, out: string[]): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch (e) {
    throw new InputError(`${target}: cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!stat.isDirectory()) {
    out.push(target);
    return;
  }
  const entries = fs.readdirSync(target, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = path.join(target, e.name);
    if (e.isDirectory()) {
      if (!e.name.startsWith('.') && e.name !== 'node_modules') collectFiles(p, out);
    } else if (MANIFEST_FILE.test(e.name) && e.name !== 'construct-metadata.json') {
      out.push(p);
    }
  }
}

/** Flattens `kind: List` (and `*List` with items) into its items. */
function flatten(doc: unknown, out: unknown[]): void {
  // Empty YAML documents are not objects to check.
  if (doc !== null && doc !== undefined) flattenLists(doc, out);
}

function readManifests(file: string): unknown[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const out: unknown[] = [];
  if (/\.json$/i.test(file)) {
    try {
      flatten(JSON.parse(text), out);
    } catch (e) {
      throw new InputError(`${file}: cannot be parsed as JSON: ${(e as Error).message}`);
    }
    return out;
  }
  // YAML 1.1 with merge keys, as kubectl and the API server read manifests: `<<: {...}`
  // must merge here too, or a privileged field could hide in it.
  const docs = parseAllDocuments(text, { version: '1.1', merge: true });
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const problem = doc.errors[0];
    if (problem) throw new InputError(`${file}: cannot be parsed as YAML (document ${i + 1}): ${problem.message.split('\n')[0]}`);
    flatten(doc.toJS({ maxAliasCount: 100 }), out);
  });
  return out;
}

/** Runs the CLI; returns the exit code. Output goes to `write` (stdout) and `fail` (stderr). */
export function runCheck(argv: readonly string[], write: (s: string) => void, fail: (s: string) => void): number {
  const targets: string[] = [];
  const sandboxedRuntimeClasses: string[] = [];
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      write(`${USAGE}\n`);
      return 0;
    } else if (a === '--json') {
      json = true;
    } else if (a === '--sandboxed-runtime-class') {
      const v = argv[++i];
      if (!v) {
        fail(`--sandboxed-runtime-class needs a RuntimeClass name\n${USAGE}\n`);
        return 2;
      }
      sandboxedRuntimeClasses.push(v);
    } else if (a.startsWith('-') && a !== '-') {
      fail(`unknown option ${a}\n${USAGE}\n`);
      return 2;
    } else {
      targets.push(a);
    }
  }
  if (targets.length === 0) {
    fail(`no files or directories given\n${USAGE}\n`);
    return 2;
  }
  const objects: unknown[] = [];
  const sources: string[] = [];
  try {
    const files: string[] = [];
    for (const t of targets) collectFiles(t, files);
    if (files.length === 0) throw new InputError(`no *.yaml, *.yml or *.json files found in ${targets.join(', ')}`);
    for (const f of files) {
      for (const o of readManifests(f)) {
        objects.push(o);
        sources.push(f);
      }
    }
  } catch (e) {
    if (e instanceof InputError) {
      fail(`ftekit-check: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const report = evaluatePolicy(objects, { sandboxedRuntimeClasses });
  if (json) {
    const withFile = <T extends { object: { index: number } }>(f: T): T & { file: string } => ({ ...f, file: sources[f.object.index] });
    write(`${JSON.stringify({ ok: report.ok, objectCount: report.objectCount, findings: report.findings.map(withFile), excepted: report.excepted.map(withFile) }, null, 2)}\n`);
  } else {
    write(`${formatPolicyReport(report, { locate: (o) => sources[o.index] })}\n`);
  }
  return report.ok ? 0 : 1;
}

if (require.main === module) {
  process.exitCode = runCheck(process.argv.slice(2), (s) => process.stdout.write(s), (s) => process.stderr.write(s));
}
