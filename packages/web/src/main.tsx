export const PLACEHOLDER = true
