import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { LoadedScript } from './load-script.js'
import { createHttpModule } from './runtime/k6-http.js'
import { createExecutionModule, createK6Module, createMetricsModule } from './runtime/k6-core.js'
import type { ExecutionStats } from './runtime/k6-core.js'
import {
  createCryptoModule, createDataModule, createEncodingModule, createUtilsModule,
} from './runtime/k6-utility-modules.js'
import { createSummaryModule } from './summary-data.js'
import type { ScriptVuState } from './runtime/vu-state.js'

/**
 * One VU's copy of the script: every module body run once for this VU, so module-level state is its own (a
 * closure per module, not a context or a thread). Built-in modules are bound to the VU's state.
 */
export class ScriptInstance {
  readonly vu: ScriptVuState
  readonly #script: LoadedScript
  readonly #stats: ExecutionStats
  readonly #modules = new Map<string, Promise<Record<string, unknown>>>()
  readonly #builtins = new Map<string, Record<string, unknown>>()
  readonly #iterSetters: Array<(i: number) => void> = []
  readonly #env: Record<string, string>
  #inInit = true

  constructor (script: LoadedScript, vu: ScriptVuState, stats: ExecutionStats) {
    this.#script = script
    this.vu = vu
    this.#stats = stats
    this.#env = { ...vu.run.env, ...vu.scenarioEnv }
  }

  /** Runs the init code (every module body) and returns the entry module's exports. */
  async init (): Promise<Record<string, unknown>> {
    try {
      return await this.#load(this.#script.entry)
    } finally {
      this.#inInit = false
    }
  }

  /** Sets `__ITER` in every module of this VU. */
  setIteration (i: number): void {
    for (const set of this.#iterSetters) set(i)
  }

  #load (path: string): Promise<Record<string, unknown>> {
    const cached = this.#modules.get(path)
    if (cached !== undefined) return cached
    const mod = this.#script.modules.get(path)
    if (mod === undefined) return Promise.reject(new Error(`module '${path}' was not compiled`))
    const lf = {
      import: (key: string) => this.#import(key),
      onIter: (set: (i: number) => void) => { this.#iterSetters.push(set) },
      reexport: (target: Record<string, unknown>, from: Record<string, unknown>) => {
        for (const key of Object.keys(from)) {
          if (key !== 'default') Object.defineProperty(target, key, { enumerable: true, get: () => from[key] })
        }
      },
    }
    const values: Record<string, unknown> = {
      __ENV: this.#env,
      __VU: this.vu.idInTest,
      open: (file: unknown, mode?: unknown) => this.#open(path, String(file), mode),
      require: (id: unknown) => { throw new Error(`require('${String(id)}') is not supported; use import`) },
    }
    const p = mod.factory(lf, ...mod.injected.map((name) => values[name]))
    this.#modules.set(path, p)
    return p
  }

  #import (key: string): Promise<Record<string, unknown>> | Record<string, unknown> {
    if (this.#script.modules.has(key)) return this.#load(key)
    let mod = this.#builtins.get(key)
    if (mod === undefined) {
      mod = this.#builtin(key)
      this.#builtins.set(key, mod)
    }
    return mod
  }

  #builtin (id: string): Record<string, unknown> {
    switch (id) {
      case 'k6': return createK6Module(this.vu)
      case 'k6/http': return createHttpModule(this.vu)
      case 'k6/metrics': return createMetricsModule(this.vu)
      case 'k6/execution': return createExecutionModule(this.vu, this.#stats)
      case 'k6/data': return createDataModule(this.vu.run)
      case 'k6/encoding': return createEncodingModule()
      case 'k6/crypto': return createCryptoModule()
      case 'jslib/k6-utils': return createUtilsModule()
      case 'jslib/k6-summary': return createSummaryModule()
    }
    throw new Error(`no built-in module '${id}'`)
  }

  /** k6's open(): init code only, relative to the module that calls it; `b` reads bytes. */
  #open (modulePath: string, file: string, mode: unknown): string | ArrayBuffer {
    if (!this.#inInit) throw new Error('open() can only be called in the init context (outside functions)')
    const full = resolve(dirname(modulePath), file.startsWith('file://') ? new URL(file).pathname : file)
    const key = `${mode === 'b' ? 'b' : 't'}:${full}`
    const cached = this.vu.run.opened.get(key)
    if (cached !== undefined) return cached
    const bytes = readFileSync(full)
    const value = mode === 'b'
      ? bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
      : bytes.toString('utf8')
    this.vu.run.opened.set(key, value)
    return value
  }
}
