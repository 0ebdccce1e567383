/**
 * A model run from its files (onnx/fileModel.ts) is proven to be the validated one by its files'
 * recorded identities and hashes: what a worker checks around creating a session from them. Kept
 * apart from the model loader so a worker does not load the ONNX protobuf code to check files.
 */
import { InputError } from '../errors.js';
import { fileIdentity, hashRange, sameIdentity, type FileIdentity } from './rangeReader.js';

/** One file a runtime will read itself, as it was when validated. */
export interface CheckedFile {
  /** The model file, or an external data file's real path inside the model's folder. */
  path: string;
  /** `location` as the model names it (external data only). */
  location?: string;
  sizeBytes: number;
  sha256: string;
  identity: FileIdentity;
}

/** What a worker needs to run a model from its files and prove they are the validated ones. */
export interface FileSource {
  model: CheckedFile;
  external: CheckedFile[];
  /** Model file plus external data, bytes. */
  totalBytes: number;
  /** The main graph's input and output names (a runtime reading the file keeps them as they are). */
  ioNames: { inputs: string[]; outputs: string[] };
}

/** The one-line error for a file that changed after it was validated. */
export function changed(file: CheckedFile, how: string): InputError {
  const name = file.location ? `external data file '${file.location}' (${file.path})` : file.path;
  return new InputError(`${name} ${how} after it was validated; refused (nothing was run from it)`);
}

/** Throws when any file's identity differs from the recorded one. */
export function checkIdentities(source: FileSource): void {
  for (const f of [source.model, ...source.external]) {
    let now: FileIdentity;
    try {
      now = fileIdentity(f.path);
    } catch {
      throw changed(f, 'was removed');
    }
    if (!sameIdentity(now, f.identity))
      throw changed(
        f,
        now.size !== f.identity.size
          ? `changed size (${f.identity.size} -> ${now.size} bytes)`
          : 'was modified or replaced',
      );
  }
}

/** Re-hash every file by streaming; throws when one differs from the validated hash. */
export function rehash(source: FileSource): void {
  for (const f of [source.model, ...source.external]) {
    if (hashRange(f.path).sha256 !== f.sha256) throw changed(f, 'has different contents (sha256)');
  }
}

/**
 * Run `create` (a runtime reading the files itself) between the checks: identities and hashes
 * before, identities after. Returns what `create` returned; a failed check after creation releases
 * it through `release` before throwing.
 */
export async function withUnchangedFiles<T>(
  source: FileSource,
  create: () => Promise<T>,
  release: (value: T) => Promise<void>,
): Promise<T> {
  checkIdentities(source);
  rehash(source);
  checkIdentities(source);
  const value = await create();
  try {
    checkIdentities(source);
  } catch (e) {
    await release(value).catch(() => undefined);
    throw e;
  }
  return value;
}
