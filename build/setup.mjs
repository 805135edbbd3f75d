// `npm run setup`: prepares a fresh Debian machine to run and test ARX Console. Uses nothing but
// Node built-ins (dependencies are not installed yet when it runs).
//   1. Debian packages: chromium (the console runs in it when there is no Electron binary),
//      softhsm2 + opensc (demo and test smart cards), pcscd + vsmartcard-vpcd + pcsc-tools (the real
//      card stack the virtual PIV card tests run on), b3sum + openssl (auditor interop checks).
//   2. npm ci, with the Electron binary download skipped (air-gapped: it cannot be fetched).
//   3. npm run build.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const APT = [
  'chromium',
  'softhsm2',
  'opensc',
  'pcscd',
  'vsmartcard-vpcd',
  'pcsc-tools',
  'b3sum',
  'openssl',
  'postgresql',
];
const run = (cmd, args, env = {}) => {
  console.log(`> ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.error(`setup: "${cmd} ${args.join(' ')}" failed (exit ${r.status}).`);
    process.exit(2);
  }
};

const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  console.error(`setup: Node 20 or newer is needed; this is ${process.version}.`);
  process.exit(2);
}

const missing = APT.filter((p) => {
  try {
    execFileSync('dpkg-query', ['-W', '-f=${Status}', p], { stdio: ['ignore', 'pipe', 'ignore'] });
    return false;
  } catch {
    return true;
  }
});
if (missing.length > 0) {
  if (process.getuid?.() === 0) {
    run('apt-get', ['update', '-q']);
    run('apt-get', ['install', '-y', '-q', ...missing], { DEBIAN_FRONTEND: 'noninteractive' });
  } else if (existsSync('/usr/bin/sudo')) {
    run('sudo', ['apt-get', 'install', '-y', '-q', ...missing], { DEBIAN_FRONTEND: 'noninteractive' });
  } else {
    console.error(`setup: please install these Debian packages first: apt-get install -y ${missing.join(' ')}`);
    process.exit(2);
  }
}

run('npm', ['ci', '--no-fund', '--no-audit'], { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
run('npm', ['run', 'build', '--silent']);
console.log('setup: done. Start the console with `npm start`; run the tests with `npm test`.');
