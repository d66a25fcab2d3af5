// Tokenizes every .flow file in the repository with the VS Code TextMate grammar
// (editors/vscode/syntaxes/dandori.tmLanguage.json) using the tokenizer VS Code itself
// uses (vscode-textmate + vscode-oniguruma), and fails when the grammar has rotted:
//   - a file leaves the tokenizer inside a string, comment or interpolation at its end,
//     or a line of a valid file holds a token scoped invalid.*;
//   - a keyword of grammar/Flow.g4 is not highlighted as a keyword;
//   - the spot checks below (comments, strings, interpolation, units, operators) fail.
// Usage: node tokenize.js REPO_ROOT
'use strict';
const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const root = path.resolve(process.argv[2] || '../..');
const grammarPath = path.join(root, 'editors/vscode/syntaxes/dandori.tmLanguage.json');
let failures = 0;
function fail(msg) {
  failures++;
  console.error('FAIL ' + msg);
}

function flowFiles(dir, out) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name === 'node_modules' || /^build/.test(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) flowFiles(p, out);
    else if (e.name.endsWith('.flow')) out.push(p);
  }
  return out;
}

function tokenize(grammar, text) {
  let stack = vsctm.INITIAL;
  const lines = [];
  for (const line of text.split(/\r?\n/)) {
    const r = grammar.tokenizeLine(line, stack);
    lines.push(r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes })));
    stack = r.ruleStack;
  }
  return { lines, end: stack };
}

// Scopes of the first token whose text is `text` on a line containing `context`.
function scopesOf(result, context, text) {
  for (const line of result.lines) {
    const joined = line.map((t) => t.text).join('');
    if (!joined.includes(context)) continue;
    for (const t of line) if (t.text.trim() === text) return t.scopes.join(' ');
  }
  return null;
}

async function main() {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (p) => new oniguruma.OnigScanner(p),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope) =>
      scope === 'source.dandori'
        ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath)
        : null,
  });
  const grammar = await registry.loadGrammar('source.dandori');

  // 1. Every .flow in the repository. Files in tests/ may be deliberately broken: only
  //    the end state is checked there; elsewhere no invalid token is allowed either.
  const files = flowFiles(root, []);
  if (files.length < 20) fail(`only ${files.length} .flow files found under ${root}`);
  for (const f of files) {
    const rel = path.relative(root, f);
    const text = fs.readFileSync(f, 'utf8');
    const r = tokenize(grammar, text);
    const negative = rel.startsWith('tests' + path.sep) || rel.startsWith('bench' + path.sep);
    if (!negative && r.end.depth !== 1) {
      fail(`${rel}: the file ends inside a string, comment or interpolation`);
    }
    if (negative) continue;
    r.lines.forEach((line, i) => {
      for (const t of line) {
        if (t.scopes.some((s) => s.startsWith('invalid'))) {
          fail(`${rel}:${i + 1}: '${t.text}' is scoped ${t.scopes.join(' ')}`);
        }
      }
    });
  }

  // 2. Every keyword of the compiler's grammar is highlighted as one.
  const g4 = fs.readFileSync(path.join(root, 'grammar/Flow.g4'), 'utf8');
  const keywords = [...g4.matchAll(/^[A-Z_]+\s*:\s*'([a-z]+)'\s*;/gm)].map((m) => m[1]);
  if (keywords.length < 30) fail(`only ${keywords.length} keywords read from grammar/Flow.g4`);
  for (const k of keywords) {
    const scopes = tokenize(grammar, `x ${k} y`).lines[0].find((t) => t.text === k);
    const s = scopes ? scopes.scopes.join(' ') : '';
    if (!/keyword|constant\.language|storage/.test(s)) fail(`keyword '${k}' is scoped '${s}'`);
  }

  // 3. Spot checks on the deploy workflow.
  const deploy = tokenize(grammar, fs.readFileSync(path.join(root, 'workflows/camera_server_deploy.flow'), 'utf8'));
  const expect = [
    ['workflow camera_server_deploy', 'workflow', 'storage.type.workflow'],
    ['workflow camera_server_deploy', 'camera_server_deploy', 'entity.name.type.workflow'],
    ['stage inv =', 'inv', 'entity.name.function.stage'],
    ['stage inv =', 'inventory', 'entity.name.function.operator'],
    ['stage inv =', '// zones -> servers, from YAML or JSON', 'comment.line'],
    ['fanout zone in', 'fanout', 'keyword.control'],
    ['window 5%', '5%', 'constant.numeric.percent'],
    ['keep 90% serving', 'keep', 'keyword.other.clause.dandori'],
    ['stall: duration = 1h', '1h', 'constant.numeric.unit'],
    ['stall: duration = 1h', 'duration', 'support.type'],
    ['deploy ${version}', 'version', 'meta.interpolation'],
    ['deploy ${version}', '${', 'punctuation.section.interpolation.begin'],
    ['env.ALERT_URL !=', 'ALERT_URL', 'variable.other.env'],
    ['when env.ALERT_URL', 'null', 'constant.language'],
  ];
  for (const [context, text, scope] of expect) {
    const s = scopesOf(deploy, context, text);
    if (!s || !s.includes(scope)) fail(`'${text}' on the line with '${context}' is scoped '${s}', want ${scope}`);
  }
  const broken = tokenize(grammar, 'stage a = noop()\n/* never closed\nstage b = noop()');
  if (broken.end.depth === 1) fail('an unclosed /* should leave the tokenizer in a comment');

  console.log(`${files.length} .flow files and ${keywords.length} keywords checked; ${failures} failures`);
  process.exit(failures ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
