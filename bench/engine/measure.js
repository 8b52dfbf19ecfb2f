// Runs one generator as a child process and measures it from outside: user+sys CPU and peak RSS (ru_maxrss, the
// kernel's high-water mark that /proc/<pid>/status calls VmHWM) via /usr/bin/time, with the open-files limit raised.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const TIME = '/usr/bin/time'
/** Enough descriptors for 10,000 VUs plus Node's own; the machine's hard limit is 20000. */
const OPEN_FILES = 20000

/** Whether CPU and RSS can be measured from outside (GNU time). */
export function canMeasure () {
  return existsSync(TIME)
}

/** Runs `cmd args` and resolves { stdout, stderr, code, cpuUs, peakRssMb, wallMs }. */
export function measure (cmd, args, { timeoutMs = 120_000, cwd } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lf-measure-'))
  const timeFile = join(dir, 'time.txt')
  const script = `ulimit -n ${OPEN_FILES} 2>/dev/null || ulimit -n $(ulimit -Hn); exec ${TIME} -f "%U %S %M" -o "$0" "$@"`
  const started = performance.now()
  const child = spawn('sh', ['-c', script, timeFile, cmd, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c) => { stdout += c })
  child.stderr.on('data', (c) => { stderr += c })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer)
      const wallMs = performance.now() - started
      let cpuUs = NaN
      let peakRssMb = NaN
      try {
        const last = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1) ?? ''
        const [user, sys, rssKb] = last.split(' ').map(Number)
        cpuUs = (user + sys) * 1e6
        peakRssMb = rssKb / 1024
      } catch {}
      rmSync(dir, { recursive: true, force: true })
      resolve({ stdout, stderr, code, cpuUs, peakRssMb, wallMs })
    })
  })
}
