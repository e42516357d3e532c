// The gateway's version, read once from package.json (for --version and the OpenAPI info).

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

export function version(): string {
  if (cached === null) {
    const pkg = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json');
    cached = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  }
  return cached;
}
