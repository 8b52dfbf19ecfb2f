import { readFile, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { Diagnostic } from '../diagnostic.js'
import { egressRefusal, parseEgressRule, portOf } from '../egress.js'
import { parseTestText } from '../test-file/parse-test.js'
import { APP_CODES } from './app-file.js'
import { effectiveEgress, effectiveRole, effectiveSecrets } from './effective.js'
import { egressRuleCovers } from './egress-cover.js'
import type { AppNode, AppTree } from './load-app-tree.js'
import { APP_ROLES } from './schema.js'

const SECRET_REF_RE = /\$\{secrets\.([A-Za-z_][A-Za-z0-9_]*)\}/g

/** A path of a manifest relative to it. */
export function resolveFromManifest (node: AppNode, relative: string): string {
  return resolve(dirname(node.path), relative)
}

/** Checks that need the whole tree: dependencies, narrowing of egress and roles, and what tests refer to. */
export async function checkTree (tree: AppTree): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = []
  const all = [...tree.apps.values()]
  for (const node of all) {
    const error = (path: PropertyKey[], code: Diagnostic['code'], message: string): void => {
      diagnostics.push({ severity: 'error', code, file: node.file, path: path.map(String).join('.'), line: node.lineOf(path), message })
    }
    checkDependsOn(node, error)
    checkNarrowing(node, error)
    checkGate(node, error)
    await checkTests(node, error, diagnostics)
  }
  diagnostics.push(...dependencyCycles(tree))
  return diagnostics
}

type Report = (path: PropertyKey[], code: Diagnostic['code'], message: string) => void

function checkDependsOn (node: AppNode, error: Report): void {
  const siblings = new Set((node.parent?.children ?? []).map((c) => c.name))
  for (const [i, name] of (node.manifest.spec.dependsOn ?? []).entries()) {
    if (name === node.name) {
      error(['spec', 'dependsOn', i], APP_CODES.cycle, `app '${name}' depends on itself`)
    } else if (!siblings.has(name)) {
      const known = [...siblings].filter((s) => s !== node.name)
      error(['spec', 'dependsOn', i], APP_CODES.reference,
        `no sibling app named '${name}'; dependsOn names apps with the same parent${known.length > 0 ? ` (${known.join(', ')})` : ''}`)
    }
  }
}

/** A child may keep or narrow what its parent allows, never add to it: its own list must fit within the parent's. */
function checkNarrowing (node: AppNode, error: Report): void {
  const parent = node.parent
  if (parent === undefined) return
  const own = node.manifest.spec.egress
  const inherited = effectiveEgress(parent)
  if (own !== undefined && inherited !== undefined) {
    const outer = inherited.value.map((text) => parseEgressRule(text, 'TARGET_ALLOW')).filter((r) => r !== undefined)
    for (const [i, text] of own.entries()) {
      const rule = parseEgressRule(text, 'TARGET_ALLOW')
      if (rule !== undefined && !outer.some((o) => egressRuleCovers(o, rule))) {
        error(['spec', 'egress', i], APP_CODES.widened, `egress '${text}' widens the egress inherited from ` +
          `${inherited.from} (${inherited.value.join(', ')}); a child may only narrow it`)
      }
    }
  }
  for (const role of APP_ROLES) {
    const members = node.manifest.spec.roles?.[role]
    const allowed = effectiveRole(parent, role)
    if (members === undefined || allowed === undefined) continue
    for (const [i, member] of members.entries()) {
      if (!allowed.value.includes(member)) {
        error(['spec', 'roles', role, i], APP_CODES.widened, `role ${role}: '${member}' widens the ${role} role inherited ` +
          `from ${allowed.from} (${allowed.value.join(', ')}); a child may only narrow it`)
      }
    }
  }
}

function checkGate (node: AppNode, error: Report): void {
  const tests = Object.keys(node.manifest.spec.tests ?? {})
  for (const [i, name] of (node.manifest.spec.gate?.tests ?? []).entries()) {
    if (!tests.includes(name)) {
      error(['spec', 'gate', 'tests', i], APP_CODES.reference, `no test named '${name}' in app '${node.name}'` +
        (tests.length > 0 ? ` (tests: ${tests.join(', ')})` : ''))
    }
  }
}

async function checkTests (node: AppNode, error: Report, diagnostics: Diagnostic[]): Promise<void> {
  const egress = effectiveEgress(node)
  const allow = egress?.value.map((text) => parseEgressRule(text, 'TARGET_ALLOW')).filter((r) => r !== undefined)
  const secrets = new Set(effectiveSecrets(node).map((s) => s.value))
  const headerLayers: Array<[PropertyKey[], Record<string, string> | undefined]> = [
    [['spec', 'defaults', 'headers'], node.manifest.spec.defaults?.headers],
  ]
  for (const [name, test] of Object.entries(node.manifest.spec.tests ?? {})) {
    const at = ['spec', 'tests', name]
    headerLayers.push([[...at, 'headers'], test.headers])
    if (test.url !== undefined && allow !== undefined && egress !== undefined) {
      const url = new URL(test.url)
      const refusal = egressRefusal({ allow, deny: [] }, { host: url.hostname, port: portOf(url) })
      if (refusal !== undefined) {
        error([...at, 'url'], APP_CODES.widened, `test '${name}' reaches ${url.hostname}:${portOf(url)}, outside the ` +
          `app's egress (${egress.value.join(', ')} from ${egress.from})`)
      }
    }
    const relative = test.file ?? test.script
    if (relative === undefined) continue
    const key = test.file !== undefined ? 'file' : 'script'
    const path = resolveFromManifest(node, relative)
    if ((await stat(path).catch(() => undefined))?.isFile() !== true) {
      error([...at, key], APP_CODES.missing, `no such ${key === 'file' ? 'test file' : 'k6 script'}: '${relative}' (relative to ${node.file})`)
    } else if (key === 'file') {
      // Shown the way the manifest is: relative to the same directory.
      const shown = join(dirname(node.file), relative)
      diagnostics.push(...parseTestText(await readFile(path, 'utf8'), { file: shown }).diagnostics)
    }
  }
  for (const [path, headers] of headerLayers) {
    for (const [header, value] of Object.entries(headers ?? {})) {
      for (const [, secret] of value.matchAll(SECRET_REF_RE)) {
        if (secret !== undefined && !secrets.has(secret)) {
          error([...path, header], APP_CODES.reference, `header '${header}' refers to secret '${secret}', which neither ` +
            'this app nor its ancestors declare in spec.secrets')
        }
      }
    }
  }
}

/** Cycles among siblings' dependsOn, each reported once, naming the whole cycle. */
function dependencyCycles (tree: AppTree): Diagnostic[] {
  const diagnostics: Diagnostic[] = []
  const reported = new Set<string>()
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (node: AppNode, stack: AppNode[]): void => {
    if (state.get(node.name) === 'done') return
    if (state.get(node.name) === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(node)), node]
      const key = cycle.slice(0, -1).map((n) => n.name).sort().join(',')
      if (!reported.has(key)) {
        reported.add(key)
        const first = cycle[0] ?? node
        const i = (first.manifest.spec.dependsOn ?? []).indexOf(cycle[1]?.name ?? '')
        diagnostics.push({ severity: 'error', code: APP_CODES.cycle, file: first.file, path: `spec.dependsOn.${i}`,
          line: first.lineOf(['spec', 'dependsOn', i]),
          message: `dependency cycle: ${cycle.map((n) => `${n.name} (${n.file})`).join(' -> ')}` })
      }
      return
    }
    state.set(node.name, 'visiting')
    for (const name of node.manifest.spec.dependsOn ?? []) {
      const dep = tree.apps.get(name)
      if (dep !== undefined && dep.parent === node.parent && dep !== node) visit(dep, [...stack, node])
    }
    state.set(node.name, 'done')
  }
  for (const node of tree.apps.values()) visit(node, [])
  return diagnostics
}

/** Children of `node` in an order where each comes after what it depends on (siblings in file order otherwise). */
export function dependencyOrder (node: AppNode): AppNode[] {
  const order: AppNode[] = []
  const placed = new Set<string>()
  const place = (child: AppNode, seen: Set<string>): void => {
    if (placed.has(child.name) || seen.has(child.name)) return
    seen.add(child.name)
    for (const name of child.manifest.spec.dependsOn ?? []) {
      const dep = node.children.find((c) => c.name === name)
      if (dep !== undefined) place(dep, seen)
    }
    placed.add(child.name)
    order.push(child)
  }
  for (const child of node.children) place(child, new Set())
  return order
}
