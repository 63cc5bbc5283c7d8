import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { buildEnvironment, loadEnvironment } from '../../src/environment';
import { loadStackSpec } from '../../src/environment/stack-files';
import { FteValidationError } from '../../src/errors';

const STACKS = path.resolve(__dirname, '../../stacks');

describe('loadEnvironment', () => {
  test('reads a stack file into the same spec as the stack loader, ready for buildEnvironment', () => {
    const spec = loadEnvironment(path.join(STACKS, 'Pulumi.prod.yaml'));
    expect(spec.name).toBe('prod');
    expect(JSON.stringify(spec)).toEqual(JSON.stringify(loadStackSpec(STACKS, 'prod', path.join(STACKS, 'Pulumi.prod.yaml'))));
    const charts = buildEnvironment(Testing.app(), spec);
    expect(Testing.synth(charts.ftes).length).toBeGreaterThan(0);
  });

  test('throws when the file is not named Pulumi.<env>.yaml', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-env-'));
    const file = path.join(dir, 'prod.yaml');
    fs.copyFileSync(path.join(STACKS, 'Pulumi.prod.yaml'), file);
    expect(() => loadEnvironment(file)).toThrow(FteValidationError);
    expect(() => loadEnvironment(file)).toThrow(/prod\.yaml.*is not named Pulumi\.<env>\.yaml/);
  });

  test('throws when the file has no config mapping, naming the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-env-'));
    const file = path.join(dir, 'Pulumi.dev.yaml');
    fs.writeFileSync(file, 'encryptionsalt: x\n');
    expect(() => loadEnvironment(file)).toThrow(new RegExp(`${file.replace(/[.]/g, '\\.')}.*has no \`config:\` mapping`));
  });
});
