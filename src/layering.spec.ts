import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { preProcessFile } from 'typescript';

/**
 * Dependencies point one way (CONVENTIONS.md, "The layout"): features build on the shared code,
 * never the other way round. config/ is the bottom layer; common/ may use config/ as well. A
 * shared file that imports a feature (auth, users, health, …) makes every feature depend on it.
 * Specs are left out: one may exercise shared code with a feature's real exception.
 */
const SRC = __dirname;
const MAY_IMPORT: Record<string, string[]> = {
  config: ['config'],
  common: ['common', 'config'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The folder right under src/ that a relative import lands in ('' for a file at src/ itself). */
function topFolder(fromFile: string, specifier: string): string {
  const target = relative(SRC, resolve(dirname(fromFile), specifier));
  return target.includes(sep) ? target.split(sep)[0] : '';
}

function importsOf(file: string): string[] {
  const { importedFiles } = preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles.map((imported) => imported.fileName).filter((name) => name.startsWith('.'));
}

describe('Layering of the shared code', () => {
  for (const [layer, allowed] of Object.entries(MAY_IMPORT)) {
    it(`should keep src/${layer}/ free of imports from outside ${allowed.join(' and ')}`, () => {
      const files = sourceFiles(join(SRC, layer));
      expect(files.length).toBeGreaterThan(0);
      const offending = files.flatMap((file) =>
        importsOf(file)
          .filter((specifier) => !allowed.includes(topFolder(file, specifier)))
          .map((specifier) => `${relative(SRC, file)} imports ${specifier}`),
      );
      expect(offending).toEqual([]);
    });
  }
});
