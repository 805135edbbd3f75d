import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import * as cedar from '../policy/cedar-node';
import { ArxFailure } from '../../../shared/contract';
import { PolicyTestSchema } from '../../../shared/contract/domains/policy-lifecycle';
import {
  canonicalText,
  GATEWAY_SCHEMA,
  policyVersionDigest,
  validatePolicies,
  type PolicyDiagnostic,
} from '../../../shared/policy';
import { runPolicyTests } from '../../../shared/policy/policy-tests';
import { EXIT_CANNOT_RUN, EXIT_CHECK_FAILED, EXIT_OK, type CliCommand } from './cli-command';

/**
 * `arx policy check PATH`: a policy directory as officers keep it under version
 * control, checked like a compiler would.
 *
 *   PATH/policies/*.cedar      the policy set (files in name order; one version is their concatenation)
 *   PATH/schema.cedarschema    optional; the gateway schema when absent
 *   PATH/tests/*.json          optional; each a JSON array of tests (PolicyTestSchema)
 *
 * Every finding is one line `file:line:column: CODE message` (columns in characters, 1-based).
 * Exit 0: valid and every test passes (warnings allowed); 1: errors or failing tests; 2: the
 * directory cannot be used (missing, no policies, unreadable files).
 */

export interface PolicyDirectory {
  files: { path: string; text: string; startLine: number; lines: number }[];
  text: string;
  schema: string;
  schemaPath: string | null;
  tests: { file: string; index: number; line: number; test: unknown }[];
  problems: string[];
}

const listFiles = (dir: string, ext: string): string[] =>
  existsSync(dir) && statSync(dir).isDirectory()
    ? readdirSync(dir)
        .filter((f) => f.endsWith(ext))
        .sort()
        .map((f) => join(dir, f))
    : [];

/** Reads a policy directory; ArxFailure INVALID_REQUEST when it cannot be used at all. */
export function readPolicyDirectory(root: string): PolicyDirectory {
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new ArxFailure('INVALID_REQUEST', `${root} is not a directory.`, { path: root });
  const policyFiles = listFiles(join(root, 'policies'), '.cedar');
  if (policyFiles.length === 0)
    throw new ArxFailure('INVALID_REQUEST', `${root} has no policies/*.cedar files.`, { path: join(root, 'policies') });
  const files: PolicyDirectory['files'] = [];
  let line = 1;
  const parts: string[] = [];
  for (const path of policyFiles) {
    let text = canonicalText(readFileSync(path, 'utf8'));
    if (!text.endsWith('\n')) text += '\n';
    const lines = text.split('\n').length - 1;
    files.push({ path, text, startLine: line, lines });
    parts.push(text);
    line += lines;
  }
  const schemaPath = join(root, 'schema.cedarschema');
  const hasSchema = existsSync(schemaPath);
  const schema = hasSchema ? canonicalText(readFileSync(schemaPath, 'utf8')) : GATEWAY_SCHEMA;
  const tests: PolicyDirectory['tests'] = [];
  const problems: string[] = [];
  for (const file of listFiles(join(root, 'tests'), '.json')) {
    const raw = readFileSync(file, 'utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (e) {
      const m = /position (\d+)/.exec(String(e));
      const at = m ? lineColumn(raw, Number(m[1])) : { line: 1, column: 1 };
      problems.push(`${file}:${at.line}:${at.column}: POLICY_TEST_INVALID ${(e as Error).message}`);
      continue;
    }
    if (!Array.isArray(parsed)) {
      problems.push(`${file}:1:1: POLICY_TEST_INVALID a test file is a JSON array of tests`);
      continue;
    }
    parsed.forEach((test, index) => {
      // Where the test starts: the index-th top-level object of the array (good enough for a pointer).
      const name = (test as { name?: unknown })?.name;
      const at = typeof name === 'string' ? raw.indexOf(JSON.stringify(name)) : -1;
      tests.push({ file, index, line: at >= 0 ? lineColumn(raw, at).line : 1, test });
    });
  }
  return { files, text: parts.join(''), schema, schemaPath: hasSchema ? schemaPath : null, tests, problems };
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = [...before.slice(before.lastIndexOf('\n') + 1)].length + 1;
  return { line, column };
}

/** The file, line and column of a diagnostic located in the concatenated policy text. */
function where(dir: PolicyDirectory, d: PolicyDiagnostic, root: string): string {
  const rel = (p: string) => relative(process.cwd(), p) || p;
  if (d.source === 'schema')
    return `${rel(dir.schemaPath ?? join(root, 'schema.cedarschema'))}:${d.location?.line ?? 1}:${d.location?.column ?? 1}`;
  const line = d.location?.line ?? 1;
  const file =
    dir.files.find((f) => line >= f.startLine && line < f.startLine + f.lines) ?? dir.files[dir.files.length - 1]!;
  return `${rel(file.path)}:${line - file.startLine + 1}:${d.location?.column ?? 1}`;
}

export interface PolicyCheckReport {
  lines: string[];
  errors: number;
  warnings: number;
  tests: { passed: number; failed: number; errored: number };
  version: { sha256: string; blake3: string } | null;
}

export function checkPolicyDirectory(root: string): PolicyCheckReport {
  const dir = readPolicyDirectory(root);
  const lines: string[] = [...dir.problems];
  let errors = dir.problems.length;
  const report = validatePolicies(cedar, dir.text, dir.schema);
  for (const d of report.errors) lines.push(`${where(dir, d, root)}: ${d.code} ${d.message}`);
  for (const d of report.warnings) lines.push(`${where(dir, d, root)}: ${d.code} ${d.message}`);
  errors += report.errors.length;
  const valid: { name: string; request: never; expect: never }[] = [];
  const origin = new Map<string, string>();
  for (const t of dir.tests) {
    const parsed = PolicyTestSchema.safeParse(t.test);
    const rel = relative(process.cwd(), t.file) || t.file;
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      lines.push(
        `${rel}:${t.line}:1: POLICY_TEST_INVALID test ${t.index + 1}: ${issue.path.join('.') || '(test)'}: ${issue.message}`,
      );
      errors++;
      continue;
    }
    valid.push(parsed.data as never);
    origin.set(parsed.data.name, `${rel}:${t.line}:1`);
  }
  const tests = { passed: 0, failed: 0, errored: 0 };
  if (report.ok && valid.length > 0) {
    const run = runPolicyTests(cedar, dir.text, valid);
    for (const r of run.results) {
      if (r.status === 'pass') continue;
      lines.push(
        `${origin.get(r.name) ?? root}: ${r.status === 'fail' ? 'POLICY_TEST_FAILED' : 'POLICY_TEST_ERROR'} ${r.name}: ${r.message}`,
      );
    }
    tests.passed = run.passed;
    tests.failed = run.failed;
    tests.errored = run.errored;
  } else if (valid.length > 0) {
    tests.errored = valid.length;
    lines.push(`${root}: POLICY_TEST_ERROR ${valid.length} test(s) not run: the policies have validation errors`);
  }
  const clean = errors === 0 && tests.failed === 0 && tests.errored === 0;
  const version = clean ? policyVersionDigest({ policies: dir.text, schema: dir.schema, tests: valid }) : null;
  return { lines, errors, warnings: report.warnings.length, tests, version };
}

export const policyCheck: CliCommand = {
  name: ['policy', 'check'],
  summary:
    'Validate a policy directory (policies/*.cedar, schema.cedarschema, tests/*.json) and run its tests, like a compiler.',
  usage: 'arx policy check PATH [--json]',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { json: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) {
      io.err('INVALID_REQUEST: give exactly one policy directory: arx policy check PATH');
      return EXIT_CANNOT_RUN;
    }
    let r: PolicyCheckReport;
    try {
      r = checkPolicyDirectory(positionals[0]!);
    } catch (err) {
      if (err instanceof ArxFailure) {
        io.err(`${err.code}: ${err.message}`);
        return EXIT_CANNOT_RUN;
      }
      throw err;
    }
    const failed = r.errors > 0 || r.tests.failed > 0 || r.tests.errored > 0;
    if (values.json) io.out(JSON.stringify(r, null, 2));
    else {
      for (const l of r.lines) io.out(l);
      const t = r.tests;
      io.out(
        `${failed ? 'FAILED' : 'OK'}: ${r.errors} error(s), ${r.warnings} warning(s); tests ${t.passed} passed, ${t.failed} failed, ${t.errored} with errors` +
          (r.version ? `; version sha256 ${r.version.sha256}` : ''),
      );
    }
    return failed ? EXIT_CHECK_FAILED : EXIT_OK;
  },
};
