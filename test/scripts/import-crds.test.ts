/**
 * `npm run import` (scripts/import-crds.js) must regenerate exactly the committed bindings in
 * src/imports/: the pinned CRDs in ../shared are the only input. Without ../shared the suite is
 * skipped with a warning; on CI (`CI=true`) a missing folder is an error instead.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// Plain Node on purpose (it runs before any build), so it is required, not imported.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const importer = require('../../scripts/import-crds.js') as {
  generate(outDir: string): string[];
  sharedDir(): string | undefined;
  stripDescriptions(value: unknown): unknown;
};

const COMMITTED = path.resolve(__dirname, '../../src/imports');

describe('stripDescriptions', () => {
  test('drops description text at any depth, keeps a field named description and drops date-time formats', () => {
    const schema = {
      description: 'prose',
      properties: {
        spec: { description: 'more prose', properties: { description: { type: 'string', description: 'x' }, at: { type: 'string', format: 'date-time' } } },
        list: { items: [{ description: 'y', type: 'integer' }] },
      },
    };
    expect(importer.stripDescriptions(schema)).toEqual({
      properties: {
        spec: { properties: { description: { type: 'string' }, at: { type: 'string' } } },
        list: { items: [{ type: 'integer' }] },
      },
    });
  });
});

const shared = importer.sharedDir();
if (shared === undefined && process.env.CI === 'true') {
  throw new Error('../shared/crds is required in CI to check src/imports against the pinned CRDs (set FTEKIT_SHARED_DIR)');
}
if (shared === undefined) console.warn('../shared not found: the src/imports regeneration test is skipped (set FTEKIT_SHARED_DIR)');

(shared === undefined ? describe.skip : describe)('npm run import', () => {
  test('regenerates exactly the committed src/imports/', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-imports-'));
    try {
      const generated = importer.generate(out);
      expect(generated).toEqual(fs.readdirSync(COMMITTED).sort());
      for (const file of generated) {
        const fresh = fs.readFileSync(path.join(out, file), 'utf8');
        const committed = fs.readFileSync(path.join(COMMITTED, file), 'utf8');
        // Not toBe on the whole text: a failure would print two 10,000-line files.
        expect({ file, same: fresh === committed }).toEqual({ file, same: true });
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 600_000);
});
