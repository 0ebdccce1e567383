/**
 * Models too large to hold in memory run from their files: the workbench reads and validates the
 * structure by streaming (`openModel`), hashes the model file and every external data file it uses,
 * and records each file's identity (device, inode, size, mtime, ctime). The runtime then reads the
 * files itself, from the model's path, so its external data resolves in the model's folder (the
 * locations were checked to stay inside it). `withUnchangedFiles` is what makes "the bytes that run
 * are the bytes that were validated and hashed" hold without holding the bytes: just before the
 * session is created it checks every identity against the recorded one and re-hashes each file by
 * streaming; just after, it checks the identities again. Any write in between changes a file's
 * ctime (which no user can set back), so equal identities around the session's creation and an
 * equal hash before it mean the runtime read the validated bytes, to the file system's timestamp
 * granularity. A change is a load error naming the file, and no result is recorded from it.
 *
 * Small models keep the in-memory path (as `loadModel`: one validated buffer, external data inlined):
 * `INLINE_LIMIT_BYTES` decides which.
 */
import { fileIdentity, hashRange, sameIdentity } from './rangeReader.js';
import { changed, type CheckedFile, type FileSource } from './unchangedFiles.js';
import { externalFiles, fileSize, openModel, totalModelBytes, type OpenedModel } from './openModel.js';
import { inlineModel, readModelFile, resolveModelPath, type LoadedModel } from './model.js';

export { checkIdentities, rehash, withUnchangedFiles, type CheckedFile, type FileSource } from './unchangedFiles.js';

/**
 * Models whose file and external data together are at most this many bytes are loaded into memory
 * and run from bytes; larger ones run from their files. `ONNX_WORKBENCH_INLINE_LIMIT` (bytes) sets it.
 */
export function inlineLimitBytes(): number {
  const env = Number(process.env.ONNX_WORKBENCH_INLINE_LIMIT);
  return Number.isSafeInteger(env) && env >= 0 ? env : 128 * 1024 * 1024;
}

/** A model opened for running from its files: the streamed structure plus the checked files. */
export interface FileModel extends OpenedModel {
  source: FileSource;
}

/** Hash one file by streaming between two identity reads; throws when it changed meanwhile. */
function checkedFile(path: string, location?: string): CheckedFile {
  const before = fileIdentity(path);
  const { sha256, size } = hashRange(path);
  const after = fileIdentity(path);
  const file: CheckedFile = {
    path,
    ...(location !== undefined ? { location } : {}),
    sizeBytes: size,
    sha256,
    identity: after,
  };
  if (!sameIdentity(before, after)) throw changed(file, 'changed while it was hashed');
  return file;
}

/**
 * Open a model to run from its files: stream and validate the structure (hashing the model file on
 * the way), then hash each external data file. Throws one InputError line for bad input.
 */
export function openFileModel(path: string): FileModel {
  const file = resolveModelPath(path);
  const before = fileIdentity(file);
  const opened = openModel(file);
  const identity = fileIdentity(file);
  const model: CheckedFile = { path: opened.path, sizeBytes: opened.sizeBytes, sha256: opened.sha256, identity };
  if (!sameIdentity(before, identity)) throw changed(model, 'changed while it was read');
  const external = opened.externalFiles.map((f) => checkedFile(f.path, f.location));
  const graph = opened.proto.graph;
  const ioNames = {
    inputs: (graph?.input ?? []).map((v) => v.name ?? ''),
    outputs: (graph?.output ?? []).map((v) => v.name ?? ''),
  };
  return { ...opened, source: { model, external, totalBytes: totalModelBytes(opened), ioNames } };
}

/**
 * Open a model to run: small ones (file plus external data up to `inlineLimitBytes()`) loaded into
 * one validated buffer with external data inlined, larger ones to run from their files
 * (`openFileModel`). A model file over the limit is never read whole: its size decides first. A
 * small file is read, decoded and validated once; the external data it names (checked to lie in its
 * folder) is then sized before any of it is read, and inlined only when the total stays under the limit.
 */
export function openForRun(path: string): LoadedModel | FileModel {
  const file = resolveModelPath(path);
  const limit = inlineLimitBytes();
  if (fileSize(file) <= limit) {
    const read = readModelFile(file);
    if (totalModelBytes({ sizeBytes: read.bytes.length, externalFiles: externalFiles(file, read) }) <= limit)
      return inlineModel(read);
  }
  return openFileModel(file);
}

export function isFileModel(m: LoadedModel | FileModel): m is FileModel {
  return 'source' in m && (m as FileModel).source !== undefined;
}
