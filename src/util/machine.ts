import { cpus, hostname, totalmem, platform, arch, release } from 'node:os';

export interface MachineInfo {
  hostname: string;
  platform: string;
  arch: string;
  osRelease: string;
  cpuModel: string;
  cpuCount: number;
  totalMemoryBytes: number;
  node: string;
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    hostname: hostname(),
    platform: platform(),
    arch: arch(),
    osRelease: release(),
    cpuModel: c[0]?.model?.trim() ?? 'unknown',
    cpuCount: c.length,
    totalMemoryBytes: totalmem(),
    node: process.version,
  };
}
