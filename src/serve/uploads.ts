/**
 * The serve page's own models: a `.onnx` the user picked or dropped (plus an optional `.npz` of
 * inputs and reference outputs) is written into a private folder the server made, validated and
 * prepared exactly as `verify` prepares a model file, and served like a bundled model. Results
 * posted for it go through the same checks (sha256, outputs, dtypes, shapes) as any other.
 * Nothing the user owns is touched: the bytes arrive over HTTP and the folder is removed on close.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, errorLine } from '../errors.js';
import { prepareTarget, type PreparedModel } from '../verify/prepare.js';

/** Uploaded models held at once; an older one is dropped (its index answers 404) when more arrive. */
export const MAX_UPLOADS = 8;

/** The part of an uploaded file's name the server keeps: its last path segment, printable, bounded. */
export function uploadName(raw: string | null | undefined, ext: '.onnx' | '.npz'): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '').slice(0, 200);
  if (!clean.toLowerCase().endsWith(ext))
    throw new InputError(
      `the ${ext === '.onnx' ? 'model' : 'data'} file must be a ${ext} file (got '${clean || '(no name)'}')`,
    );
  return clean;
}

export interface UploadRequest {
  name: string;
  model: Uint8Array;
  npzName?: string;
  npz?: Uint8Array;
}

/** Where uploads live while `serve` runs, and which are still held. */
export class UploadStore {
  private readonly dir = mkdtempSync(join(tmpdir(), 'onnx-workbench-serve-'));
  private count = 0;
  private readonly held: { index: number; folder: string }[] = [];

  /**
   * Validate and prepare an upload; `index` is where the caller will serve it. Returns the prepared
   * model and the indexes of uploads dropped to stay within MAX_UPLOADS. Bad input throws one
   * InputError line naming the user's file (never the server's folder).
   */
  add(u: UploadRequest, index: number): { prepared: PreparedModel; dropped: number[] } {
    const folder = join(this.dir, String(++this.count));
    mkdirSync(folder);
    const modelPath = join(folder, 'model.onnx');
    const npzPath = join(folder, 'inputs.npz');
    const named = (e: unknown) =>
      new InputError(
        errorLine(e)
          .split(npzPath)
          .join(u.npzName ?? 'inputs.npz')
          .split(modelPath)
          .join(u.name),
      );
    let prepared: PreparedModel;
    try {
      writeFileSync(modelPath, u.model, { flag: 'wx' });
      if (u.npz) writeFileSync(npzPath, u.npz, { flag: 'wx' });
      prepared = prepareTarget({ id: `upload/${u.name}`, modelPath }, u.npz ? { inputs: npzPath } : {});
    } catch (e) {
      rmSync(folder, { recursive: true, force: true });
      throw named(e);
    }
    this.held.push({ index, folder });
    const dropped: number[] = [];
    while (this.held.length > MAX_UPLOADS) {
      const old = this.held.shift()!;
      rmSync(old.folder, { recursive: true, force: true });
      dropped.push(old.index);
    }
    return { prepared, dropped };
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
