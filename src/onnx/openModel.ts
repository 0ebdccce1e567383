/**
 * Open a model for reading without loading its weights: resolve the path, read the structure in
 * one hashed streaming pass (`modelReader.ts`), and validate it (declared sizes, names, cycles,
 * external data locations and ranges) before anything else touches it. What `inspect` uses, and
 * what `verify` uses for models too large to hold in memory.
 */
import { statSync } from 'node:fs';
import { externalTensors, resolveExternalData, type ResolvedExternalData } from './externalData.js';
import { resolveModelPath } from './model.js';
import { readModelStructure, type ModelStructure } from './modelReader.js';
import { validateModel, type ModelProblem } from './validate.js';

export interface OpenedModel extends ModelStructure {
  /** Non-fatal problems validation found. */
  warnings: ModelProblem[];
  /** The external data files the model names, checked (one entry per file, by location). */
  externalFiles: ExternalFile[];
}

export interface ExternalFile {
  location: string;
  /** Real path, inside the model's folder. */
  path: string;
  sizeBytes: number;
  /** Bytes of the file the model's tensors use. */
  usedBytes: number;
  tensors: number;
}

/** The checked external files of a validated model, grouped by file. */
export function externalFiles(modelPath: string, structure: Pick<ModelStructure, 'proto'>): ExternalFile[] {
  const files = new Map<string, ExternalFile>();
  for (const t of externalTensors(structure.proto)) {
    const r: ResolvedExternalData = resolveExternalData(modelPath, t);
    const f = files.get(r.path) ?? {
      location: r.location,
      path: r.path,
      sizeBytes: r.fileSize,
      usedBytes: 0,
      tensors: 0,
    };
    f.usedBytes += r.length;
    f.tensors++;
    files.set(r.path, f);
  }
  return [...files.values()];
}

/** Open, read and validate a model (file or folder); throws one InputError line for bad input. */
export function openModel(path: string, options: { chunkBytes?: number } = {}): OpenedModel {
  const file = resolveModelPath(path);
  const structure = readModelStructure(file, options);
  const warnings = validateModel(structure.proto, file);
  return { ...structure, warnings, externalFiles: externalFiles(file, structure) };
}

/** Bytes a model occupies on disk: its file plus the external data files it uses. */
export function totalModelBytes(model: Pick<OpenedModel, 'sizeBytes' | 'externalFiles'>): number {
  return model.sizeBytes + model.externalFiles.reduce((a, f) => a + f.sizeBytes, 0);
}

/** The size of a model file without reading it (0 when it cannot be read). */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
