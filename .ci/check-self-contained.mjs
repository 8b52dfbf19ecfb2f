#!/usr/bin/env node
// Fails when a source, test or benchmark file reads a path outside the repository, so that a fresh clone with
// nothing beside it passes its own tests. Every relative path literal ('../…') is resolved from its file's
// folder and must stay inside the repository; names of known outside folders are refused outright.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, relative, resolve, sep } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..')
const SCANNED = ['packages', 'e2e', 'bench']
const CODE = /\.(?:[cm]?[jt]s|tsx)$/
// Folders that exist beside a working copy on some machines but never in a fresh clone.
const FORBIDDEN = [/(?:^|[^\w.-])\.\.\/shared\//, /\bshared\/fixtures\b/]
const RELATIVE_LITERAL = /(['"`])(\.\.\/[^'"`\n]*)\1/g

const files = execFileSync('git', ['ls-files', '--', ...SCANNED], { cwd: ROOT, encoding: 'utf8' })
  .split('\n').filter((file) => CODE.test(file))
const problems = []
for (const file of files) {
  const lines = readFileSync(resolve(ROOT, file), 'utf8').split('\n')
  lines.forEach((line, index) => {
    const where = `${file}:${index + 1}`
    if (FORBIDDEN.some((pattern) => pattern.test(line))) {
      problems.push(`${where}: names a folder outside the repository: ${line.trim()}`)
    }
    for (const match of line.matchAll(RELATIVE_LITERAL)) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), match[2]))
      if (target === '..' || target.startsWith(`..${sep}`)) {
        problems.push(`${where}: "${match[2]}" resolves outside the repository (${target})`)
      }
    }
  })
}
if (problems.length > 0) {
  console.error(`Files read outside the repository; copy what they need into it (e.g. fixtures/):\n${problems.join('\n')}`)
  process.exit(1)
}
console.log(`Self-contained: ${files.length} files under ${SCANNED.join(', ')} read nothing outside the repository`)
