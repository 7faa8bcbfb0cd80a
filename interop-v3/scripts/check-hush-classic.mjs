#!/usr/bin/env node
// check-hush-classic.mjs DIR EXPECTED
//
// Reads the selftest tables run-hush-classic.sh wrote to DIR
// (selftest-<A>-<B>.json), compares every scenario's outcome with EXPECTED
// (hush-classic-expected.txt: the failures that must happen, every other
// scenario must pass), takes the "N passed, N failed" line of DIR's other
// logs (drive-*.txt, replay-*.txt, oldmemo.txt: all must pass), writes
// DIR/matrix-hush.md and prints one line per unexpected outcome.
// Exit status 0 iff every outcome was the expected one.
import fs from 'node:fs';
import path from 'node:path';

const [dir, expectedFile] = process.argv.slice(2);
if (!dir || !expectedFile) {
  process.stderr.write('usage: check-hush-classic.mjs DIR EXPECTED\n');
  process.exit(2);
}
const expected = new Map();
for (const line of fs.readFileSync(expectedFile, 'utf8').split('\n')) {
  const t = line.trim();
  if (!t || t.startsWith('#')) continue;
  const [a, b, scenario, ...why] = t.split(/\s+/);
  expected.set(`${a}|${b}|${scenario}`, why.join(' '));
}
const seen = new Set();
const names = {
  hush: 'hush (hush-peer --classic)', c: 'libsignal-protocol-c 2.3.3', 'omemo-c': 'libomemo-c 0.5.0',
  npm: 'npm libsignal 6.0.0', axolotl: 'python-axolotl 0.2.3',
};
const runs = fs.readdirSync(dir).filter((f) => /^selftest-.*\.json$/.test(f)).sort().map((f) => {
  const [a, b] = f.replace(/^selftest-|\.json$/g, '').split('~');
  return { ...JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")), a, b };
});
const unexpected = [];
const lines = [];
lines.push('# Classic (version-3) matrix with hush', '');
lines.push('Written by `interop-v3/run-hush-classic.sh`. A = initiator in `*_a_to_b` scenarios (sender in the one-way ones), B = receiver; `migrate_session` moves B to the C party (= A\'s implementation) and back.');
lines.push('`ok` = passed as expected, `FAIL (expected)` = the other library\'s documented defect (hush-classic-expected.txt), **UNEXPECTED** = a regression.', '');
lines.push('Peers: ' + Object.entries(names).map(([k, v]) => `\`${k}\` = ${v}`).join(', ') + '.', '');
const scen = [...new Set(runs.flatMap((r) => r.results.map((x) => x.name)))];
lines.push(`| scenario | ${runs.map((r) => `${r.a}→${r.b}`).join(' | ')} |`);
lines.push(`| --- | ${runs.map(() => '---').join(' | ')} |`);
for (const s of scen) {
  const cells = runs.map((r) => {
    const x = r.results.find((y) => y.name === s);
    if (!x || x.status === 'SKIP') return '–';
    const key = `${r.a}|${r.b}|${s}`;
    seen.add(key);
    const wantFail = expected.has(key);
    const pass = x.status === 'PASS';
    if (pass && !wantFail) return 'ok';
    if (!pass && wantFail) return 'FAIL (expected)';
    unexpected.push(`${r.a}→${r.b} ${s}: ${pass ? 'passed, but listed as an expected failure' : `FAILED: ${x.detail}`}`);
    return '**UNEXPECTED**';
  });
  lines.push(`| ${s} | ${cells.join(' | ')} |`);
}
lines.push(`| **passed / run** | ${runs.map((r) => `${r.passed}/${r.passed + r.failed}`).join(' | ')} |`, '');
const pairs = new Set(runs.map((r) => `${r.a}|${r.b}`));
for (const [key, why] of expected) {
  const [a, b] = key.split('|');
  if (pairs.has(`${a}|${b}`) && !seen.has(key)) lines.push(`(not run: ${key.replaceAll('|', ' ')} — ${why})`);
}
lines.push('## Drivers', '', '| run | outcome |', '| --- | --- |');
for (const f of fs.readdirSync(dir).filter((f) => /\.txt$/.test(f) && !f.startsWith('selftest-')).sort()) {
  const text = fs.readFileSync(path.join(dir, f), 'utf8').trim().split('\n');
  const last = text[text.length - 1] ?? '';
  const m = /^(\d+) passed, (\d+) failed$/.exec(last);
  if (!m) {
    unexpected.push(`${f}: no "N passed, N failed" line (last line: ${last.slice(0, 200)})`);
    lines.push(`| ${f} | **did not finish** |`);
  } else {
    if (Number(m[2]) !== 0 || Number(m[1]) === 0) unexpected.push(`${f}: ${last}`);
    lines.push(`| ${f.replace(/\.txt$/, '')} | ${last} |`);
  }
}
lines.push('', '## Expected failures (other libraries\' defects)', '');
for (const [key, why] of expected) lines.push(`- ${key.replaceAll('|', ' ')}: ${why}`);
lines.push('', unexpected.length ? `## Unexpected outcomes\n\n${unexpected.map((u) => `- ${u}`).join('\n')}` : 'No unexpected outcome.');
fs.writeFileSync(path.join(dir, 'matrix-hush.md'), lines.join('\n') + '\n');
for (const u of unexpected) console.log(`UNEXPECTED ${u}`);
console.log(`check-hush-classic: ${runs.length} selftest pairs, ${unexpected.length} unexpected outcome(s) (${path.join(dir, 'matrix-hush.md')})`);
process.exit(unexpected.length ? 1 : 0);
