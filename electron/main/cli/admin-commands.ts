import { parseArgs } from 'node:util';
import { ArxFailure } from '../../../shared/contract';
import { isUuid } from '../../../shared/ids';
import { readCertificateUpload } from '../administration/card-certificates';
import { EXIT_OK, type CliCommand } from './cli-command';
import { CARD_OPTIONS, CARD_USAGE, withOperator, type CliConsole } from './operator-login';

/**
 * Enrolment verbs for an administrator at the console's workstation, with their card in the
 * reader: the certificate files are read and checked here (regular file, 256 KiB, readable X.509)
 * before the PIN is asked for, then sent through the registry like the Administration screen does.
 */

const MAX_FILES = 4;

function certificateFiles(files: readonly string[] | undefined) {
  if (!files || files.length === 0) throw new ArxFailure('INVALID_REQUEST', 'Name the card’s --cert FILE.');
  if (files.length > MAX_FILES)
    throw new ArxFailure('INVALID_REQUEST', `At most ${MAX_FILES} --cert files: one card’s certificates.`, {
      path: 'cert',
    });
  return files.map(readCertificateUpload);
}

/** The operator an EDIPI or an operator id names, as the administrator's session lists them. */
async function operatorOf(c: CliConsole, ref: string): Promise<{ operatorId: string; edipi: string }> {
  const found = (await c.call('admin.operatorList', {})).find((o) => o.edipi === ref || o.operatorId === ref);
  if (!found) throw new ArxFailure('NOT_FOUND', `No operator ${ref}.`, { path: 'operator' });
  return found;
}

export const adminEnrol: CliCommand = {
  name: ['admin', 'enrol'],
  summary: 'Enrol a card holder from their certificate files (administrator, card-signed).',
  usage: `arx admin enrol --cert FILE [--cert FILE] ${CARD_USAGE} [--json]`,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { cert: { type: 'string', multiple: true }, json: { type: 'boolean' }, ...CARD_OPTIONS },
      strict: true,
    });
    const files = certificateFiles(values.cert);
    const r = await withOperator(io, values, (c, pin) => c.call('admin.operatorEnrol', { files, pin }));
    io.out(
      values.json
        ? JSON.stringify(r, null, 2)
        : `Enrolled ${r.displayName} (EDIPI ${r.edipi}): operator ${r.operatorId}.`,
    );
    return EXIT_OK;
  },
};

export const adminReenrol: CliCommand = {
  name: ['admin', 'reenrol'],
  summary: 'Re-enrol an operator after a card change: the new card’s certificates, the old ones retired.',
  usage: `arx admin reenrol --operator EDIPI|ID --cert FILE [--cert FILE] ${CARD_USAGE} [--json]`,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        operator: { type: 'string' },
        cert: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        ...CARD_OPTIONS,
      },
      strict: true,
    });
    const ref = values.operator ?? '';
    if (!/^[0-9]{10}$/.test(ref) && !isUuid(ref))
      throw new ArxFailure('INVALID_REQUEST', '--operator is the operator’s EDIPI (10 digits) or id.', {
        path: 'operator',
      });
    const files = certificateFiles(values.cert);
    const r = await withOperator(io, values, async (c, pin) => {
      const { operatorId } = await operatorOf(c, ref);
      return c.call('admin.operatorReenrol', { operatorId, files, pin });
    });
    io.out(
      values.json
        ? JSON.stringify(r, null, 2)
        : `Re-enrolled ${r.displayName} (EDIPI ${r.edipi}) with the new card; ${r.retired.length} certificates retired.`,
    );
    return EXIT_OK;
  },
};
