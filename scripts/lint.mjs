// Lint: project rules tsc does not check. Every source file opens with a header comment;
// no `any` outside tests; no focused tests; no console.* in the pure layers.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const folders = ['gateway', 'protocol', 'planner', 'bench', 'test', 'scripts'];
const problems = [];

function walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (/\.(ts|mjs)$/.test(e.name)) check(p);
  }
}

function check(file) {
  const rel = relative(root, file);
  const src = readFileSync(file, 'utf8');
  const lines = src.split('\n');
  const first = lines.find((l) => l.trim() !== '' && !l.startsWith('#!'));
  if (first === undefined || !(first.startsWith('//') || first.startsWith('/*') || first.startsWith('--'))) {
    problems.push(`${rel}:1: the file must open with a header comment saying what it owns`);
  }
  const isTest = rel.startsWith('test/');
  lines.forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, '');
    if (!isTest && !rel.startsWith("scripts/") && /(:\s*any\b|\bas any\b|<any>)/.test(code)) problems.push(`${rel}:${i + 1}: no \`any\` (use unknown and narrow)`);
    if (/\b(it|test|describe)\.only\(|\{\s*only:\s*true/.test(code)) problems.push(`${rel}:${i + 1}: focused test would silence the suite`);
    if ((rel.startsWith('planner/') || rel.startsWith('protocol/')) && /\bconsole\./.test(code)) {
      problems.push(`${rel}:${i + 1}: no console output in planner/ or protocol/ (return data or use a callback)`);
    }
  });
}

for (const f of folders) {
  try {
    walk(join(root, f));
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
  }
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(`lint: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log('lint: ok');
