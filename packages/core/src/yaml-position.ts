import { isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml'

/**
 * Offset of the node a path names in a parsed YAML document: the key of a map entry (where people look), else the
 * value or item; the deepest existing ancestor when the path goes further than the document.
 */
export function yamlOffsetOf (doc: Document, path: readonly PropertyKey[]): number | undefined {
  let node: unknown = doc.contents
  let best: number | undefined = rangeStart(node)
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment))
      if (pair === undefined) return best
      best = rangeStart(pair.key) ?? best
      node = pair.value
    } else if (isSeq(node) && /^\d+$/.test(String(segment))) {
      node = node.items[Number(segment)]
      best = rangeStart(node) ?? best
    } else {
      return best
    }
  }
  return best
}

function rangeStart (node: unknown): number | undefined {
  return (node as Node | null)?.range?.[0]
}
