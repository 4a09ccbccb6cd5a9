// Speak a list of words with GnuSpeech (@echogarden/gnuspeech-wasm) in one node process, for tinyslm/data/gnuspeech.py.
// Usage: node gnuspeech_say.mjs PACKAGE_DIR JOBS.json
//   PACKAGE_DIR: the package's folder (.../node_modules/@echogarden/gnuspeech-wasm)
//   JOBS.json: [{"text": "yes", "voice": "male", "tempo": 1.0, "seed": 7, "out": "/tmp/x.wav"}, ...]
// Each job becomes a WAV file (44.1 kHz, 16-bit, mono). GnuSpeech draws its random intonation and pitch drift from
// the WASM module's entropy source (crypto.getRandomValues); it is replaced by a small PRNG reseeded with the job's
// seed before each word, so the same job gives the same bytes in any process and in any order.
// Exit 3: the package cannot be loaded.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

let state = 0
function next() { // mulberry32
  state = (state + 0x6D2B79F5) | 0
  let t = Math.imul(state ^ (state >>> 15), 1 | state)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return (t ^ (t >>> 14)) >>> 0
}
if (typeof globalThis.crypto !== 'object') globalThis.crypto = {} // node 18 has no global Web Crypto
Object.defineProperty(globalThis.crypto, 'getRandomValues', {
  configurable: true,
  value: (view) => {
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
    for (let i = 0; i < bytes.length; i++) bytes[i] = next() & 0xff
    return view
  },
})

const [pkgDir, jobsPath] = process.argv.slice(2)
let synthesize
try {
  const main = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).main
  ;({ synthesize } = await import(pathToFileURL(join(pkgDir, main)).href))
} catch (e) {
  process.stderr.write(`cannot load @echogarden/gnuspeech-wasm from ${pkgDir}: ${e.message}\n`)
  process.exit(3)
}
for (const job of JSON.parse(readFileSync(jobsPath, 'utf8'))) {
  state = job.seed | 0
  const { audioData } = await synthesize(job.text, { voice: job.voice, tempo: job.tempo })
  writeFileSync(job.out, audioData)
}
