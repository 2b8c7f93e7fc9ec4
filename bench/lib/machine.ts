/** The description of the machine a result came from: printed with every table and chart. */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  kernel: string;
  tempDir: string;
  /** Filesystem type of the temp directory (findmnt), or "unknown: reason". */
  tempDirFsType: string;
  loadAverage1m: number;
}

function fsTypeOf(dir: string): string {
  try {
    const out = execFileSync('findmnt', ['-n', '-o', 'FSTYPE', '-T', dir], { encoding: 'utf8', timeout: 5000 }).trim();
    return out.length > 0 ? out : 'unknown: findmnt printed nothing';
  } catch (err) {
    return `unknown: ${(err as Error).message.split('\n')[0]}`;
  }
}

export function describeMachine(tempDir: string = os.tmpdir()): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    tempDir,
    tempDirFsType: fsTypeOf(tempDir),
    loadAverage1m: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

export function machineLine(m: MachineInfo): string {
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}, temp dir ${m.tempDir} on ${m.tempDirFsType}`;
}

/** The machine in a few words, for chart subtitles. */
export function machineShort(m: MachineInfo): string {
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.tempDirFsType}`;
}
