/**
 * `mkdir -p` without Node's recursive mkdir, which never returns for a path under a file system that
 * refuses new folders with ENOENT (Node 20: `mkdirSync('/proc/x', { recursive: true })` spins at full
 * CPU). Each missing folder is created on its own, so such a refusal is an error naming the folder.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function makeDirs(path: string, mkdir: (p: string) => void = (p) => mkdirSync(p)): void {
  const missing: string[] = [];
  let p = resolve(path);
  for (;;) {
    try {
      if (statSync(p).isDirectory()) break;
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${p}'`), { code: 'ENOTDIR', path: p });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    missing.push(p);
    const parent = dirname(p);
    if (parent === p) break;
    p = parent;
  }
  for (const dir of missing.reverse()) {
    try {
      mkdir(dir);
    } catch (e) {
      // Made meanwhile by someone else: fine, as mkdir -p.
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && statSync(dir).isDirectory()) continue;
      throw e;
    }
  }
}
