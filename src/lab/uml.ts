/**
 * Run a command on a real Linux kernel that has IPVS, when the host's kernel has none:
 * Debian's User-Mode Linux (package user-mode-linux, /usr/bin/linux.uml) booted with the
 * host's "/" as its root filesystem (hostfs). The command sees the same files (the project,
 * node, ipvsadm) but its own kernel: its own network stack, IPVS table, namespaces.
 *
 * Inside, /run, /dev/shm, /proc and /sys are private; everything else is the host's
 * filesystem, read-write, which is also how output comes back. Root only.
 */
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const UmlKernel = '/usr/bin/linux.uml';
/** IPVS, its schedulers, and the interfaces the tests build. */
export const UmlModules = [
  'ipv6',
  'nf_conntrack',
  'ip_vs',
  ...['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'].map((s) => `ip_vs_${s}`),
  'veth',
  'dummy',
  'bridge',
  'ipip',
  'ip_vs_pe_sip',
];

export interface UmlOptions {
  /** Seconds the command may run (default 300). */
  timeoutS?: number;
  /** UML memory (default 1G; sparse). */
  memory?: string;
  /** Modules to load (default UmlModules). */
  modules?: readonly string[];
  /** Working directory of the command (default: the caller's). */
  cwd?: string;
  /** Extra environment for the command. */
  env?: Readonly<Record<string, string>>;
}

export interface UmlResult {
  /** The command's exit status; 124 when it ran out of time. */
  code: number;
  stdout: string;
  stderr: string;
  /** Lines of the module loading log that failed. */
  moduleFailures: string[];
  /** Seconds from start to the kernel running our init, and to the command's start. */
  bootS: number;
}

/** The UML kernel's release, or null when User-Mode Linux is not installed. */
export function umlRelease(): string | null {
  if (!existsSync(UmlKernel)) return null;
  try {
    const out = execFileSync(UmlKernel, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    return out.trim().split(/\s+/).at(-1) ?? null;
  } catch {
    return null;
  }
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Boot UML, run `command` (argv) inside as root, power off; resolves with what it printed. */
export async function runInUml(command: readonly string[], opts: UmlOptions = {}): Promise<UmlResult> {
  if (process.getuid?.() !== 0) throw new Error('User-Mode Linux runs need root (hostfs and module loading act as this user)');
  const release = umlRelease();
  if (!release) throw new Error(`${UmlKernel} is missing: apt-get install user-mode-linux`);
  const moduleDir = `/usr/lib/uml/modules/${release}`;
  if (!existsSync(join(moduleDir, 'modules.dep'))) throw new Error(`no UML modules in ${moduleDir}`);
  const modprobe = ['/usr/sbin/modprobe', '/sbin/modprobe'].find((p) => existsSync(p));
  if (!modprobe) throw new Error('modprobe is missing: apt-get install kmod');

  const timeoutS = opts.timeoutS ?? 300;
  const run = mkdtempSync(join(process.env.UML_TMP ?? tmpdir(), 'kts-uml-'));
  try {
    // `modprobe -d ROOT` reads ROOT/lib/modules/<release>: point it at the UML modules
    mkdirSync(join(run, 'root/lib/modules'), { recursive: true });
    symlinkSync(moduleDir, join(run, 'root/lib/modules', release));
    const wrapper = join(run, 'modprobe');
    writeFileSync(wrapper, `#!/bin/sh\nexec ${modprobe} -d ${shellQuote(join(run, 'root'))} "$@"\n`);
    chmodSync(wrapper, 0o755);
    mkdirSync(join(run, 'bin'));
    symlinkSync(wrapper, join(run, 'bin/modprobe'));

    const env = { ...opts.env };
    const exports = Object.entries(env)
      .map(([k, v]) => `export ${k}=${shellQuote(v)}\n`)
      .join('');
    const modules = (opts.modules ?? UmlModules).join(' ');
    const r = shellQuote(run);
    // PID 1 inside UML
    const init = `#!/bin/sh
export PATH=${shellQuote(join(run, 'bin'))}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /dev/pts /dev/shm
ln -sf /proc/self/fd /dev/fd
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
read booted _ < /proc/uptime
echo ${r}/modprobe > /proc/sys/kernel/modprobe
modprobe -a ${modules} > ${r}/modules.log 2>&1 || for m in ${modules}; do modprobe $m >> ${r}/modules.log 2>&1 || echo "FAILED $m" >> ${r}/modules.log; done
ip link set lo up
read ready _ < /proc/uptime
echo "$booted $ready" > ${r}/boot
${exports}cd ${shellQuote(opts.cwd ?? process.cwd())} || cd /
timeout -k 5 ${timeoutS} ${command.map(shellQuote).join(' ')} < /dev/null > ${r}/stdout 2> ${r}/stderr
echo $? > ${r}/rc
sync
echo o > /proc/sysrq-trigger
sleep 60
`;
    writeFileSync(join(run, 'init'), init);
    chmodSync(join(run, 'init'), 0o755);

    const args = [
      `umid=kts${process.pid}`,
      `uml_dir=${run}`,
      `mem=${opts.memory ?? '1G'}`,
      'root=/dev/root',
      'rootfstype=hostfs',
      'rootflags=/',
      'rw',
      `init=${join(run, 'init')}`,
      'con=null',
      'con0=fd:0,fd:1',
      'quiet',
    ];
    const console: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      // its own process group, so a timeout can stop every UML thread
      const uml = spawn(UmlKernel, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      uml.stdout.on('data', (b: Buffer) => console.length < 2000 && console.push(b));
      uml.stderr.on('data', (b: Buffer) => console.length < 2000 && console.push(b));
      const limit = setTimeout(() => {
        try {
          process.kill(-uml.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, (timeoutS + 60) * 1000);
      uml.on('error', (e) => {
        clearTimeout(limit);
        reject(e);
      });
      uml.on('exit', () => {
        clearTimeout(limit);
        resolve();
      });
    });
    const read = (f: string): string => (existsSync(join(run, f)) ? readFileSync(join(run, f), 'utf8') : '');
    const rc = read('rc').trim();
    if (rc === '') {
      const tail = Buffer.concat(console).toString().split('\n').slice(-30).join('\n');
      throw new Error(`User-Mode Linux did not run the command to its end; console:\n${tail}`);
    }
    const [booted, ready] = read('boot').trim().split(/\s+/).map(Number);
    return {
      code: Number(rc),
      stdout: read('stdout'),
      stderr: read('stderr'),
      moduleFailures: read('modules.log')
        .split('\n')
        .filter((l) => l.startsWith('FAILED')),
      bootS: (ready ?? booted ?? 0) + 0,
    };
  } finally {
    rmSync(run, { recursive: true, force: true });
  }
}
