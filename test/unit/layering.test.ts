// The import rules from ARCHITECTURE.md ("Folders and the import rule"):
// - planner/ imports only planner/; protocol/ imports only protocol/, node:* and pg-protocol.
// - Inside planner/, the stages in order: schema/ → request/ → plan/ → sql/. A file imports its
//   own folder, the folders before it and the shared root files (errors.ts, fuzzy.ts, which
//   import no folder); never a later stage. openapi/ reads schema/ only and no folder reads it.
//   planner/index.ts, the public surface, re-exports the folders' index.ts files; nothing in
//   planner/ imports it.
// - gateway/ and bench/ reach planner/ only through planner/index.ts (tests may go deeper).
// Checks synthetic files (so the checker demonstrably catches violations), then every .ts file
// of the real tree.

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

/** planner/'s stage folders in order: each may import the ones before it, never one after. */
export const STAGES = ['schema', 'request', 'plan', 'sql'] as const;

/** Where a planner/ file sits for the stage rule; null for a folder the rule does not know. */
type Part = (typeof STAGES)[number] | 'openapi' | 'root' | 'surface';

function partOf(path: string): Part | null {
  const rest = path.slice('planner/'.length);
  if (rest === 'index.ts') return 'surface';
  const slash = rest.indexOf('/');
  if (slash < 0) return 'root';
  const folder = rest.slice(0, slash);
  return folder === 'openapi' || (STAGES as readonly string[]).includes(folder) ? (folder as Part) : null;
}

function stageAllowed(from: Part, to: Part): boolean {
  if (from === to || from === 'surface') return true;
  if (to === 'surface') return false;
  if (to === 'root') return true;
  if (from === 'root') return false;
  if (from === 'openapi') return to === 'schema';
  if (to === 'openapi') return false;
  return STAGES.indexOf(to) < STAGES.indexOf(from);
}

const partName = (p: Part): string => (p === 'root' ? 'the planner/ root files' : p === 'surface' ? 'planner/index.ts' : `${p}/`);

/** Stage-rule violations among planner/ files, as readable strings. */
export function stageViolations(files: readonly SourceFile[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    const from = partOf(f.path);
    if (from === null) {
      out.push(`${f.path}: not in a known planner/ folder (${STAGES.join(', ')}, openapi): place it in the stage rule`);
      continue;
    }
    for (const spec of moduleSpecifiers(f.path, f.source)) {
      if (!isRelative(spec)) continue;
      const target = resolveRelative(f.path, spec);
      if (!target.startsWith('planner/')) continue;
      const to = partOf(target.replace(/\.js$/, '.ts'));
      if (to !== null && !stageAllowed(from, to)) out.push(`${f.path}: imports '${spec}', but ${partName(from)} may not import ${partName(to)}`);
    }
  }
  return out;
}

/** gateway/ and bench/ files that reach into planner/ other than through planner/index.ts. */
export function surfaceViolations(files: readonly SourceFile[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    for (const spec of moduleSpecifiers(f.path, f.source)) {
      if (!isRelative(spec)) continue;
      const target = resolveRelative(f.path, spec);
      if (target.startsWith('planner/') && target !== 'planner/index.js') out.push(`${f.path}: imports '${spec}'; import planner/ through planner/index.js`);
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

describe('stageViolations() and surfaceViolations() on synthetic files', () => {
  const cases: [string, string, string, boolean][] = [
    ['request/ importing plan/', 'planner/request/a.ts', "import { p } from '../plan/plan.js';", true],
    ['plan/ importing sql/ (type only)', 'planner/plan/a.ts', "import type { Compiled } from '../sql/sql.js';", true],
    ['request/ importing sql/', 'planner/request/a.ts', "export { x } from '../sql/x.js';", true],
    ['schema/ importing request/', 'planner/schema/a.ts', "import type { ApiRequest } from '../request/types.js';", true],
    ['openapi/ importing plan/', 'planner/openapi/a.ts', "import { p } from '../plan/plan.js';", true],
    ['plan/ importing openapi/', 'planner/plan/a.ts', "import { o } from '../openapi/openapi.js';", true],
    ['a root file importing a folder', 'planner/errors.ts', "import type { ApiRequest } from './request/types.js';", true],
    ['a folder importing planner/index.ts', 'planner/sql/a.ts', "import { x } from '../index.js';", true],
    ['a file in an unknown folder', 'planner/response/a.ts', '', true],
    ['a dynamic import of a later stage', 'planner/request/a.ts', "export const f = () => import('../sql/sql.js');", true],
    ['sql/ importing plan/, request/ and schema/', 'planner/sql/a.ts', "import { a } from '../plan/plan.js';\nimport { b } from '../request/types.js';\nimport { c } from '../schema/model.js';", false],
    ['plan/ importing request/', 'planner/plan/a.ts', "import { r } from '../request/range.js';", false],
    ['request/ importing schema/', 'planner/request/a.ts', "import { findTable } from '../schema/model.js';", false],
    ['openapi/ importing schema/ and the root', 'planner/openapi/a.ts', "import { m } from '../schema/model.js';\nimport { e } from '../errors.js';", false],
    ['schema/ importing the root', 'planner/schema/a.ts', "import { FuzzySet } from '../fuzzy.js';", false],
    ['a stage importing its own folder index', 'planner/plan/a.ts', "import { x } from './index.js';", false],
    ['planner/index.ts importing every folder', 'planner/index.ts', "export * from './sql/index.js';\nexport * from './openapi/index.js';", false],
    ['a package import (the import rule judges it)', 'planner/request/a.ts', "import fs from 'node:fs';", false],
  ];
  for (const [name, path, source, bad] of cases) {
    test(`stage rule: ${name} ${bad ? 'is' : 'is not'} a violation`, () => {
      const v = stageViolations([{ path, source }]);
      if (bad) assert.equal(v.length, 1, JSON.stringify(v));
      else assert.deepEqual(v, []);
    });
  }

  test('the message names the file, the specifier and both folders', () => {
    assert.deepEqual(stageViolations([{ path: 'planner/plan/a.ts', source: "import { s } from '../sql/sql.js';" }]), [
      "planner/plan/a.ts: imports '../sql/sql.js', but plan/ may not import sql/",
    ]);
  });

  const surface: [string, string, boolean][] = [
    ["import { toApiRequest } from '../planner/index.js';", 'planner/index.js', false],
    ["import { quoteIdent } from '../planner/sql/sql.js';", 'a planner/ file', true],
    ["import { decodeSchemaCache } from '../planner/schema/index.js';", 'a folder index', true],
    ["import type { Routine } from '../planner/schema/routines.js';", 'a planner/ file, type only', true],
    ["import { Pool } from '../protocol/index.js';", 'protocol/', false],
  ];
  for (const [source, what, bad] of surface) {
    test(`surface rule: gateway/ importing ${what} ${bad ? 'is' : 'is not'} a violation`, () => {
      assert.equal(surfaceViolations([{ path: 'gateway/a.ts', source }]).length, bad ? 1 : 0);
    });
  }
});

describe('the real tree', () => {
  // Compiled to dist/test/unit/layering.test.js: the repository root is three levels up.
  const root = fileURLToPath(new URL('../../../', import.meta.url));

  function tsFiles(folder: string): SourceFile[] {
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

  test('planner/ follows the stage order', () => {
    const files = tsFiles('planner');
    for (const folder of [...STAGES, 'openapi']) {
      assert.ok(files.some((f) => f.path.startsWith(`planner/${folder}/`)), `expected to scan planner/${folder}/`);
    }
    // Not vacuous: sql/ does read the earlier stages.
    const sql = files.filter((f) => f.path.startsWith('planner/sql/')).flatMap((f) => moduleSpecifiers(f.path, f.source));
    assert.ok(sql.some((s) => s.startsWith('../plan/')) && sql.some((s) => s.startsWith('../request/')), JSON.stringify(sql));
    assert.deepEqual(stageViolations(files), []);
  });

  test('gateway/ and bench/ import planner/ only through planner/index.ts', () => {
    const files = [...tsFiles('gateway'), ...tsFiles('bench')];
    assert.ok(files.some((f) => moduleSpecifiers(f.path, f.source).includes('../planner/index.js')), 'expected gateway/ to import planner/index.js');
    assert.deepEqual(surfaceViolations(files), []);
  });

  test('the scan sees real imports (it is not vacuous)', () => {
    const specs = tsFiles('protocol').flatMap((f) => moduleSpecifiers(f.path, f.source));
    assert.ok(specs.includes('pg-protocol'), JSON.stringify(specs));
    assert.ok(specs.some((s) => s.startsWith('node:')), JSON.stringify(specs));
    assert.ok(tsFiles('planner').flatMap((f) => moduleSpecifiers(f.path, f.source)).includes('./errors.js'));
  });
});
