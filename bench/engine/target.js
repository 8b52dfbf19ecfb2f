// The server under load: nginx with one worker (a generated config in a temp dir), else a node:http server.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

async function freePort () {
  const server = net.createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function waitForPort (port, child) {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`target exited with code ${child.exitCode}`)
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true) })
      socket.on('error', () => resolve(false))
    })
    if (ok) return
    await sleep(50)
  }
  throw new Error(`target did not listen on 127.0.0.1:${port}`)
}

function nginxConfig (dir, port) {
  // keepalive_requests: nginx closes a keep-alive connection after 1000 requests by default, which would make
  // every tool reconnect mid-run; the benchmark measures steady keep-alive traffic.
  return `worker_processes 1;
worker_rlimit_nofile 20000;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 20000; multi_accept on; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 75s;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / { default_type text/plain; return 200 "ok"; }
  }
}
`
}

function nginxVersion () {
  const r = spawnSync('nginx', ['-v'], { encoding: 'utf8' })
  if (r.error) return null
  return (r.stderr || r.stdout).trim().replace(/^nginx version: /, '')
}

/** Starts the target; `stop()` ends it. `kind` says which one runs, so the report can say so plainly. */
export async function startTarget () {
  const port = await freePort()
  const version = nginxVersion()
  const dir = mkdtempSync(join(tmpdir(), 'lf-bench-'))
  let child
  let kind
  if (version !== null) {
    writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, port))
    child = spawn('sh', ['-c', 'ulimit -n 20000 && exec nginx -p "$0" -c "$0/nginx.conf" -e "$0/error.log"', dir],
      { stdio: 'ignore' })
    kind = `nginx ${version}, 1 worker`
  } else {
    const script = `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`
    child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' })
    kind = 'node:http (nginx not found; apt-get install -y nginx for the reference target)'
  }
  await waitForPort(port, child)
  return {
    url: `http://127.0.0.1:${port}/`,
    kind,
    pid: child.pid,
    async stop () {
      child.kill('SIGTERM')
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
