import { readFile, stat } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { hasErrors, type Diagnostic, type ParseResult } from '../diagnostic.js'
import { APP_CODES, parseAppFile } from './app-file.js'
import type { AppManifest } from './schema.js'
import { checkTree } from './tree-checks.js'

/** The manifest a directory stands for, in a parent's `spec.children` or on the command line. */
export const APP_FILE_NAMES = ['app.yaml', 'app.yml']

/** One app of a tree: its manifest, where it is, and its place in the tree. */
export interface AppNode {
  name: string
  /** As shown in diagnostics (relative to the working directory when below it). */
  file: string
  /** Absolute path of the manifest. */
  path: string
  manifest: AppManifest
  parent: AppNode | undefined
  children: AppNode[]
  /** `file:line` of the node a manifest path names. */
  where: (path: readonly PropertyKey[]) => string
  lineOf: (path: readonly PropertyKey[]) => number
}

/** A loaded tree of apps: the root and every app by name. */
export interface AppTree {
  root: AppNode
  apps: ReadonlyMap<string, AppNode>
}

/** Options of `loadAppTree`. */
export interface LoadAppTreeOptions {
  /** Files are shown relative to this directory; default the process's. */
  cwd?: string
}

/**
 * Loads a tree of App manifests from a root manifest, or a directory holding `app.yaml`, following each parent's
 * `spec.children`; then checks the tree as a whole. Reports every problem of every file at once.
 */
export async function loadAppTree (entry: string, options: LoadAppTreeOptions = {}): Promise<ParseResult<AppTree>> {
  const cwd = options.cwd ?? process.cwd()
  const show = (abs: string): string => {
    const rel = relative(cwd, abs)
    return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? abs : rel
  }
  const diagnostics: Diagnostic[] = []
  const rootPath = await manifestPath(resolve(cwd, entry))
  if (rootPath === undefined) {
    return { diagnostics: [{ severity: 'error', code: APP_CODES.missing, file: entry, path: '', message: `no App manifest: expected a file or a directory holding ${APP_FILE_NAMES.join(' or ')}` }] }
  }
  const loaded = new Map<string, AppNode>()
  const visit = async (path: string, parent: AppNode | undefined, ancestors: string[]):
  Promise<AppNode | undefined> => {
    const appFile = parseAppFile(await readFile(path, 'utf8'), show(path))
    diagnostics.push(...appFile.diagnostics)
    if (appFile.manifest === undefined) return undefined
    const { lineOf } = appFile
    const node: AppNode = {
      name: appFile.manifest.metadata.name, file: appFile.file, path, manifest: appFile.manifest, parent, children: [],
      lineOf, where: (p) => `${appFile.file}:${lineOf(p)}`,
    }
    loaded.set(path, node)
    const children = appFile.manifest.spec.children ?? []
    for (const [i, entryText] of children.entries()) {
      const at: Diagnostic = { severity: 'error', code: APP_CODES.missing, file: node.file, path: `spec.children.${i}`,
        line: lineOf(['spec', 'children', i]), message: '' }
      const childPath = await manifestPath(resolve(dirname(path), entryText))
      if (childPath === undefined) {
        diagnostics.push({ ...at, message: `no App manifest at '${entryText}': expected a file or a directory holding ${APP_FILE_NAMES.join(' or ')}` })
        continue
      }
      const chain = [...ancestors, path]
      if (chain.includes(childPath)) {
        const cycle = [...chain.slice(chain.indexOf(childPath)), childPath].map(show).join(' -> ')
        diagnostics.push({ ...at, code: APP_CODES.cycle, message: `parentage cycle: ${cycle}` })
        continue
      }
      const other = loaded.get(childPath)
      if (other !== undefined) {
        diagnostics.push({ ...at, code: APP_CODES.duplicate,
          message: `'${entryText}' is already a child of ${other.parent?.file ?? 'another app'}; an app has one parent` })
        continue
      }
      const child = await visit(childPath, node, chain)
      if (child !== undefined) node.children.push(child)
    }
    return node
  }
  const root = await visit(rootPath, undefined, [])
  if (root === undefined) return { diagnostics }
  const apps = new Map<string, AppNode>()
  for (const node of loaded.values()) {
    const other = apps.get(node.name)
    if (other !== undefined) {
      diagnostics.push({ severity: 'error', code: APP_CODES.duplicate, file: node.file, path: 'metadata.name',
        line: node.lineOf(['metadata', 'name']), message: `app '${node.name}' is already defined in ${other.where(['metadata', 'name'])}; app names are unique in a tree` })
    } else {
      apps.set(node.name, node)
    }
  }
  const tree: AppTree = { root, apps }
  diagnostics.push(...await checkTree(tree))
  diagnostics.sort(byPlace)
  return hasErrors(diagnostics) ? { diagnostics } : { value: tree, diagnostics }
}

/** Files in the order they were loaded would interleave; by file, then line, reads like a compiler's output. */
function byPlace (a: Diagnostic, b: Diagnostic): number {
  return (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0)
}

/** The manifest a path names: the file itself, or the directory's app.yaml; undefined when there is none. */
async function manifestPath (path: string): Promise<string | undefined> {
  const info = await stat(path).catch(() => undefined)
  if (info === undefined) return undefined
  if (info.isFile()) return path
  for (const name of APP_FILE_NAMES) {
    const candidate = join(path, name)
    if ((await stat(candidate).catch(() => undefined))?.isFile() === true) return candidate
  }
  return undefined
}
