/**
 * What the machine does during a scenario, from /proc (Linux): the peak resident memory of
 * each server process (VmRSS, sampled), and the CPU time of the servers, of PostgreSQL (for
 * the benchmark's database), of this process (the load generator) and of everything else, as
 * a share of one core. Elsewhere than Linux the figures are left empty.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

let ticksPerSecond = 100;
try {
  ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // not Linux: the CPU figures will be empty anyway
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Resident memory of these processes (a server and its cluster workers) in MB, or null when none can be read. */
function rssOf(members: number[]): number | null {
  let total: number | null = null;
  for (const member of members) {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(read(`/proc/${member}/status`) ?? '');
    if (match) total = (total ?? 0) + Number(match[1]) / 1024;
  }
  return total;
}

/** The process and its direct children (a node:cluster primary and its workers). */
function family(pid: number): number[] {
  const members = [pid];
  let names: string[] = [];
  try {
    names = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return members;
  }
  for (const name of names) {
    const text = read(`/proc/${name}/stat`);
    if (!text) continue;
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) === pid) members.push(Number(name));
  }
  return members;
}

/** CPU ticks of a process and its children (cluster workers). */
function familyTicks(pid: number): number | null {
  let total: number | null = null;
  for (const member of family(pid)) {
    const stat = procStat(member);
    if (stat) total = (total ?? 0) + stat.own;
  }
  return total;
}

interface ProcStat {
  comm: string;
  /** utime + stime, in ticks */
  own: number;
}

function procStat(pid: number | string): ProcStat | null {
  const text = read(`/proc/${pid}/stat`);
  if (!text) return null;
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return { comm: text.slice(open + 1, close), own: Number(fields[11]) + Number(fields[12]) };
}

/**
 * CPU ticks used so far, by pid, by the PostgreSQL processes that serve `database` (backends whose
 * process title names it) and by the server-wide ones (WAL writer, checkpointer, …), but
 * not by backends of other databases: other work on the machine is counted apart.
 */
function postgresTicks(database: string): Map<string, number> | null {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  const ticks = new Map<string, number>();
  for (const pid of pids) {
    const stat = procStat(pid);
    if (!stat || (stat.comm !== 'postgres' && stat.comm !== 'postmaster')) continue;
    // "postgres: 15/main: postgres shop_bench 127.0.0.1(51234) idle", or "postgres: 15/main: walwriter"
    const title = (read(`/proc/${pid}/cmdline`) ?? '').replace(/\0/g, ' ');
    const backend = /^postgres: (?:\S+: )?\S+ (\S+) (?:\S+\(\d+\)|\[local\])/.exec(title);
    if (backend && backend[1] !== database) continue;
    ticks.set(pid, stat.own);
  }
  return ticks.size ? ticks : null;
}

/** Ticks used between two snapshots by the processes alive at the second (new ones from 0). */
function ticksBetween(start: Map<string, number>, end: Map<string, number>): number {
  let total = 0;
  for (const [pid, ticks] of end) total += Math.max(0, ticks - (start.get(pid) ?? 0));
  return total;
}

/**
 * The machine's CPU time so far, in ticks: idle (with I/O wait), interrupts (the loopback
 * network's softirq work, which belongs to no process), stolen by the hypervisor, and in all.
 */
function machineIdle(): { idle: number; irq: number; steal: number; total: number } | null {
  const line = (read('/proc/stat') ?? '').split('\n')[0];
  if (!line?.startsWith('cpu ')) return null;
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return {
    idle: v[3]! + (v[4] ?? 0),
    irq: (v[5] ?? 0) + (v[6] ?? 0),
    steal: v[7] ?? 0,
    total: v.reduce((a, b) => a + b, 0),
  };
}

export interface Usage {
  /** Peak VmRSS per watched process, MB */
  rssPeakMb: Record<string, number | null>;
  /** CPU per watched process, % of one core */
  cpu: Record<string, number | null>;
  postgresCpu: number | null;
  loadGeneratorCpu: number;
  /** Share of the machine's CPU time left idle, % */
  machineIdle: number | null;
  /** Interrupt work (mostly the loopback network), % of one core */
  irqCpu: number | null;
  /** CPU time the hypervisor gave to other machines, % of one core */
  stealCpu: number | null;
  /** CPU used by anything else on the machine (other programs, other databases), % of one core */
  otherCpu: number | null;
}

/** Watches the given processes from now until `stop()`. */
export function watch(processes: Record<string, number | undefined>, database: string, sampleMs = 200) {
  const started = process.hrtime.bigint();
  const ownStart = process.cpuUsage();
  const pgStart = postgresTicks(database);
  const idleStart = machineIdle();
  const cpuStart: Record<string, number | null> = {};
  const peaks: Record<string, number | null> = {};
  // Each server's processes, found once: listing /proc reads every process's stat file, which
  // blocked this process (the load generator) for tens of milliseconds at every sample under
  // load and showed in the latencies it measured. A sample reads one status file per member.
  const families = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, pid ? family(pid) : []]));
  const sample = () => {
    for (const [name, members] of Object.entries(families)) {
      const rss = members.length ? rssOf(members) : null;
      if (rss !== null) peaks[name] = Math.max(peaks[name] ?? 0, rss);
      else peaks[name] ??= null;
    }
  };
  for (const [name, pid] of Object.entries(processes)) cpuStart[name] = pid ? familyTicks(pid) : null;
  sample();
  const timer = setInterval(sample, sampleMs);
  return {
    stop(): Usage {
      clearInterval(timer);
      sample();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const share = (ticks: number) => (100 * ticks) / ticksPerSecond / seconds;
      const cpu: Record<string, number | null> = {};
      for (const [name, pid] of Object.entries(processes)) {
        const end = pid ? familyTicks(pid) : null;
        const begin = cpuStart[name];
        cpu[name] = end !== null && begin !== null && begin !== undefined ? share(end - begin) : null;
      }
      const pgEnd = postgresTicks(database);
      const own = process.cpuUsage(ownStart);
      const idleEnd = machineIdle();
      const postgresCpu = pgStart !== null && pgEnd !== null ? share(ticksBetween(pgStart, pgEnd)) : null;
      const loadGeneratorCpu = (100 * (own.user + own.system)) / 1e6 / seconds;
      const ours = Object.values(cpu).reduce<number>((a, b) => a + (b ?? 0), 0) + (postgresCpu ?? 0) + loadGeneratorCpu;
      const usage: Usage = {
        rssPeakMb: peaks,
        cpu,
        postgresCpu,
        loadGeneratorCpu,
        machineIdle: null,
        irqCpu: null,
        stealCpu: null,
        otherCpu: null,
      };
      if (idleStart && idleEnd && idleEnd.total > idleStart.total) {
        // as % of one core
        const part = (ticks: number) => (100 * cpus().length * ticks) / (idleEnd.total - idleStart.total);
        usage.machineIdle = part(idleEnd.idle - idleStart.idle) / cpus().length;
        usage.irqCpu = part(idleEnd.irq - idleStart.irq);
        usage.stealCpu = part(idleEnd.steal - idleStart.steal);
        const busy = 100 * cpus().length - part(idleEnd.idle - idleStart.idle) - usage.stealCpu;
        usage.otherCpu = Math.max(0, busy - usage.irqCpu - ours);
      }
      return usage;
    },
  };
}

/**
 * Waits (at most `maxSeconds`) for a second in which the machine is idle but for
 * `threshold` % of one core: a run started then is not shared with other work (tests,
 * builds) from the start. Answers whether it was.
 */
export async function waitQuiet(maxSeconds: number, threshold: number): Promise<boolean> {
  if (maxSeconds <= 0) return true;
  const deadline = Date.now() + maxSeconds * 1000;
  do {
    const before = machineIdle();
    await new Promise((r) => setTimeout(r, 1000));
    const after = machineIdle();
    if (!before || !after || after.total <= before.total) return true;
    const busy = (100 * cpus().length * (after.total - before.total - (after.idle - before.idle) - (after.steal - before.steal))) /
      (after.total - before.total);
    if (busy <= threshold) return true;
  } while (Date.now() < deadline);
  return false;
}
