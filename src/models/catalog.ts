/** The bundled models: every `manifest.json` below models/, and resolving names or paths to targets. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { InputError } from '../errors.js';
import { modelsDir } from '../util/paths.js';
import { readManifest, type ModelManifest } from './manifest.js';

export interface CatalogEntry {
  manifest: ModelManifest;
  dir: string;
  modelPath: string;
}

function findManifests(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) findManifests(p, out);
    else if (entry.name === 'manifest.json') out.push(p);
  }
}

function entryFor(manifestPath: string, root: string): CatalogEntry {
  const manifest = readManifest(manifestPath);
  const dir = resolve(manifestPath, '..');
  const id = relative(root, dir).split(sep).join('/');
  if (root && id !== manifest.id && !id.startsWith('..')) {
    throw new InputError(`${manifestPath}: manifest id '${manifest.id}' does not match its folder '${id}'`);
  }
  return { manifest, dir, modelPath: join(dir, manifest.file) };
}

let cache: { root: string; entries: CatalogEntry[] } | undefined;

/** All bundled models, sorted by id. */
export function loadCatalog(root = modelsDir()): CatalogEntry[] {
  if (cache?.root === root) return cache.entries;
  const paths: string[] = [];
  if (existsSync(root)) findManifests(root, paths);
  const entries = paths.map((p) => entryFor(p, root)).sort((a, b) => a.manifest.id.localeCompare(b.manifest.id));
  cache = { root, entries };
  return entries;
}

export interface Target {
  /** Manifest id for bundled models, else the path as given. */
  id: string;
  modelPath: string;
  manifest?: ModelManifest;
  dir?: string;
}

const toTarget = (e: CatalogEntry): Target => ({ id: e.manifest.id, modelPath: e.modelPath, manifest: e.manifest, dir: e.dir });

/**
 * Resolve command-line names: a bundled id (`cntk/mnist-8`), a unique last segment (`mnist-8`), a
 * group prefix (`caffe2`, `pytorch/pytorch-operator`), or a path to a model file or folder.
 * No names means every bundled model.
 */
export function resolveTargets(names: string[], root = modelsDir()): Target[] {
  const catalog = loadCatalog(root);
  if (names.length === 0) return catalog.map(toTarget);
  const out: Target[] = [];
  for (const name of names) {
    const clean = name.replace(/\/+$/, '');
    const exact = catalog.find((e) => e.manifest.id === clean);
    if (exact) { out.push(toTarget(exact)); continue; }
    const group = catalog.filter((e) => e.manifest.id.startsWith(`${clean}/`));
    if (group.length) { out.push(...group.map(toTarget)); continue; }
    const byLast = catalog.filter((e) => e.manifest.id.split('/').pop() === clean);
    if (byLast.length === 1) { out.push(toTarget(byLast[0]!)); continue; }
    if (byLast.length > 1) throw new InputError(`'${name}' names several bundled models: ${byLast.map((e) => e.manifest.id).join(', ')}`);
    if (!existsSync(name)) throw new InputError(`${name}: no bundled model of that name and no such file or directory (try: onnx-workbench models)`);
    const abs = resolve(name);
    if (statSync(abs).isDirectory()) {
      if (existsSync(join(abs, 'manifest.json'))) {
        const e = entryFor(join(abs, 'manifest.json'), root);
        out.push({ ...toTarget(e), id: e.manifest.id });
        continue;
      }
      const below: string[] = [];
      findManifests(abs, below);
      const hasModel = readdirSync(abs).some((f) => f.endsWith('.onnx'));
      if (below.length && !hasModel) { out.push(...below.map((p) => toTarget(entryFor(p, root)))); continue; }
    }
    const beside = join(abs, '..', 'manifest.json');
    if (statSync(abs).isFile() && existsSync(beside)) {
      const e = entryFor(beside, root);
      if (e.modelPath === abs) { out.push(toTarget(e)); continue; }
    }
    out.push({ id: name, modelPath: abs });
  }
  const seen = new Set<string>();
  return out.filter((t) => (seen.has(t.modelPath) ? false : (seen.add(t.modelPath), true)));
}
