import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { describeWithShared, expectSchemaValid } from './support/schema';

const ROOT = path.resolve(__dirname, '..');
const BUILD = path.join(__dirname, '.readme');

/**
 * The ```ts blocks of README.md, with `from 'ftekit'` and its subpaths (`ftekit/policy`...)
 * pointed at the sources: `src/index.ts` and `src/<subpath>`, as the package's exports map does.
 */
function readmeExamples(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1].replace(/from 'ftekit((?:\/[a-z0-9-]+)*)'/g, "from '../../src$1'"));
}

const examples = readmeExamples();
const files = examples.map((code, i) => {
  fs.mkdirSync(BUILD, { recursive: true });
  const file = path.join(BUILD, `example-${i}.ts`);
  fs.writeFileSync(file, code);
  return file;
});

describe('README examples', () => {
  test('there are examples, and they type-check against the public API', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
    const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
    const program = ts.createProgram(files, { ...config!.options, noEmit: true, noUnusedLocals: false });
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file && files.includes(path.resolve(d.file.fileName)));
    const text = diagnostics.map((d) => `${path.basename(d.file!.fileName)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(text).toEqual([]);
  });
});

describeWithShared('README examples synthesise schema-valid output', () => {
  test.each(files.map((f, i) => [i, f]))('example %i', (_i, file) => {
    const outdir = fs.mkdtempSync(path.join(BUILD, 'out-'));
    const previous = process.env.CDK8S_OUTDIR;
    process.env.CDK8S_OUTDIR = outdir;
    try {
      jest.isolateModules(() => require(file as string));
    } finally {
      if (previous === undefined) delete process.env.CDK8S_OUTDIR; else process.env.CDK8S_OUTDIR = previous;
    }
    const objs = fs.readdirSync(outdir).flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(outdir, f), 'utf8')).map((d) => d.toJSON()));
    expect(objs.length).toBeGreaterThan(0);
    expectSchemaValid(objs);
  });
});
