// ESLint rule `arx/main-zones`: the layering inside electron/main. Every file sits in one zone of an ordered
// table (lowest first); an import may go down the table or stay in its own unit, never up. Two different units
// of one zone may import each other only where the table lists the pair as peers.
//
// Options: { root, zones: [{ name, members }], peers: [{ from, to, why }], allowlist: [{ file, imports, why }] }
//   a peer's `from` is a unit, or '*' for every unit of the zone of `to`
//   member 'x/'           a folder of root, with everything under it
//   member 'x.ts'         one file (a path under root)
//   member '**/name.ts'   every file of that name in any folder ('*' matches within the name); its unit is
//                         the folder it sits in, named 'folder/ [zone]' so a peer pair of folders does not cover it
// A file path beats a name pattern, and a name pattern beats a folder. Imports are resolved from the
// importing file's path, so the rule needs no file system and lints virtual paths (the fixtures) alike.
import path from 'node:path';

const SOURCE_EXTENSIONS = /\.(ts|tsx|js|mjs|cjs)$/;

function toPosix(p) {
  return p.split(path.sep).join('/');
}

function namePattern(member) {
  const glob = member.slice('**/'.length).replace(SOURCE_EXTENSIONS, '');
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
  return new RegExp(`^${escaped}$`);
}

/** Compiles the zone table into a classifier: path under root (posix, no extension) -> { zone, rank, unit }. */
function compile(zones) {
  const files = new Map();
  const names = [];
  const folders = new Map();
  zones.forEach(({ name, members }, rank) => {
    for (const member of members) {
      const zone = { zone: name, rank };
      if (member.startsWith('**/')) names.push({ ...zone, test: namePattern(member) });
      else if (member.endsWith('/')) folders.set(member.slice(0, -1), { ...zone, unit: member });
      else files.set(member.replace(SOURCE_EXTENSIONS, ''), { ...zone, unit: member });
    }
  });
  return (rel) => {
    const file = files.get(rel);
    if (file) return file;
    const slash = rel.lastIndexOf('/');
    const dir = slash < 0 ? '' : rel.slice(0, slash);
    const byName = names.find((n) => n.test.test(rel.slice(slash + 1)));
    if (byName) return { zone: byName.zone, rank: byName.rank, unit: `${dir}/ [${byName.zone}]` };
    const folder = folders.get(rel.split('/')[0]);
    return folder ?? null;
  };
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports inside electron/main go down the zone table, never up.' },
    schema: [{ type: 'object', additionalProperties: true }],
  },
  create(context) {
    const { root, zones, peers = [], allowlist = [] } = context.options[0];
    const rootDir = path.resolve(context.cwd, root);
    const filename = path.resolve(context.cwd, context.filename);
    const fromRel = toPosix(path.relative(rootDir, filename));
    if (fromRel.startsWith('..') || path.isAbsolute(fromRel)) return {};
    const classify = compile(zones);
    const here = fromRel.replace(SOURCE_EXTENSIONS, '');
    const from = classify(here);
    const relFile = toPosix(path.relative(context.cwd, filename));
    const allowed = allowlist.filter((a) => a.file === relFile);
    const used = new Set();

    function check(node, spec) {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = toPosix(path.relative(rootDir, path.resolve(path.dirname(filename), spec)));
      if (target.startsWith('..')) return;
      const to = classify(target.replace(SOURCE_EXTENSIONS, ''));
      if (!to) {
        context.report({ node, message: `${root}/${target} is in no zone of the layering table: place it there.` });
        return;
      }
      if (!from) return;
      const upward = to.rank > from.rank;
      const sideways = to.rank === from.rank && to.unit !== from.unit;
      if (!upward && !sideways) return;
      if (sideways && peers.some((p) => (p.from === '*' || p.from === from.unit) && p.to === to.unit)) return;
      const exempt = allowed.find((a) => a.imports === target.replace(SOURCE_EXTENSIONS, ''));
      if (exempt) {
        used.add(exempt);
        return;
      }
      const message = upward
        ? `${from.unit} (zone ${from.zone}) may not import ${target}: zone ${to.zone} is higher. ` +
          'Move the code down or inject it from the composition root.'
        : `${from.unit} may not import ${target}: ${to.unit} is another unit of zone ${from.zone}, ` +
          'and the zone table does not list the pair as peers.';
      context.report({ node, message });
    }

    const source = (node) => check(node, node.source?.value);
    return {
      Program(node) {
        if (!from)
          context.report({ node, message: `${root}/${fromRel} is in no zone of the layering table: place it there.` });
      },
      ImportDeclaration: source,
      ExportNamedDeclaration: source,
      ExportAllDeclaration: source,
      ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source.value : undefined),
      TSImportType: (node) => check(node, node.argument?.literal?.value),
      'Program:exit'(node) {
        for (const entry of allowed) {
          if (!used.has(entry))
            context.report({
              node,
              message: `Stale layering allowlist entry: ${entry.file} -> ${entry.imports}; remove it.`,
            });
        }
      },
    };
  },
};

export default { rules: { 'main-zones': rule } };
