// --dump-types end to end: the Database type generated from the test fixtures' schema cache
// compiles (every fixture schema, with its unsupported types as `unknown`), a typed
// @supabase/postgrest-js program compiles against it with tsc — including lines that must not
// compile (@ts-expect-error) — and runs against the test gateway.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authenticatorUri, sqlQuery, suiteGateway } from '../helpers/gateway.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function dumpTypes(schemas: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'dist', 'gateway', 'main.js'), '--dump-types'], {
    encoding: 'utf8',
    env: { ...process.env, PGRST_DB_URI: authenticatorUri(), PGRST_DB_SCHEMAS: schemas, PGRST_DB_ANON_ROLE: 'web_anon' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function runNode(script: string, args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill(), 60000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** tsc over a directory that sees the project's node_modules; the diagnostics, '' when clean. */
function compile(dir: string): string {
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8' });
  return r.status === 0 ? '' : r.stdout + r.stderr;
}

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgrest-gateway-types-'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', types: ['node'], outDir: 'out', skipLibCheck: true, noUnusedLocals: false }, include: ['*.ts'] }),
  );
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Typed calls whose results the test checks; the @ts-expect-error lines fail to compile if the types were `any`. */
const CLIENT = `import { PostgrestClient } from '@supabase/postgrest-js';
import type { Database } from './database.js';

const db = new PostgrestClient<Database, Database['__InternalSupabase'], 'nc_types'>(process.argv[2]!, { schema: 'nc_types' });

async function main(): Promise<void> {
  const projects = await db.from('projects').select('id, name, tags, meta, span, progress, tasks(title, priority)').order('id');
  if (projects.error) throw new Error(projects.error.message);
  const first = projects.data[0]!;
  const name: string = first.name;
  const tags: string[] = first.tags;
  const progress: number | null = first.progress;
  const priority: 'low' | 'high' = first.tasks[0]!.priority;
  const span: unknown = first.span;
  // @ts-expect-error name is a string, not a number
  const wrong: number = first.name;
  const inserted = await db.from('tasks').insert({ project_id: first.id, title: 'typed insert' }).select('id, title, priority').single();
  if (inserted.error) throw new Error(inserted.error.message);
  const insertedPriority: Database['nc_types']['Enums']['priority'] = inserted.data.priority;
  const sum = await db.rpc('add_numbers', { a: 2, b: 3 });
  const total: number | null = sum.data;
  const open = await db.from('open_tasks').select('title').order('id');
  const titles: (string | null)[] = (open.data ?? []).map((t) => t.title);
  const of = await db.rpc('tasks_of', { p: first.id });
  const ofTitles: string[] = (of.data ?? []).map((t) => t.title);
  console.log(JSON.stringify({ name, tags, progress, priority, span, wrong, insertedPriority, total, titles, ofTitles }));
}

/** Never called: only compiled, each line must be a type error. */
export function mistakes(): unknown[] {
  return [
    // @ts-expect-error there is no such table
    db.from('nope'),
    // @ts-expect-error title is required on insert
    db.from('tasks').insert({ project_id: 1 }),
    // @ts-expect-error b must be a number
    db.rpc('add_numbers', { a: 2, b: 'x' }),
    // @ts-expect-error priority is an enum
    db.from('tasks').update({ priority: 'urgent' }),
  ];
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
`;

describe('--dump-types', () => {
  const gw = suiteGateway({ PGRST_DB_SCHEMAS: 'nc_types' });
  const dirs: string[] = [];
  before(async () => {
    await sqlQuery("delete from nc_types.tasks where title = 'typed insert'");
  });
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('the shape Supabase generates, with unsupported types as unknown', () => {
    const r = dumpTypes('nc_types');
    assert.equal(r.status, 0, r.stderr);
    const t = r.stdout;
    assert.match(t, /^export type Json = /m);
    assert.match(t, /nc_types: \{\n {4}Tables: \{\n {6}project_notes: \{/);
    assert.match(t, /Row: \{\n {10}"Display Name": string \| null\n {10}big: number \| null\n {10}budget: number \| null\n {10}doc: unknown \| null\n {10}flag: boolean\n {10}id: number\n {10}meta: Json \| null\n {10}name: string\n {10}progress: number \| null\n {10}span: unknown \| null\n {10}spot: unknown \| null\n {10}starts: string \| null\n {10}tags: \(string\)\[\]\n {10}twin: unknown \| null\n {8}\}/);
    assert.match(t, /Insert: \{\n {10}"Display Name"\?: string \| null\n[^}]*\n {10}id\?: number\n {10}meta\?: Json \| null\n {10}name: string\n/);
    assert.match(t, /foreignKeyName: "tasks_project_id_fkey"\n {12}columns: \["project_id"\]\n {12}isOneToOne: false\n {12}referencedRelation: "projects"\n {12}referencedColumns: \["id"\]/);
    assert.match(t, /foreignKeyName: "project_notes_project_id_fkey"\n {12}columns: \["project_id"\]\n {12}isOneToOne: true/);
    assert.match(t, /priority: Database\["nc_types"\]\["Enums"\]\["priority"\]\n/);
    assert.match(t, /Enums: \{\n {6}priority: "low" \| "high"\n {4}\}/);
    assert.match(t, /add_numbers:\n {8}\| \{\n {10}Args: \{\n {12}a: number\n {12}b: number\n {10}\}\n {10}Returns: number\n/);
    assert.match(t, /server_mood:\n {8}\| \{\n {10}Args: never\n {10}Returns: Database\["nc_types"\]\["Enums"\]\["priority"\]\n/);
    assert.match(t, /touch:\n {8}\| \{\n {10}Args: never\n {10}Returns: undefined\n/);
    // A read-only view has a Row and no Insert / Update.
    assert.match(t, /task_counts: \{\n {8}Row: \{\n {10}n: number \| null\n {10}project_id: number \| null\n {8}\}\n {8}Relationships: /);
    assert.match(t, /CompositeTypes: \{\n {6}\[_ in never\]: never\n {4}\}/);
  });

  test('every fixture schema dumps and compiles', () => {
    const r = dumpTypes('api,proto,hooks,v2,oa,ops_config,nc_types');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, / {2}oa: \{/);
    const dir = project({ 'database.ts': r.stdout, 'use.ts': "import type { Database } from './database.js';\nexport type Check = keyof Database;\n" });
    dirs.push(dir);
    assert.equal(compile(dir), '');
  });

  test('a typed postgrest-js program compiles against them with tsc and runs against the gateway', async () => {
    const r = dumpTypes('nc_types');
    assert.equal(r.status, 0, r.stderr);
    const dir = project({ 'database.ts': r.stdout, 'client.ts': CLIENT });
    dirs.push(dir);
    assert.equal(compile(dir), '');
    // Not spawnSync: the gateway runs in this process and must keep answering.
    const run = await runNode(join(dir, 'out', 'client.js'), [`http://127.0.0.1:${gw().port}`]);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      name: 'gateway',
      tags: ['ts', 'pg'],
      progress: 40,
      priority: 'high',
      span: null,
      wrong: 'gateway',
      insertedPriority: 'low',
      total: 5,
      titles: ['write types', 'compile them', 'typed insert'],
      ofTitles: ['write types', 'compile them', 'typed insert'],
    });
  });

  test('a program with a wrong column does not compile', () => {
    const r = dumpTypes('nc_types');
    const dir = project({ 'database.ts': r.stdout, 'bad.ts': "import type { Database } from './database.js';\nconst row: Database['nc_types']['Tables']['projects']['Row'] = { id: 1 };\nconsole.log(row);\n" });
    dirs.push(dir);
    assert.match(compile(dir), /TS2740|TS2739/);
  });
});
