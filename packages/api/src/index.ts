/** Wire contract of the control plane. Agents may lag the server by a version, so the contract is versioned. */
export * from './v1/index.js'
