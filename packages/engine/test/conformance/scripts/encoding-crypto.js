import { check } from 'k6'
import encoding from 'k6/encoding'
import crypto from 'k6/crypto'

export const options = { iterations: 1 }

export default function () {
  check(null, {
    'b64encode': () => encoding.b64encode('hello?') === 'aGVsbG8/',
    'b64encode url': () => encoding.b64encode('hello?', 'rawurl') === 'aGVsbG8_',
    'b64decode': () => encoding.b64decode('aGVsbG8/', 'std', 's') === 'hello?',
    'md5': () => crypto.md5('abc', 'hex') === '900150983cd24fb0d6963f7d28e17f72',
    'sha1': () => crypto.sha1('abc', 'hex') === 'a9993e364706816aba3e25717850c26c9cd0d89d',
    'sha256': () => crypto.sha256('abc', 'hex') === 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    'sha512 base64': () => crypto.sha512('abc', 'base64').length === 88,
    'hmac': () => crypto.hmac('sha256', 'key', 'The quick brown fox jumps over the lazy dog', 'hex') ===
      'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    'random bytes': () => crypto.randomBytes(8).byteLength === 8,
  })
}
