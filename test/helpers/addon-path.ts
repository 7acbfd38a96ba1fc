/** The addon file a child process loads by itself (it cannot import our TypeScript). */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

export function addonPath(): string {
  const built = resolve(root, 'build/Release/keepalived_ts_native.node');
  if (existsSync(built)) return built;
  const gypBuild = createRequire(import.meta.url)('node-gyp-build') as { path(dir: string): string };
  return gypBuild.path(root);
}
