/**
 * Linux `/proc` reading: the process table, and peak resident memory that can be reset
 * (`clear_refs` 5 resets VmHWM to the current RSS, so a peak can be taken per model in a
 * process that runs many). Everything returns empty or undefined where `/proc` is not there.
 */
import { openSync, readFileSync, readSync, readdirSync, writeFileSync, writeSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** The command line, arguments separated by spaces. */
  cmdline: string;
}

/** Every process we can read (Linux only; [] elsewhere). */
export function processTable(): ProcInfo[] {
  if (process.platform !== 'linux') return [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const table: ProcInfo[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...; comm may contain spaces, so parse after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      table.push({ pid: Number(entry), ppid, cmdline });
    } catch {
      // the process went away while we looked
    }
  }
  return table;
}

/**
 * This process's own `clear_refs` and `status`, opened once: a worker resets and reads its peak
 * for every model it runs, and opening, sizing and closing the files each time cost about as much
 * as the kernel's reading (bench/README.md, "peak RSS through open files"). A `/proc` file read
 * at offset 0 is generated anew, so a kept descriptor always reads the current values. Opened
 * close-on-exec (Node's default), so no child inherits them.
 */
const selfFiles: { clearRefs?: number | null; status?: number | null } = {};
const statusBuffer = Buffer.alloc(16 * 1024);

function selfFile(name: 'clearRefs' | 'status'): number | null {
  if (selfFiles[name] === undefined) {
    try {
      selfFiles[name] = name === 'status' ? openSync('/proc/self/status', 'r') : openSync('/proc/self/clear_refs', 'w');
    } catch {
      selfFiles[name] = null;
    }
  }
  return selfFiles[name]!;
}

/** Reset a process's peak RSS to its current RSS. False where that is not possible. */
export function resetPeakRss(pid: number | 'self'): boolean {
  try {
    if (pid !== 'self') {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
      return true;
    }
    const fd = selfFile('clearRefs');
    if (fd === null) return false;
    writeSync(fd, '5');
    return true;
  } catch {
    return false;
  }
}

/** A process's peak RSS (VmHWM) in bytes, or undefined where it cannot be read. */
export function peakRss(pid: number | 'self'): number | undefined {
  try {
    let text: string;
    if (pid === 'self') {
      const fd = selfFile('status');
      if (fd === null) return undefined;
      text = statusBuffer.toString('latin1', 0, readSync(fd, statusBuffer, 0, statusBuffer.length, 0));
    } else text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * This process's peak RSS so far, bytes: ru_maxrss (getrusage, one system call; on Linux the same
 * high-water mark as VmHWM, except that `clear_refs` never lowers it, so an in-process backend's
 * per-model reset does not hide an earlier peak). What a result reports as the main process's peak
 * (it only grows over a run: the largest model so far sets it).
 */
export function ownPeakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}
