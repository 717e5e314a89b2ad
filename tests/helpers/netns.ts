/**
 * Separate "hosts" on one Linux machine for multi-host tests: each host is a network namespace
 * (`ip netns`) with its own loopback and one veth link into a bridge on the machine's side,
 * addressed on a private /24 (`10.231.<n>.0/24`; the bridge is `.1`, hosts `.10`, `.11`, …).
 * A host reaches only the bridge address, where the test exposes Redis, PostgreSQL, S3 and the
 * engine double; the test process reaches every host at its address. Setting a host's link down
 * (`ip link set <veth> down`) cuts it off the way a pulled cable does: no reset, packets vanish.
 *
 * Needs root and iproute2 ({@link netnsUnavailable} says why not). Names carry the test process's
 * pid (`kazru-mh-<pid>-<host>`, links `kzm<pid base 36>…`), so concurrent runs do not collide and
 * {@link removeStaleLabs} can remove what a crashed run left behind (its pid no longer lives).
 */
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const NS_PREFIX = 'kazru-mh-';
const LINK_PREFIX = 'kzm';

/** Runs `ip …args`; rejects with ip's stderr. */
async function ip(...args: string[]): Promise<string> {
  try {
    return (await run('ip', args)).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')}: ${e.stderr?.trim() || e.message}`, { cause: err });
  }
}

/** Like {@link ip} but ignores failures (for cleanup of things that may not exist). */
const ipQuiet = (...args: string[]) => ip(...args).catch(() => '');

/**
 * Why network namespaces cannot be used here, or undefined when they can: not root, or no `ip`
 * (iproute2) on PATH.
 */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root (ip netns add)';
  try {
    await run('ip', ['-V']);
  } catch {
    return 'needs the ip command (Debian package iproute2)';
  }
  return undefined;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Deletes namespaces, links and temp directories ({@link labTempDir}) of labs whose test process
 * is gone (a run killed before its afterAll). Labs of live processes are left alone. Never throws.
 * @returns the names removed.
 */
export async function removeStaleLabs(): Promise<string[]> {
  const removed: string[] = [];
  const namespaces = (await ipQuiet('netns', 'list')).split('\n').map((l) => l.split(' ')[0]);
  for (const ns of namespaces) {
    const m = new RegExp(`^${NS_PREFIX}(\\d+)-`).exec(ns);
    if (m && !alive(Number(m[1]))) {
      killNamespaceProcesses(ns);
      await ipQuiet('netns', 'delete', ns);
      removed.push(ns);
    }
  }
  const links = (await ipQuiet('-o', 'link', 'show')).split('\n');
  for (const line of links) {
    const m = new RegExp(`^\\d+: (${LINK_PREFIX}([0-9a-z]+)[bh][0-9]*)[@:]`).exec(line);
    if (m && !alive(parseInt(m[2], 36))) {
      await ipQuiet('link', 'delete', m[1]);
      removed.push(m[1]);
    }
  }
  for (const entry of fs.readdirSync(os.tmpdir())) {
    const m = new RegExp(`^${NS_PREFIX}(\\d+)-`).exec(entry);
    if (m && !alive(Number(m[1]))) {
      fs.rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true });
      removed.push(entry);
    }
  }
  return removed;
}

/**
 * A new temp directory `<tmp>/kazru-mh-<pid>-<label>-XXXXXX` that {@link removeStaleLabs} removes
 * once this process is gone (the caller removes it when done).
 */
export function labTempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${NS_PREFIX}${process.pid}-${label}-`));
}

/** SIGKILLs every process living in namespace `ns` (`ip netns pids`, synchronous best effort). */
function killNamespaceProcesses(ns: string): void {
  let nsInode: number;
  try {
    nsInode = fs.statSync(`/run/netns/${ns}`).ino;
  } catch {
    return;
  }
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (fs.statSync(`/proc/${pid}/ns/net`).ino === nsInode) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
}

const HAVE_SETPRIV = fs.existsSync('/usr/bin/setpriv');

/**
 * `[command, args]` wrapped so that the process gets SIGKILL when the test process dies
 * (`setpriv --pdeathsig KILL`, util-linux), so a crashed run leaves no service or redis-server
 * behind; unchanged where setpriv is missing.
 */
export function killedWithParent(command: string, args: string[]): [string, string[]] {
  return HAVE_SETPRIV
    ? ['/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', command, ...args]]
    : [command, args];
}

/** One simulated host: a network namespace with one link to the bridge. */
export interface NetnsHost {
  /** Short name given to {@link NetnsLab.addHost}. */
  name: string;
  /** Namespace name (`ip netns exec <ns> …`). */
  ns: string;
  /** The host's address on the lab network. */
  address: string;
  /** Machine-side end of the host's veth (the one {@link linkDown} sets down). */
  veth: string;
  /** Cuts the host off (its veth down on the machine's side). */
  linkDown(): Promise<void>;
  /** Reconnects it. */
  linkUp(): Promise<void>;
  /**
   * Spawns `command` inside the namespace (`ip netns exec`, which execs it: the pid is its),
   * killed when the test process dies ({@link killedWithParent}).
   */
  spawn(command: string, args: string[], options?: SpawnOptions): ChildProcess;
}

/** A bridge with hosts on it; {@link NetnsLab.close} removes everything. */
export interface NetnsLab {
  /** Bridge address: where the hosts reach services of the machine. */
  gateway: string;
  /** The /24 in CIDR notation. */
  subnet: string;
  hosts: NetnsHost[];
  /** Creates a host (namespace, veth pair on the bridge, address, `lo` and link up). */
  addHost(name: string): Promise<NetnsHost>;
  /** Kills processes left in the namespaces, deletes namespaces, veths and the bridge. Never throws. */
  close(): Promise<void>;
}

/** Picks a 10.231.<n>.0/24 not assigned to any interface of the machine. */
async function freeSubnet(): Promise<number> {
  const used = await ipQuiet('-o', '-4', 'addr', 'show');
  const start = process.pid % 200;
  for (let i = 0; i < 250; i++) {
    const n = 2 + ((start + i) % 250);
    if (!used.includes(` 10.231.${n}.`)) return n;
  }
  throw new Error('no free 10.231.x.0/24 subnet');
}

/**
 * Creates a lab: removes stale labs of dead runs, then makes the bridge with its address.
 * @throws Error with ip's message when a step fails (what was made is removed first).
 */
export async function createNetnsLab(): Promise<NetnsLab> {
  await removeStaleLabs();
  const tag = `${LINK_PREFIX}${process.pid.toString(36)}`;
  const bridge = `${tag}b`;
  const n = await freeSubnet();
  const gateway = `10.231.${n}.1`;
  const hosts: NetnsHost[] = [];
  const lab: NetnsLab = {
    gateway,
    subnet: `10.231.${n}.0/24`,
    hosts,
    addHost: async (name) => {
      const i = hosts.length;
      const ns = `${NS_PREFIX}${process.pid}-${name}`;
      const veth = `${tag}h${i}`;
      const address = `10.231.${n}.${10 + i}`;
      await ip('netns', 'add', ns);
      const host: NetnsHost = {
        name,
        ns,
        address,
        veth,
        linkDown: () => ip('link', 'set', veth, 'down').then(() => undefined),
        linkUp: () => ip('link', 'set', veth, 'up').then(() => undefined),
        spawn: (command, args, options = {}) =>
          spawn('ip', ['netns', 'exec', ns, ...killedWithParent(command, args).flat()], options),
      };
      hosts.push(host);
      await ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', `${tag}p${i}`);
      await ip('link', 'set', `${tag}p${i}`, 'netns', ns);
      await ip('-n', ns, 'link', 'set', `${tag}p${i}`, 'name', 'eth0');
      await ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
      await ip('-n', ns, 'link', 'set', 'eth0', 'up');
      await ip('link', 'set', veth, 'master', bridge);
      await ip('link', 'set', veth, 'up');
      return host;
    },
    close: async () => {
      for (const h of hosts) {
        killNamespaceProcesses(h.ns);
        await ipQuiet('netns', 'delete', h.ns); // takes the peer end, and so the veth, with it
        await ipQuiet('link', 'delete', h.veth);
      }
      await ipQuiet('link', 'delete', bridge);
    },
  };
  try {
    await ip('link', 'add', bridge, 'type', 'bridge');
    await ip('addr', 'add', `${gateway}/24`, 'dev', bridge);
    await ip('link', 'set', bridge, 'up');
  } catch (err) {
    await lab.close();
    throw err;
  }
  return lab;
}
