import { MANIFEST_PAYLOAD_TYPE } from '../../../shared/bundle';

export interface VerifyMdFacts {
  tenantId: string;
  tenantSlug: string;
  from: number;
  to: number;
  /** The checkpoint that proves the last event (its member name). */
  endCheckpoint: string;
}

/** The marker lines around the script, so that tests (and auditors) can cut it out. */
export const SCRIPT_BEGIN = '<!-- verify-script:begin -->';
export const SCRIPT_END = '<!-- verify-script:end -->';

/**
 * VERIFY.md: how to re-check the important parts of this bundle by hand with openssl, sha256sum
 * and b3sum (and coreutils), independently of ARX. Generated per bundle (tenant, range, member
 * names); the test runs the script with the real tools.
 */
export function verifyMd(f: VerifyMdFacts): string {
  return `# Verifying this ARX evidence bundle by hand

Tenant \`${f.tenantSlug}\` (\`${f.tenantId}\`), events seq ${f.from} … ${f.to}. Format: ARX bundle
version 1 (docs/bundle-format.md in the ARX Console repository). \`arx bundle verify\` checks
everything below and more (every event, link, proof, policy signature and decision); this page
lets you check the important parts yourself with standard tools, without trusting ARX.

Needs bash, coreutils (\`sha256sum\`, \`base64\`, \`od\`, \`head\`, \`tail\`, \`sed\`, \`stat\`), \`b3sum\`
and \`openssl\` 3.x. Extract the bundle (it is a plain POSIX tar) into an empty directory and run
the script there, with \`ARX_AUDITOR_ANCHORS\` set to a PEM file of **your own** trust anchors
(never anchors taken from the bundle). Every line it prints says what was checked and the result.

1. Every member against \`SHA256SUMS\` and \`B3SUMS\`, and each of their lines against the signed
   manifest (\`manifest.json\`).
2. The manifest's DSSE signature (PAE over \`manifest.json\`, SHA-256, the exporter's card key),
   the envelope's payload equal to \`manifest.json\`, and the exporter's certificate path to your
   anchors with the CRLs in the bundle.
3. The Ed25519 signature of \`${f.endCheckpoint}\` (the checkpoint that proves the last event) with
   the gateway key listed in \`gateway-keys.json\`.
4. The first event of the range: its digest \`d\` and chain hash \`h\` recomputed from its stored
   bytes (docs/chain-format.md §1).

${SCRIPT_BEGIN}
\`\`\`bash
set -euo pipefail
unhex() { printf "$(printf '%s' "$1" | sed 's/../\\\\x&/g')"; }   # hex -> raw bytes
hexof() { od -An -v -tx1 | tr -d ' \\n'; }                          # raw bytes -> hex
: "\${ARX_AUDITOR_ANCHORS:?set ARX_AUDITOR_ANCHORS to a PEM file of your trust anchors}"

# 1. Members.
sha256sum --quiet -c SHA256SUMS && echo "SHA256SUMS=OK"
b3sum --quiet -c B3SUMS && echo "B3SUMS=OK"
MISSING=0
while read -r H N; do
  grep -q "\\"name\\":\\"$N\\",\\"size\\":[0-9]*,\\"sha256\\":\\"$H\\"" manifest.json || { echo "NOT IN MANIFEST: $N"; MISSING=1; }
done < SHA256SUMS
[ "$MISSING" = 0 ] && echo "SUMS_IN_MANIFEST=OK"

# 2. The manifest signature (DSSE: PAE = "DSSEv1" SP len(type) SP type SP len(body) SP body).
KEYID=$(sed -n 's/.*"keyid":"\\([0-9a-f]\\{64\\}\\)".*/\\1/p' manifest.dsse.json)
sed -n 's/.*"sig":"\\([A-Za-z0-9+\\/=]*\\)".*/\\1/p' manifest.dsse.json | base64 -d > manifest.sig
sed -n 's/.*"payload":"\\([A-Za-z0-9+\\/=]*\\)".*/\\1/p' manifest.dsse.json | base64 -d | cmp -s - manifest.json && echo "ENVELOPE_PAYLOAD=OK"
TYPE='${MANIFEST_PAYLOAD_TYPE}'
{ printf 'DSSEv1 %d %s %d ' "\${#TYPE}" "$TYPE" "$(stat -c %s manifest.json)"; cat manifest.json; } > manifest.pae
[ "$(sha256sum manifest-signer.der | cut -c1-64)" = "$KEYID" ] && echo "SIGNER_KEYID=OK"
openssl x509 -inform DER -in manifest-signer.der -out signer.pem
openssl x509 -in signer.pem -pubkey -noout > signer.pub
echo "MANIFEST_SIGNATURE=$(openssl dgst -sha256 -verify signer.pub -signature manifest.sig manifest.pae)"
echo "SIGNER=$(openssl x509 -in signer.pem -noout -subject -nameopt RFC2253)"
: > bundle-certs.pem; for c in cert-*.der; do openssl x509 -inform DER -in "$c" >> bundle-certs.pem; done
: > bundle-crls.pem; for c in crl-*.der; do [ -e "$c" ] && openssl crl -inform DER -in "$c" >> bundle-crls.pem; done
echo "SIGNER_PATH=$(openssl verify -CAfile "$ARX_AUDITOR_ANCHORS" -untrusted bundle-certs.pem -CRLfile bundle-crls.pem -crl_check_all signer.pem)"

# 3. The checkpoint that proves the last event (Ed25519, C2SP signed note; docs/chain-format.md §3).
CP=${f.endCheckpoint}
KEYNAME=$(sed -n 's/^— \\([^ ]*\\) .*/\\1/p' "$CP" | head -n 1)
VKEY=$(grep -F "\\"name\\":\\"$KEYNAME\\"" gateway-keys.json | sed -n 's/.*"verifierKey":"\\([^"]*\\)".*/\\1/p')
printf '%s' "$VKEY" | cut -d+ -f3- | base64 -d | tail -c +2 > gateway.raw
{ unhex 302a300506032b6570032100; cat gateway.raw; } > gateway.der
openssl pkey -pubin -inform DER -in gateway.der -out gateway.pem
sed '/^$/,$d' "$CP" > checkpoint.body
sed -n 's/^— [^ ]* //p' "$CP" | head -n 1 | base64 -d | tail -c +5 > checkpoint.sig
echo "CHECKPOINT_SIGNATURE=$(openssl pkeyutl -verify -pubin -inkey gateway.pem -rawin -in checkpoint.body -sigfile checkpoint.sig)"
echo "CHECKPOINT_SIZE=$(sed -n 2p "$CP")"

# 4. The first event: events.bin records are u64be(seq) u32be(n) d(32) h(32) bytes(n).
FROM=${f.from}
PREV=$(sed -n 's/.*"prevHash":"\\([0-9a-f]\\{64\\}\\)".*/\\1/p' range.json)
if [ "$FROM" = 0 ]; then
  G=$(printf 'arx/genesis/v1%s' '${f.tenantId}' | b3sum --no-names)
  [ "$G" = "$PREV" ] && echo "GENESIS=OK"
fi
SEQ=$(head -c 8 events.bin | od -An -tu8 --endian=big | tr -d ' ')
N=$(head -c 12 events.bin | tail -c 4 | od -An -tu4 --endian=big | tr -d ' ')
head -c $((76 + N)) events.bin | tail -c "$N" > event-first.json
D_STORED=$(head -c 44 events.bin | tail -c 32 | hexof)
H_STORED=$(head -c 76 events.bin | tail -c 32 | hexof)
D=$({ printf 'arx/event/v1'; cat event-first.json; } | b3sum --no-names)
H=$({ printf 'arx/chain/v1'; unhex "$(printf '%016x' "$SEQ")"; unhex "$PREV"; unhex "$D"; } | b3sum --no-names)
echo "FIRST_EVENT_SEQ=$SEQ"
[ "$D" = "$D_STORED" ] && echo "FIRST_EVENT_DIGEST=OK $D"
[ "$H" = "$H_STORED" ] && echo "FIRST_EVENT_LINK=OK $H"
\`\`\`
${SCRIPT_END}

Expected: \`SHA256SUMS=OK\`, \`B3SUMS=OK\`, \`SUMS_IN_MANIFEST=OK\`, \`ENVELOPE_PAYLOAD=OK\`,
\`MANIFEST_SIGNATURE=Verified OK\`, \`SIGNER_PATH=signer.pem: OK\`, \`CHECKPOINT_SIGNATURE=Signature
Verified Successfully\`, \`FIRST_EVENT_DIGEST=OK …\` and \`FIRST_EVENT_LINK=OK …\` (and \`GENESIS=OK\` for
a range that starts at seq 0). A missing line means that check failed.
`;
}
