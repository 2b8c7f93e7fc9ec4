/**
 * The public API is what `src/index.ts` exports: every name, and whether it
 * is a value (something a JavaScript caller can import) or only a type. The
 * list is pinned, so moving modules around cannot drop or rename a name
 * unnoticed; an addition regenerates it with FAULTLINE_UPDATE_PINNED=1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import ts from 'typescript';
import { expect, it } from 'vitest';

const PINNED = 'test/fixtures/public-api.txt';

function exportedNames(entry: string): string[] {
  const program = ts.createProgram([entry], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  if (source === undefined) throw new Error(`${entry} not found`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`${entry} is not a module`);
  return checker
    .getExportsOfModule(moduleSymbol)
    .map((s) => {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
      return `${target.flags & ts.SymbolFlags.Value ? 'value' : 'type '} ${s.name}`;
    })
    .sort();
}

it('src/index.ts exports exactly the pinned names', async () => {
  const names = exportedNames('src/index.ts');
  const text = `${names.join('\n')}\n`;
  if (process.env['FAULTLINE_UPDATE_PINNED'] === '1') writeFileSync(PINNED, text);
  expect(text).toBe(readFileSync(PINNED, 'utf8'));
  // The runtime module agrees with the compiler about the values.
  const runtime = Object.keys(await import('../src/index.js')).sort();
  expect(runtime).toEqual(names.filter((n) => n.startsWith('value ')).map((n) => n.slice(6)));
}, 60_000);
