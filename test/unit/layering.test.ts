// The import rule from ARCHITECTURE.md ("Folders and who may import whom"): planner/ imports only
// planner/; protocol/ imports only protocol/, node:* and pg-protocol. Checks synthetic files (so
// the checker demonstrably catches violations), then every .ts file of the real tree.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export interface SourceFile {
  /** Repository-relative, '/'-separated: `planner/schema/decode.ts`. */
  readonly path: string;
  readonly source: string;
}

export type Folder = 'planner' | 'protocol';

/**
 * Every module specifier a file refers to: static imports and re-exports (type-only ones too),
 * `import x = require()`, dynamic `import()`, `require()` and `import('…')` types. A dynamic
 * import of a non-literal is reported as `<dynamic>` since it cannot be checked.
 */
export function moduleSpecifiers(path: string, source: string): string[] {
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: string[] = [];
  const literal = (node: ts.Node | undefined): string =>
    node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : '<dynamic>';
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined) {
      out.push(literal(node.moduleSpecifier));
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      out.push(literal(node.moduleReference.expression));
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) {
        out.push(literal(node.arguments[0]));
      }
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      out.push(literal(node.argument.literal));
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

const isRelative = (spec: string): boolean => spec.startsWith('./') || spec.startsWith('../');

/** Where a relative specifier lands, repository-relative. */
const resolveRelative = (from: string, spec: string): string => posix.normalize(posix.join(posix.dirname(from), spec));

function allowed(folder: Folder, from: string, spec: string): boolean {
  if (isRelative(spec)) return resolveRelative(from, spec).startsWith(folder + '/');
  if (folder === 'planner') return false;
  return spec.startsWith('node:') || spec === 'pg-protocol' || spec.startsWith('pg-protocol/');
}

/** The import-rule violations in `files` (all belonging to `folder`), as readable strings. */
export function violations(folder: Folder, files: readonly SourceFile[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    if (!f.path.startsWith(folder + '/')) {
      out.push(`${f.path}: not inside ${folder}/`);
      continue;
    }
    for (const spec of moduleSpecifiers(f.path, f.source)) {
      if (!allowed(folder, f.path, spec)) out.push(`${f.path}: imports '${spec}', which ${folder}/ may not import`);
    }
  }
  return out;
}

describe('violations() on synthetic files', () => {
  const check = (folder: Folder, path: string, source: string): string[] => violations(folder, [{ path, source }]);

  const planner: [string, string, string, boolean][] = [
    ['node:fs import', 'planner/a.ts', "import { readFileSync } from 'node:fs';", true],
    ['bare node builtin', 'planner/a.ts', "import fs from 'fs';", true],
    ['protocol/ import', 'planner/a.ts', "import { x } from '../protocol/x.js';", true],
    ['gateway/ re-export', 'planner/a.ts', "export * from '../gateway/x.js';", true],
    ['type-only import from protocol/', 'planner/a.ts', "import type { X } from '../protocol/x.js';", true],
    ['npm package', 'planner/a.ts', "import { serialize } from 'pg-protocol';", true],
    ['dynamic import of node:*', 'planner/a.ts', "export const f = async () => await import('node:crypto');", true],
    ['non-literal dynamic import', 'planner/a.ts', 'export const f = (m: string) => import(m);', true],
    ['require()', 'planner/a.ts', "declare const require: (s: string) => unknown; export const x = require('os');", true],
    ['import type expression', 'planner/a.ts', "export type T = typeof import('../gateway/x.js');", true],
    ['escaping through ../../', 'planner/schema/a.ts', "import { x } from '../../protocol/x.js';", true],
    ['side-effect import', 'planner/a.ts', "import 'node:process';", true],
    ['multi-line import from planner/', 'planner/a.ts', "import {\n  a,\n  type B,\n} from './b.js';", false],
    ['sibling and parent inside planner/', 'planner/schema/a.ts', "import { a } from './model.js';\nimport { b } from '../errors.js';", false],
    ['a path that leaves and re-enters planner/', 'planner/schema/a.ts', "import { a } from '../../planner/errors.js';", false],
    ['imports mentioned in comments and strings', 'planner/a.ts', "// import fs from 'node:fs'\n/* import('node:fs') */\nexport const s = \"import x from 'node:fs'\";", false],
  ];
  for (const [name, path, source, bad] of planner) {
    test(`planner: ${name} ${bad ? 'is' : 'is not'} a violation`, () => {
      const v = check('planner', path, source);
      if (bad) {
        assert.equal(v.length, 1, JSON.stringify(v));
        assert.ok(v[0]!.startsWith(`${path}: imports '`), v[0]);
      } else {
        assert.deepEqual(v, []);
      }
    });
  }

  const protocol: [string, string, boolean][] = [
    ["import uWS from 'uWebSockets.js';", 'uWebSockets.js', true],
    ["import { x } from '../gateway/x.js';", 'gateway/', true],
    ["import { x } from '../planner/x.js';", 'planner/', true],
    ["import pg from 'pg';", 'the pg package', true],
    ["import { x } from 'pg-protocolx';", 'a package merely prefixed pg-protocol', true],
    ["import { connect } from 'net';", 'a builtin without node:', true],
    ["import { connect } from 'node:net';", 'node:*', false],
    ["import { serialize } from 'pg-protocol';", 'pg-protocol', false],
    ["import { Parser } from 'pg-protocol/dist/parser.js';", 'a pg-protocol subpath', false],
    ["import type { X } from './conninfo.js';", 'protocol/', false],
  ];
  for (const [source, what, bad] of protocol) {
    test(`protocol: ${what} ${bad ? 'is' : 'is not'} a violation`, () => {
      assert.equal(check('protocol', 'protocol/a.ts', source).length, bad ? 1 : 0);
    });
  }

  test('every offending specifier of a file is reported', () => {
    const v = check('planner', 'planner/a.ts', "import a from 'node:fs';\nimport b from './ok.js';\nexport { c } from '../protocol/c.js';");
    assert.deepEqual(v, [
      "planner/a.ts: imports 'node:fs', which planner/ may not import",
      "planner/a.ts: imports '../protocol/c.js', which planner/ may not import",
    ]);
  });

  test('a file outside the folder is reported', () => {
    assert.equal(violations('planner', [{ path: 'protocol/a.ts', source: '' }]).length, 1);
  });
});

describe('the real tree', () => {
  // Compiled to dist/test/unit/layering.test.js: the repository root is three levels up.
  const root = fileURLToPath(new URL('../../../', import.meta.url));

  function tsFiles(folder: Folder): SourceFile[] {
    const out: SourceFile[] = [];
    const walk = (rel: string): void => {
      for (const e of readdirSync(posix.join(root, rel), { withFileTypes: true })) {
        const p = posix.join(rel, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ts')) out.push({ path: p, source: readFileSync(posix.join(root, p), 'utf8') });
      }
    };
    walk(folder);
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  for (const [folder, known] of [['planner', 'planner/request/query-params.ts'], ['protocol', 'protocol/conninfo.ts']] as const) {
    test(`${folder}/ has no import-rule violations`, () => {
      assert.ok(existsSync(posix.join(root, folder)), `no ${folder}/ under ${root}: run the compiled test from dist/test/unit`);
      const files = tsFiles(folder);
      assert.ok(files.some((f) => f.path === known), `expected to scan ${known}`);
      assert.deepEqual(violations(folder, files), []);
    });
  }

  test('the scan sees real imports (it is not vacuous)', () => {
    const specs = tsFiles('protocol').flatMap((f) => moduleSpecifiers(f.path, f.source));
    assert.ok(specs.includes('pg-protocol'), JSON.stringify(specs));
    assert.ok(specs.some((s) => s.startsWith('node:')), JSON.stringify(specs));
    assert.ok(tsFiles('planner').flatMap((f) => moduleSpecifiers(f.path, f.source)).includes('./errors.js'));
  });
});
